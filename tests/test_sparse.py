"""Tests of lowdim_utils.sparse (lesson 03): properties, scikit-learn oracles, bad input."""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.decomposition import sparse_encode
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso

from lowdim_utils import sparse


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Small matrices, many short steps: one thread is faster and immune to busy cores (restored after)."""
    from threadpoolctl import threadpool_limits
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(1):
        yield
    torch.set_num_threads(threads)


def problem(seed=0, n=12, d=16, m=32, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    D = torch.randn(d, m, generator=g, dtype=dtype)
    D = D / D.norm(dim=0)
    Z = torch.zeros(n, m, dtype=dtype)
    for i in range(n):
        idx = torch.randperm(m, generator=g)[:3]
        Z[i, idx] = torch.randn(3, generator=g, dtype=dtype)
    X = Z @ D.T + 0.05 * torch.randn(n, d, generator=g, dtype=dtype)
    lam = 0.1 * sparse.lambda_max(X, D)
    return X, D, lam


def sk_lasso(X, D, lam, **kw):
    d = D.shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return np.stack([Lasso(alpha=lam / d, fit_intercept=False, tol=1e-12, max_iter=100_000, **kw)
                         .fit(D.numpy(), x).coef_ for x in X.numpy()])


# ------------------------------------------------------------------ properties

@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=1, max_size=20), st.floats(0, 3))
def test_soft_threshold_is_the_prox(v, t):
    """z = S_t(v) satisfies the optimality condition v − z ∈ t ∂‖z‖₁ (lesson 03, Eq. (4))."""
    v = torch.tensor(v, dtype=torch.float64)
    z = sparse.soft_threshold(v, t)
    r = v - z
    assert bool((r.abs() <= t + 1e-12).all())
    nz = z != 0
    assert torch.allclose(r[nz], t * z[nz].sign())


def test_soft_threshold_tensor_threshold_and_values():
    v = torch.tensor([-3.0, -0.5, 0.0, 0.2, 2.0])
    assert torch.equal(sparse.soft_threshold(v, 1.0), torch.tensor([-2.0, 0.0, 0.0, 0.0, 1.0]))
    out = sparse.soft_threshold(v[None].repeat(2, 1), torch.tensor([[0.0], [10.0]]))
    assert torch.equal(out[0], v) and torch.equal(out[1], torch.zeros(5))


def test_ista_objective_is_monotone_and_below_bound():
    X, D, lam = problem()
    r = sparse.ista(X, D, lam, n_iter=300)
    h = r.history.numpy()
    assert h.shape == (301,) and (np.diff(h) <= 1e-13).all()
    z_star = torch.from_numpy(sk_lasso(X, D, lam))
    F_star = float(sparse.lasso_objective(X, D, z_star, lam).mean())
    k = np.arange(1, 301)
    bound = r.L * float((z_star**2).sum(1).mean()) / (2 * k)          # Theorem 1, mean over signals
    assert (h[1:] - F_star <= bound + 1e-12).all()


def test_fista_below_its_bound():
    X, D, lam = problem(1)
    r = sparse.fista(X, D, lam, n_iter=200)
    z_star = torch.from_numpy(sk_lasso(X, D, lam))
    F_star = float(sparse.lasso_objective(X, D, z_star, lam).mean())
    k = np.arange(1, 201)
    bound = 2 * r.L * float((z_star**2).sum(1).mean()) / (k + 1) ** 2  # Theorem 2
    assert (r.history.numpy()[1:] - F_star <= bound + 1e-12).all()


def test_ista_step_is_one_iteration_and_differentiable():
    X, D, lam = problem(2)
    Z1 = sparse.ista_step(torch.zeros(X.shape[0], D.shape[1], dtype=X.dtype), X, D, lam)
    assert torch.allclose(Z1, sparse.ista(X, D, lam, n_iter=1).codes, atol=1e-14)
    Dg = D.clone().requires_grad_(True)
    sparse.ista_step(Z1, X, Dg, lam, step=0.1).sum().backward()
    assert Dg.grad is not None and torch.isfinite(Dg.grad).all()


def test_single_signal_and_float32():
    X, D, lam = problem(3, dtype=torch.float32)
    r = sparse.fista(X[0], D, lam, n_iter=50)
    assert r.codes.shape == (D.shape[1],) and r.codes.dtype == torch.float32
    assert torch.allclose(r.codes, sparse.fista(X, D, lam, n_iter=50).codes[0], atol=1e-6)
    assert sparse.lasso_objective(X[0], D, r.codes, lam).dim() == 0


def test_lipschitz_power_matches_svd():
    _, D, _ = problem(4)
    L = sparse.lipschitz_constant(D)
    assert L == pytest.approx(float(torch.linalg.matrix_norm(D, 2)) ** 2, rel=1e-12)
    assert L <= sparse.lipschitz_constant(D, method="power", n_iter=500) <= 1.02 * L


def test_tol_stops_early():
    X, D, lam = problem(5)
    r = sparse.fista(X, D, lam, n_iter=5000, tol=1e-6)
    assert r.n_iter < 5000 and len(r.history) == r.n_iter + 1


# ------------------------------------------------------------------ oracles

def test_fista_matches_sklearn_lasso_with_alpha_over_d():
    X, D, lam = problem(6)
    Z = sparse.fista(X, D, lam, n_iter=3000).codes
    np.testing.assert_allclose(Z.numpy(), sk_lasso(X, D, lam), atol=1e-6)


def test_fista_matches_sparse_encode_with_alpha_lambda():
    X, D, lam = problem(7)
    Z = sparse.fista(X, D, lam, n_iter=3000).codes.numpy()
    for algo in ("lasso_lars", "lasso_cd"):
        Zs = sparse_encode(X.numpy(), D.T.numpy(), algorithm=algo, alpha=lam, max_iter=100_000)
        np.testing.assert_allclose(Z, Zs, atol=1e-4, err_msg=algo)


def test_nonnegative_matches_positive_lasso():
    X, D, lam = problem(8)
    Z = sparse.fista(X, D, lam, n_iter=3000, nonnegative=True).codes
    assert (Z >= 0).all()
    np.testing.assert_allclose(Z.numpy(), sk_lasso(X, D, lam, positive=True), atol=1e-6)


# ------------------------------------------------------------------ LISTA and dictionary learning

def test_lista_starts_at_ista_and_training_helps():
    X, D, lam = problem(9, n=200, dtype=torch.float32)
    model = sparse.LISTA(D, lam, n_layers=4)
    with torch.no_grad():
        assert torch.allclose(model(X), sparse.ista(X, D, lam, n_iter=4).codes, atol=1e-5)
    target = sparse.fista(X, D, lam, n_iter=300).codes
    with torch.no_grad():
        before = float(((model(X) - target) ** 2).sum(1).mean())
    sparse.train_lista(model, X, target, n_steps=150, batch_size=64, lr=3e-3)
    with torch.no_grad():
        after = float(((model(X) - target) ** 2).sum(1).mean())
    assert after < 0.5 * before


@pytest.mark.parametrize("method", ["mod", "bcd"])
def test_dictionary_learning_recovers_planted_atoms(method):
    rng = np.random.default_rng(0)
    d, m, n = 12, 16, 600
    D_true = rng.standard_normal((d, m))
    D_true /= np.linalg.norm(D_true, axis=0)
    Z = np.zeros((n, m))
    for i in range(n):
        Z[i, rng.choice(m, 2, replace=False)] = rng.standard_normal(2)
    X = torch.from_numpy(Z @ D_true.T)
    res = sparse.dictionary_learning(X, m, 0.05, n_iter=40, method=method, coding_iter=50, generator=0)
    norms = res.dictionary.norm(dim=0)
    assert (norms <= 1 + 1e-9).all()
    h = np.array(res.history)
    assert h[-1] < 0.8 * h[0]
    if method == "bcd":   # exact block minimisation + safeguarded coding: monotone
        assert (np.diff(h) <= 1e-9 * h[0]).all()
    cos, _, _ = sparse.match_atoms(res.dictionary, D_true)
    assert (cos > 0.95).mean() >= 0.75   # alternating minimisation may miss an atom or two (local minima)


def test_match_atoms_sign_and_permutation():
    _, D, _ = problem(10)
    perm = torch.randperm(D.shape[1], generator=torch.Generator().manual_seed(0))
    signs = torch.where(torch.arange(D.shape[1]) % 2 == 0, 1.0, -1.0).double()
    cos, rows, cols = sparse.match_atoms(D[:, perm] * signs * 3.0, D)
    np.testing.assert_allclose(cos, 1.0, atol=1e-12)
    assert (perm.numpy()[rows] == cols).all()


def test_image_patches_shape_mean_and_positions():
    img = np.random.default_rng(0).random((40, 50)).astype(np.float32)
    P = sparse.image_patches(img, 8, 30, generator=0)
    assert isinstance(P, torch.Tensor) and P.shape == (30, 64) and P.dtype == torch.float32
    np.testing.assert_allclose(P.mean(1).numpy(), 0, atol=1e-6)
    raw = sparse.image_patches(img, 8, 30, remove_mean=False, generator=0).numpy()
    # every raw patch is a window of the image (the oracle: scikit-learn's patch extractor)
    from sklearn.feature_extraction.image import extract_patches_2d
    windows = extract_patches_2d(img, (8, 8)).reshape(-1, 64)
    assert all(np.isclose(windows, row).all(1).any() for row in raw)
    assert torch.equal(sparse.image_patches(img, 8, 30, generator=0), P)      # an int seed is reproducible


def test_all_zero_dictionary_gives_zero_codes_as_the_oracle_does():
    from sklearn.linear_model import Lasso
    X, D, _ = problem(5)
    D0 = torch.zeros_like(D)
    for solver in (sparse.ista, sparse.fista):
        res = solver(X, D0, 0.1, n_iter=20)
        assert torch.equal(res.codes, torch.zeros_like(res.codes)) and res.L == 0.0
        assert torch.isfinite(res.history).all()
    assert torch.equal(sparse.ista_step(torch.ones(X.shape[0], D.shape[1], dtype=X.dtype), X, D0, 0.1),
                       torch.zeros(X.shape[0], D.shape[1], dtype=X.dtype))
    assert sparse.lipschitz_constant(D0) == 0.0 and sparse.lipschitz_constant(D0, method="power") == 0.0
    coef = Lasso(alpha=0.1 / X.shape[1], fit_intercept=False).fit(D0.numpy(), X[0].numpy()).coef_
    np.testing.assert_array_equal(coef, 0.0)
    with pytest.raises(ValueError, match="D must not be all zeros"):
        sparse.LISTA(D0, 0.1)


def test_fista_on_device(device):
    X, D, _ = problem(5)
    res = sparse.fista(X.to(device), D.to(device), 0.1, n_iter=50)
    assert res.codes.device.type == device.type
    ref = sparse.fista(X, D, 0.1, n_iter=50)
    torch.testing.assert_close(res.codes.cpu(), ref.codes, atol=1e-8, rtol=0)


# ------------------------------------------------------------------ bad input

# ------------------------------------------------------------------ basis pursuit and coherence

def _sparse_problem(seed, d, m, k):
    g = torch.Generator().manual_seed(seed)
    D = torch.randn(d, m, generator=g, dtype=torch.float64) / d ** 0.5
    z = torch.zeros(m, dtype=torch.float64)
    z[torch.randperm(m, generator=g)[:k]] = torch.randn(k, generator=g, dtype=torch.float64)
    return D, z


def test_basis_pursuit_recovers_sparse_codes_and_is_the_l1_minimiser():
    # well inside the Donoho-Tanner region (d/m = 0.5, k/d = 0.1): exact recovery
    D, z0 = _sparse_problem(0, 30, 60, 3)
    z = sparse.basis_pursuit(D @ z0, D)
    assert z.shape == (60,) and z.dtype == torch.float64
    assert float((z - z0).norm()) < 1e-8 * float(z0.norm())
    # far outside it (k/d = 0.9): feasible, smaller l1 norm than the truth, not the truth
    D, z0 = _sparse_problem(1, 20, 60, 18)
    x = D @ z0
    z = sparse.basis_pursuit(x, D)
    assert float((D @ z - x).norm()) < 1e-8 * float(x.norm())
    assert float(z.abs().sum()) < float(z0.abs().sum()) and float((z - z0).norm()) > 0.1 * float(z0.norm())
    # batched rows agree with single calls, float32 comes back as float32
    X = torch.stack([D @ z0, 2 * D @ z0])
    Zb = sparse.basis_pursuit(X.float(), D.float())
    assert Zb.shape == (2, 60) and Zb.dtype == torch.float32
    torch.testing.assert_close(Zb[1], 2 * Zb[0], atol=1e-4, rtol=1e-4)


def test_basis_pursuit_is_the_small_lambda_limit_of_the_lasso():
    D, z0 = _sparse_problem(2, 24, 48, 4)
    x = (D @ z0)[None]
    z_bp = sparse.basis_pursuit(x, D)
    z_lasso = sparse.fista(x, D, 1e-5, n_iter=20000).codes
    assert float((z_lasso - z_bp).norm()) < 1e-3 * float(z_bp.norm())


def test_basis_pursuit_rejects_signals_outside_the_range():
    D = torch.zeros(4, 6, dtype=torch.float64)
    D[0, :] = 1.0                                   # range of D is the first axis only
    with pytest.raises(ValueError, match="basis pursuit has no solution for signal 0"):
        sparse.basis_pursuit(torch.tensor([0.0, 1.0, 0.0, 0.0], dtype=torch.float64), D)


def test_mutual_coherence_extremes_welch_and_scale_invariance():
    d = 8
    H = torch.tensor([[1.0]])
    while H.shape[0] < d:                           # Sylvester's Hadamard matrix, orthogonal with entries ±1
        H = torch.cat([torch.cat([H, H], 1), torch.cat([H, -H], 1)], 0)
    I = torch.eye(d, dtype=torch.float64)
    assert sparse.mutual_coherence(I) == 0.0
    # identity + Hadamard: the classical pair of mutually unbiased bases, μ = 1/√d
    assert sparse.mutual_coherence(torch.cat([I, H.double() / d ** 0.5], 1)) == pytest.approx(d ** -0.5)
    D, _ = _sparse_problem(3, 16, 40, 1)
    mu = sparse.mutual_coherence(D)
    assert np.sqrt((40 - 16) / (16 * 39)) <= mu <= 1                       # the Welch bound
    assert sparse.mutual_coherence(D * torch.linspace(0.1, 10, 40, dtype=torch.float64)) == pytest.approx(mu)
    assert sparse.mutual_coherence(torch.cat([D, -3 * D[:, :1]], 1)) == pytest.approx(1.0)   # a repeated atom
    with pytest.raises(ValueError, match="at least 2 atoms"):
        sparse.mutual_coherence(D[:, :1])
    with pytest.raises(ValueError, match="all-zero atoms"):
        sparse.mutual_coherence(torch.cat([D, torch.zeros(16, 1, dtype=torch.float64)], 1))


def test_basis_pursuit_and_coherence_on_device(device):
    D, z0 = _sparse_problem(4, 20, 40, 2)
    z = sparse.basis_pursuit((D @ z0).to(device), D.to(device))
    assert z.device.type == device.type
    assert float((z.cpu() - z0).norm()) < 1e-6 * float(z0.norm())
    assert sparse.mutual_coherence(D.to(device)) == pytest.approx(sparse.mutual_coherence(D), rel=1e-6)


@pytest.mark.parametrize("call, exc, match", [
    (lambda X, D: sparse.fista(X, D[:5], 0.1), ValueError, r"^D must have shape \(d, m\) with d = 16"),
    (lambda X, D: sparse.fista(X[None], D, 0.1), ValueError, r"^X must have 1 or 2 dimensions"),
    (lambda X, D: sparse.fista(X, D, -0.5), ValueError, r"^lam must be finite and >= 0"),
    (lambda X, D: sparse.fista(X, D, float("nan")), ValueError, r"^lam must be finite"),
    (lambda X, D: sparse.fista(X, D, "0.1"), TypeError, r"^lam must be a real number"),
    (lambda X, D: sparse.fista(X, D.float(), 0.1), TypeError, r"^D has dtype torch.float32"),
    (lambda X, D: sparse.fista(X.to(torch.complex128), D, 0.1), TypeError, r"^X must be real"),
    (lambda X, D: sparse.fista(np.array([["a"] * 16]), D, 0.1), TypeError, r"^X must hold numbers"),
    (lambda X, D: sparse.fista(X, D, 0.1, n_iter=-1), ValueError, r"^n_iter must be >= 0"),
    (lambda X, D: sparse.fista(X, D, 0.1, Z0=torch.zeros(3, 3, dtype=X.dtype)), ValueError, r"^Z0 must have shape"),
    (lambda X, D: sparse.ista_step(torch.zeros(12, 32), X, D, 0.1), TypeError, r"^Z has dtype"),
    (lambda X, D: sparse.lipschitz_constant(D, method="eig"), ValueError, r"^method must be"),
    (lambda X, D: sparse.dictionary_learning(X, 4, 0.1, method="ksvd"), ValueError, r"^method must be"),
    (lambda X, D: sparse.soft_threshold(X, -1.0), ValueError, r"^t must be finite and >= 0"),
    (lambda X, D: sparse.image_patches(np.zeros((4, 4, 3))), ValueError, r"^image must have 2 dimensions"),
])
def test_bad_input_names_the_argument(call, exc, match):
    X, D, _ = problem()
    with pytest.raises(exc, match=match):
        call(X, D)


def test_nan_in_signals():
    X, D, _ = problem()
    X[3, 2] = float("nan")
    with pytest.raises(ValueError, match=r"^X contains NaN or infinite values \(1 of"):
        sparse.ista(X, D, 0.1)


def test_mismatched_devices_name_both():
    X, D, _ = problem()
    with pytest.raises(ValueError, match=r"X on cpu, D on meta"):
        sparse.fista(X, D.to("meta"), 0.1)
    with pytest.raises(ValueError, match=r"Z0 on meta"):
        sparse.fista(X, D, 0.1, Z0=torch.zeros(12, 32, dtype=X.dtype, device="meta"))


# ------------------------------------------------------------------ exact lasso (FISTA + support solve)

def _lasso_problem(n=300, d=32, m=64, density=0.08, seed=0):
    rng = np.random.default_rng(seed)
    D = rng.standard_normal((d, m))
    D /= np.linalg.norm(D, axis=0)
    Z = np.where(rng.random((n, m)) < density, rng.standard_normal((n, m)), 0.0)
    X = Z @ D.T + 0.01 * rng.standard_normal((n, d))
    return torch.from_numpy(X), torch.from_numpy(D)


def test_lasso_is_exact_and_matches_coordinate_descent():
    X, D = _lasso_problem()
    lam = 0.1
    res = sparse.lasso(X, D, lam)
    assert bool(res.exact.all()) and res.history is None
    ref = sparse_encode(X.numpy(), D.T.numpy(), algorithm="lasso_cd", alpha=lam, max_iter=100_000)
    ref = torch.from_numpy(ref)
    f_ours = sparse.lasso_objective(X, D, res.codes, lam)
    f_ref = sparse.lasso_objective(X, D, ref, lam)
    assert float((f_ours - f_ref).max()) < 1e-12                 # never worse than coordinate descent
    torch.testing.assert_close(res.codes, ref, atol=1e-5, rtol=0)
    # the optimality condition, Eq. (3), to round-off
    corr = (X - res.codes @ D.T) @ D
    on = res.codes != 0
    assert float((corr[on] - lam * torch.sign(res.codes[on])).abs().max()) < 1e-10
    assert float(corr[~on].abs().max()) <= lam * (1 + 1e-9)
    # FISTA alone after as many iterations is further from the optimum
    f_fista = sparse.lasso_objective(X, D, sparse.fista(X, D, lam, n_iter=res.n_iter).codes, lam)
    assert float((f_fista - f_ours).sum()) > 1e-9


def test_lasso_reports_signals_it_could_not_certify():
    X, D = _lasso_problem(n=50, seed=1)
    res = sparse.lasso(X, D, 0.02, n_iter=1, check_every=1)     # one FISTA step: supports not found yet
    assert not bool(res.exact.all()) and res.n_iter == 1
    full = sparse.lasso(X, D, 0.02)
    assert bool(full.exact.all())


def test_lasso_single_signal_zero_dictionary_and_device(device):
    X, D = _lasso_problem(n=40, seed=2)
    one = sparse.lasso(X[0], D, 0.1)
    assert one.codes.shape == (64,) and bool(one.exact)
    zero = sparse.lasso(X, torch.zeros_like(D), 0.1)
    assert bool((zero.codes == 0).all()) and bool(zero.exact.all())
    res = sparse.lasso(X.to(device), D.to(device), 0.1)
    assert res.codes.device.type == device.type
    torch.testing.assert_close(res.codes.cpu(), sparse.lasso(X, D, 0.1).codes, atol=1e-8, rtol=0)


@pytest.mark.parametrize("kw, words", [(dict(check_every=0), "check_every must be >= 1"),
                                       (dict(n_iter=0), "n_iter must be >= 1"),
                                       (dict(kkt_tol=-1.0), "kkt_tol must be")])
def test_lasso_bad_input_names_the_argument(kw, words):
    X, D = _lasso_problem(n=5)
    with pytest.raises(ValueError, match=words):
        sparse.lasso(X, D, 0.1, **kw)
