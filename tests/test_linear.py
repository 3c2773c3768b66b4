"""lowdim_utils.linear (lesson 01) against its oracles: scikit-learn and torch."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from sklearn.decomposition import PCA
from sklearn.utils.extmath import randomized_svd as sk_randomized_svd

from lowdim_utils import linear


def lowrank(n=200, d=50, r=8, noise=1e-3, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    A = torch.randn(n, r, generator=g, dtype=dtype) @ torch.randn(r, d, generator=g, dtype=dtype)
    return A + noise * torch.randn(n, d, generator=g, dtype=dtype)


def max_angle(A, B):
    return float(linear.subspace_angles(A, B).max())


# ------------------------------------------------------------------ oracles
def test_pca_matches_sklearn_full_pca_entrywise_after_sign_fixing():
    X = lowrank(noise=0.5)
    ours = linear.pca(X, 6)
    sk = PCA(6, svd_solver="full").fit(X.numpy())
    np.testing.assert_allclose(ours.components.numpy(), sk.components_, atol=1e-10)
    np.testing.assert_allclose(ours.explained_variance.numpy(), sk.explained_variance_, rtol=1e-10)
    np.testing.assert_allclose(ours.explained_variance_ratio.numpy(), sk.explained_variance_ratio_, rtol=1e-10)
    np.testing.assert_allclose(ours.transform(X).numpy(), sk.transform(X.numpy()), atol=1e-9)


def test_covariance_route_matches_sklearn_covariance_eigh():
    X = lowrank(n=2000, d=40, noise=0.5)
    ours = linear.pca(X, 6, method="covariance")
    sk = PCA(6, svd_solver="covariance_eigh").fit(X.numpy())
    np.testing.assert_allclose(ours.components.numpy(), sk.components_, atol=1e-9)
    np.testing.assert_allclose(ours.explained_variance.numpy(), sk.explained_variance_, rtol=1e-10)
    np.testing.assert_allclose(ours.explained_variance_ratio.numpy(), sk.explained_variance_ratio_, rtol=1e-10)


@pytest.mark.parametrize("dtype, eps", [(torch.float32, 1.2e-7), (torch.float64, 2.3e-16)])
def test_covariance_route_accuracy_trade_off(dtype, eps):
    # singular values 10^0 ... 10^-6 over 13 directions: the covariance squares them, so an
    # eigenvalue's absolute error is ~ eps * sigma_1^2. Components whose variance is well above
    # that agree with the SVD route (angles ~ eps * sigma_1^2 / gap); far below it they are noise.
    g = torch.Generator().manual_seed(0)
    n, d = 4000, 13
    R = torch.randn(n, d, generator=g, dtype=torch.float64)
    Q1, _ = torch.linalg.qr(R - R.mean(0))           # orthonormal columns with zero mean
    Q2, _ = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=torch.float64))
    sig = 10.0 ** -torch.arange(0, 6.5, 0.5, dtype=torch.float64)      # 1, 0.316, ..., 1e-6
    X = (Q1 * sig) @ Q2.T                               # singular values exactly sig, centred
    full = linear.pca(X.to(dtype), d, method="full")
    cov = linear.pca(X.to(dtype), d, method="covariance")
    s_full, s_cov = full.singular_values.double(), cov.singular_values.double()
    resolved = sig**2 > 1e4 * eps            # variance 10^4 above the round-off floor eps * sigma_1^2
    lost = sig**2 < 1e-2 * eps
    assert resolved[:3].all() and (dtype == torch.float64 or lost.any())
    rel = ((s_cov - s_full).abs() / s_full)[resolved]
    assert float(rel.max()) < 1e-3, rel
    # the leading subspace: the same to round-off
    k = int(resolved.sum())
    assert max_angle(cov.components[:k].T.double(), full.components[:k].T.double()) < 1e-3
    # below the floor the covariance route's singular values are round-off, the SVD's are not
    if lost.any():
        err = ((s_cov - s_full).abs() / s_full)[lost]
        assert float(err.min()) > 1e-2, err
    # the SVD route resolves them all (its error is relative to sigma_1, not sigma_1^2)
    np.testing.assert_allclose(s_full.numpy(), sig.numpy(), rtol=1e-3 if dtype == torch.float32 else 1e-8,
                               atol=50 * eps)


def test_auto_takes_the_covariance_route_for_tall_data_only(monkeypatch):
    seen = []
    real = torch.linalg.eigh
    monkeypatch.setattr(torch.linalg, "eigh", lambda A: seen.append(A.shape) or real(A))
    linear.pca(lowrank(n=500, d=50), 3, method="auto")      # n = 10 d: tall
    linear.pca(lowrank(n=200, d=50), 3, method="auto")      # not tall: the SVD
    assert seen == [(50, 50)]
    a = linear.pca(lowrank(n=500, d=50), 3, method="auto")
    b = linear.pca(lowrank(n=500, d=50), 3, method="full")
    assert max_angle(a.components.T, b.components.T) < 1e-8


def test_randomized_pca_matches_full_on_low_rank_data():
    X = lowrank()
    full = linear.pca(X, 5)
    rnd = linear.pca(X, 5, method="randomized")
    assert max_angle(full.components.T, rnd.components.T) < 1e-6
    np.testing.assert_allclose(rnd.explained_variance.numpy(), full.explained_variance.numpy(), rtol=1e-8)


def test_randomized_svd_agrees_with_sklearn_and_torch_lowrank():
    X = lowrank(noise=1e-2)
    U, S, Vt = linear.randomized_svd(X, 8, oversample=10, n_iter=4)
    _, S_sk, Vt_sk = sk_randomized_svd(X.numpy(), 8, n_oversamples=10, n_iter=4, random_state=0)
    _, S_tl, V_tl = torch.svd_lowrank(X, q=18, niter=4)
    assert max_angle(Vt.T, torch.from_numpy(Vt_sk.T)) < 1e-6
    assert max_angle(Vt.T, V_tl[:, :8]) < 1e-6
    np.testing.assert_allclose(S.numpy(), S_sk, rtol=1e-8)
    # U S Vt reconstructs as well as the exact rank-8 truncation
    err = torch.linalg.matrix_norm(X - (U * S) @ Vt, ord=2)
    assert float(err) <= 1.01 * float(torch.linalg.svdvals(X)[8])


def test_power_iteration_finds_top_subspace_and_singular_values():
    X = lowrank(noise=0.1)
    S, Vt, steps = linear.power_iteration(X, 4, n_iter=1000, tol=1e-12)
    _, S_ex, Vt_ex = torch.linalg.svd(X, full_matrices=False)
    assert max_angle(Vt.T, Vt_ex[:4].T) < 1e-6
    np.testing.assert_allclose(S.numpy(), S_ex[:4].numpy(), rtol=1e-9)
    assert steps < 1000


def test_svd_sign_convention_matches_sklearn_pca():
    X = lowrank(noise=0.5)
    Xc, _ = linear.center(X)
    _, _, Vt = linear.svd(Xc, 4)
    sk = PCA(4, svd_solver="full").fit(X.numpy())
    np.testing.assert_allclose(Vt.numpy(), sk.components_, atol=1e-10)


def test_rank_k_approx_attains_eckart_young_error():
    X = lowrank(noise=0.3)
    s = torch.linalg.svdvals(X)
    for k in (1, 3, 8):
        E = X - linear.rank_k_approx(X, k)
        assert float(torch.linalg.matrix_norm(E, ord=2)) == pytest.approx(float(s[k]), rel=1e-9)
        assert float(torch.linalg.matrix_norm(E) ** 2) == pytest.approx(float((s[k:] ** 2).sum()), rel=1e-9)


def test_halko_bound_holds_on_average_and_orders_correctly():
    X = lowrank(n=300, d=120, r=120, noise=0.0, seed=3)  # full rank, decaying spectrum
    X = X @ torch.diag(torch.arange(1, 121, dtype=X.dtype) ** -1.0)
    s = torch.linalg.svdvals(X)
    for q in (0, 1):
        errs = [float(torch.linalg.matrix_norm(X - (Q := linear.randomized_range_finder(
            X, 15, n_iter=q, generator=torch.Generator().manual_seed(t))) @ (Q.T @ X), ord=2)) for t in range(10)]
        assert np.mean(errs) / float(s[10]) <= linear.halko_bound(s, 10, 5, q)
    assert linear.halko_bound(s, 10, 5, 2) < linear.halko_bound(s, 10, 5, 1) < linear.halko_bound(s, 10, 5, 0)


# ------------------------------------------------------------------ properties
@settings(max_examples=25, deadline=None)
@given(st.integers(2, 30), st.integers(2, 30), st.integers(0, 10_000))
def test_subspace_angles_invariant_to_sign_scale_and_rotation(n_extra, d, seed):
    g = torch.Generator().manual_seed(seed)
    n = d + n_extra
    k = max(1, d // 3)
    A = torch.randn(n, k, generator=g, dtype=torch.float64)
    R = torch.linalg.qr(torch.randn(k, k, generator=g, dtype=torch.float64))[0]
    B = -3.0 * A @ R
    assert float(linear.subspace_angles(A, B).max()) < 1e-6
    # an orthogonal complement is at 90 degrees
    Q = torch.linalg.qr(torch.randn(n, n, generator=g, dtype=torch.float64))[0]
    assert float(linear.subspace_angles(Q[:, :k], Q[:, k:2 * k]).min()) == pytest.approx(np.pi / 2, abs=1e-6) \
        if 2 * k <= n else True


@settings(max_examples=20, deadline=None)
@given(st.integers(3, 40), st.integers(3, 40), st.integers(0, 10_000))
def test_pca_components_orthonormal_and_variances_descending(n, d, seed):
    X = torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    k = min(n - 1, d, 5)
    r = linear.pca(X, k)
    G = r.components @ r.components.T
    assert torch.allclose(G, torch.eye(k, dtype=X.dtype), atol=1e-9)
    assert bool((r.explained_variance[:-1] >= r.explained_variance[1:] - 1e-12).all())
    Z = r.transform(X)
    assert torch.allclose(r.inverse_transform(Z), X, atol=1e-8) if k == min(n - 1, d) else True


def test_float32_in_float32_out():
    X = lowrank(dtype=torch.float32)
    U, S, Vt = linear.randomized_svd(X, 4)
    assert U.dtype == S.dtype == Vt.dtype == torch.float32
    assert linear.pca(X, 3).components.dtype == torch.float32


@pytest.mark.parametrize("seed", range(4))
def test_subspace_angles_of_rank_deficient_inputs_match_scipy(seed):
    # linearly dependent and zero columns add no direction: a QR basis would invent one
    from scipy.linalg import subspace_angles as sp_angles
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((30, 3))
    A = np.c_[base, base @ rng.standard_normal((3, 2)), np.zeros((30, 1))]      # rank 3 in 6 columns
    B = np.c_[base[:, :2] + 0.1 * rng.standard_normal((30, 2)), rng.standard_normal((30, 2))]
    B = np.c_[B, B[:, :1] * 2.0]                                                  # rank 4 in 5 columns
    ours = linear.subspace_angles(torch.from_numpy(A), torch.from_numpy(B)).numpy()
    ref = np.sort(sp_angles(A, B))
    assert ours.shape == ref.shape == (3,)
    np.testing.assert_allclose(ours, ref, atol=1e-10)
    # a subspace against itself, given twice over: all angles 0
    np.testing.assert_allclose(linear.subspace_angles(A, np.c_[A, A]).numpy(), 0.0, atol=1e-7)


def test_pca_validates_its_input_once(monkeypatch):
    # pca used to validate X three times (pca -> center -> svd -> flip_signs); each check is a
    # device sync on a GPU. Count the finiteness checks of one call.
    from lowdim_utils import validate
    calls = []
    real = validate.as_tensor

    def counting(x, name, **kw):
        calls.append(name)
        return real(x, name, **kw)
    monkeypatch.setattr(validate, "as_tensor", counting)
    monkeypatch.setattr(linear, "as_matrix", lambda x, name, **kw: counting(x, name, ndim=2, **kw))
    linear.pca(lowrank(), 3)
    assert calls == ["X"]
    calls.clear()
    linear.pca(lowrank(), 3, method="randomized", generator=0)
    assert calls == ["X"]


def test_randomness_follows_the_package_policy():
    X = lowrank()
    # an int seed: the same numbers each call; None: torch's global generator
    a, b = linear.randomized_svd(X, 3, n_iter=0, generator=7), linear.randomized_svd(X, 3, n_iter=0, generator=7)
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    torch.manual_seed(1)
    c = linear.power_iteration(X, 2, n_iter=1)[1]
    torch.manual_seed(2)
    d = linear.power_iteration(X, 2, n_iter=1)[1]
    torch.manual_seed(1)
    e = linear.power_iteration(X, 2, n_iter=1)[1]
    assert not torch.equal(c, d) and torch.equal(c, e)


def test_on_device(device):
    X = lowrank()
    Xd = X.to(device)
    r, ref = linear.pca(Xd, 3), linear.pca(X, 3)
    assert r.components.device.type == device.type
    torch.testing.assert_close(r.components.cpu(), ref.components, atol=1e-8, rtol=0)
    U, S, Vt = linear.randomized_svd(Xd, 4, generator=0)
    Ur, Sr, Vtr = linear.randomized_svd(X, 4, generator=0)     # the same seed, the same test matrix
    torch.testing.assert_close(S.cpu(), Sr, atol=1e-8, rtol=1e-8)
    angles = linear.subspace_angles(Vt.T.cpu(), Vtr.T)
    assert float(angles.max()) < 1e-6


def test_numpy_input_is_accepted():
    X = lowrank().numpy()
    assert linear.pca(X, 2).components.shape == (2, 50)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("call, err, words", [
    (lambda X: linear.pca(X, 0), ValueError, "k must satisfy 1 <= k"),
    (lambda X: linear.pca(X, 51), ValueError, r"k must satisfy 1 <= k <= min\(n, d\) = 50"),
    (lambda X: linear.pca(X, 2.0), TypeError, "k must be an integer"),
    (lambda X: linear.pca(X, 2, method="magic"), ValueError, r"method must be one of \['full', 'covariance', 'auto', 'randomized'\]"),
    (lambda X: linear.pca(X[0], 2), ValueError, "X must have 2 dimensions"),
    (lambda X: linear.pca(X[:1], 1), ValueError, "X must have at least 2 rows"),
    (lambda X: linear.randomized_svd(X, 3, oversample=-1), ValueError, "oversample must be >= 0"),
    (lambda X: linear.randomized_svd(X, 3, n_iter=-2), ValueError, "n_iter must be >= 0"),
    (lambda X: linear.power_iteration(X, 3, n_iter=0), ValueError, "n_iter must be >= 1"),
    (lambda X: linear.randomized_range_finder(X, 500), ValueError, "size must be <= 50"),
    (lambda X: linear.subspace_angles(X, X[:10]), ValueError, "A and B must have the same number of rows"),
    (lambda X: linear.flip_svd(X[:, :3], X[:2]), ValueError, "U and Vt must share the rank dimension"),
    (lambda X: linear.subspace_angles(X, torch.zeros_like(X)), ValueError, "B has rank 0"),
    (lambda X: linear.randomized_svd(X, 3, generator="0"), TypeError, "generator must be None, an int seed"),
    (lambda X: linear.halko_bound(torch.ones(10), 3, 1), ValueError, "oversample must be >= 2"),
    (lambda X: linear.pca(X, 2).transform(X[:, :10]), ValueError, "X must have 50 columns"),
    (lambda X: linear.pca(X, 2).inverse_transform(X[:, :3]), ValueError, "Z must have 2 columns"),
])
def test_bad_input_names_the_argument(call, err, words):
    with pytest.raises(err, match=words):
        call(lowrank())


def test_nan_input_is_rejected():
    X = lowrank()
    X[3, 4] = float("nan")
    for f in (lambda: linear.pca(X, 2), lambda: linear.randomized_svd(X, 2), lambda: linear.svd(X)):
        with pytest.raises(ValueError, match="X contains NaN"):
            f()


def test_mismatched_devices_are_rejected():
    A = torch.ones(4, 2)
    with pytest.raises(ValueError, match="A on cpu, B on meta"):
        linear.subspace_angles(A, torch.ones(4, 2, device="meta"))
