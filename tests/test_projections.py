"""lowdim_utils.projections (lesson 02) against its oracles (scikit-learn) and closed forms."""
import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from scipy import stats
from sklearn.random_projection import (GaussianRandomProjection, SparseRandomProjection,
                                       johnson_lindenstrauss_min_dim)

from lowdim_utils import projections as P


def points(n=120, D=600, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, D, generator=g, dtype=dtype)


# ------------------------------------------------------------------ the JL bound: exact equality with sklearn
@pytest.mark.parametrize("n", [1, 2, 10, 1000, 12345, 10**6])
@pytest.mark.parametrize("eps", [0.01, 0.1, 0.25, 0.5, 0.9, 0.999])
def test_jl_min_dim_equals_sklearn(n, eps):
    assert P.jl_min_dim(n, eps) == int(johnson_lindenstrauss_min_dim(n, eps=eps))


def test_jl_min_dim_headline_value():
    assert P.jl_min_dim(1000, 0.1) == 5920


@pytest.mark.parametrize("n,k", [(1000, 5920), (500, 2000), (10, 200)])
def test_jl_eps_inverts_jl_min_dim(n, k):
    e = P.jl_eps(n, k)
    assert 0 < e < 1
    assert P.jl_min_dim(n, e) <= k < P.jl_min_dim(n, e * (1 - 1e-6)) + 1


def test_jl_eps_is_nan_when_no_eps_below_one_works():
    assert math.isnan(P.jl_eps(1000, 100))  # 24 ln 1000 ≈ 166 > 100


# ------------------------------------------------------------------ matrix distributions vs sklearn
def test_gaussian_entries_match_sklearn_distribution():
    D, k = 400, 100
    ours = P.gaussian_matrix(D, k, generator=0, dtype=torch.float64).numpy().ravel()
    sk = GaussianRandomProjection(k, random_state=0).fit(np.zeros((2, D))).components_.ravel()
    assert ours.shape == sk.shape
    # same law N(0, 1/k): two-sample KS test (deterministic seeds), moments within 3 %
    assert stats.ks_2samp(ours, sk).pvalue > 0.01
    np.testing.assert_allclose(ours.var() * k, 1.0, atol=0.03)
    np.testing.assert_allclose(sk.var() * k, 1.0, atol=0.03)
    assert abs(stats.kurtosis(ours, fisher=False) - 3) < 0.1


@pytest.mark.parametrize("density", ["auto", 1 / 3, 0.05, 1.0])
def test_sparse_entries_match_sklearn_distribution(density):
    D, k = 2500, 200
    ours = P.sparse_matrix(D, k, density=density, generator=1, dtype=torch.float64)
    sk = SparseRandomProjection(k, density=density, random_state=1).fit(np.zeros((2, D)))
    C = sk.components_
    C = C.toarray() if hasattr(C, "toarray") else np.asarray(C)
    rho = 1 / math.sqrt(D) if density == "auto" else density
    assert ours.density == pytest.approx(sk.density_)
    # the non-zero values are exactly ±1/√(ρk) in both
    np.testing.assert_allclose(np.unique(ours.values.numpy()), np.unique(C[C != 0]), rtol=1e-12)
    # the fraction of non-zeros agrees with ρ within 5 binomial standard deviations
    sd = math.sqrt(rho * (1 - rho) / (k * D))
    assert abs(ours.nnz / (k * D) - rho) <= 5 * sd
    assert abs(np.mean(C != 0) - rho) <= 5 * sd
    # signs balanced, every entry of variance 1/k
    assert abs(float((ours.values > 0).double().mean()) - 0.5) < 5 * 0.5 / math.sqrt(ours.nnz)
    np.testing.assert_allclose(float((ours.values ** 2).sum()) / D, 1.0, atol=0.05)
    # non-zeros per row: Binomial(D, ρ) in both (KS on the row counts)
    ours_rows = np.diff(ours.indptr.numpy())
    sk_rows = np.count_nonzero(C, axis=1)
    if rho < 1:
        assert stats.ks_2samp(ours_rows, sk_rows).pvalue > 0.001
    else:
        assert (ours_rows == D).all() and (sk_rows == D).all()


def test_distortion_distribution_matches_sklearn():
    X = points(150, 3000, seed=2).numpy()
    k = 300
    for ours, sk in [
        (P.project(X, P.gaussian_matrix(3000, k, generator=3, dtype=torch.float64)),
         GaussianRandomProjection(k, random_state=3).fit_transform(X)),
        (P.project(X, P.sparse_matrix(3000, k, generator=3, dtype=torch.float64)),
         SparseRandomProjection(k, random_state=3, dense_output=True).fit_transform(X)),
    ]:
        r_ours = P.distance_ratios(X, ours).numpy()
        r_sk = P.distance_ratios(X, torch.as_tensor(np.asarray(sk))).numpy()
        # mean 1 (to 0.04 ≈ 5 sd of a mean over one matrix) and standard deviation √(2/k) (Eq. (4)) to 15 %
        for r in (r_ours, r_sk):
            assert abs(r.mean() - 1) < 0.04
            assert abs(r.std() / math.sqrt(2 / k) - 1) < 0.15
        # quantiles of the two ratio distributions agree to 0.04 (≈ 0.5 √(2/k))
        q = [0.01, 0.1, 0.5, 0.9, 0.99]
        np.testing.assert_allclose(np.quantile(r_ours, q), np.quantile(r_sk, q), atol=0.04)


# ------------------------------------------------------------------ project: correctness, batching, dtypes
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_sparse_project_equals_dense_matmul(dtype):
    X = points(70, 900, seed=4, dtype=dtype)
    R = P.sparse_matrix(900, 64, generator=5, dtype=dtype)
    Y = P.project(X, R, chunk_size=16)
    assert Y.dtype == dtype and Y.shape == (70, 64)
    tol = 1e-4 if dtype == torch.float32 else 1e-12
    torch.testing.assert_close(Y, X @ R.to_dense().T, atol=tol, rtol=tol)
    torch.testing.assert_close(P.project(X, R), Y, atol=tol, rtol=tol)
    sp = R.to_scipy()
    np.testing.assert_allclose(Y.double().numpy(), X.double().numpy() @ sp.T.toarray(), atol=10 * tol)
    torch.testing.assert_close(torch.sparse.mm(R.to_torch_sparse(), X.T).T, Y, atol=tol, rtol=tol)


def test_project_batched_and_numpy_input():
    X = points(60, 300, seed=6)
    R = P.sparse_matrix(300, 30, generator=7, dtype=torch.float64)
    Yb = P.project(X.reshape(3, 20, 300), R)
    assert Yb.shape == (3, 20, 30)
    torch.testing.assert_close(Yb.reshape(60, 30), P.project(X, R))
    torch.testing.assert_close(P.project(X.numpy(), R), P.project(X, R))
    G = P.gaussian_matrix(300, 30, generator=7, dtype=torch.float64)
    torch.testing.assert_close(P.project(X.reshape(3, 20, 300), G).reshape(60, 30), X @ G.T)


def test_project_is_differentiable():
    X = points(10, 50, seed=8).requires_grad_()
    R = P.sparse_matrix(50, 5, density=0.3, generator=9, dtype=torch.float64)
    P.project(X, R).sum().backward()
    torch.testing.assert_close(X.grad, R.to_dense().sum(0).expand(10, 50))


def test_project_on_device(device):
    X = points(30, 200, seed=3)
    for R in (P.gaussian_matrix(200, 20, generator=1, dtype=torch.float64),
              P.sparse_matrix(200, 20, generator=1, dtype=torch.float64)):
        Rd = R.to(device)
        Y = P.project(X.to(device), Rd)
        assert Y.device.type == device.type
        torch.testing.assert_close(Y.cpu(), P.project(X, R))
    # one seed, one matrix, whatever the device it is moved to
    assert torch.equal(P.gaussian_matrix(50, 5, generator=1, device=device).cpu(), P.gaussian_matrix(50, 5, generator=1))
    A = torch.ones(8, 8) - torch.eye(8)
    torch.testing.assert_close(P.fastrp(A.to(device), 4, generator=2).cpu(), P.fastrp(A, 4, generator=2))


def test_matrices_are_seeded_and_device_independent():
    a = P.sparse_matrix(500, 40, generator=11)
    b = P.sparse_matrix(500, 40, generator=torch.Generator().manual_seed(11))
    assert torch.equal(a.indices, b.indices) and torch.equal(a.values, b.values)
    c = P.sparse_matrix(500, 40, generator=12)
    assert not (a.nnz == c.nnz and torch.equal(a.indices, c.indices))
    assert torch.equal(P.gaussian_matrix(50, 5, generator=1), P.gaussian_matrix(50, 5, generator=1))


@settings(max_examples=25, deadline=None)
@given(D=st.integers(2, 300), k_frac=st.floats(0.01, 1.0), density=st.floats(0.005, 1.0),
       seed=st.integers(0, 10**6))
def test_sparse_matrix_is_valid_csr_for_any_size(D, k_frac, density, seed):
    k = max(1, int(k_frac * D))
    R = P.sparse_matrix(D, k, density=density, generator=seed, dtype=torch.float64)
    ip = R.indptr
    assert ip[0] == 0 and ip[-1] == R.nnz and bool((ip[1:] >= ip[:-1]).all())
    assert R.nnz == 0 or (int(R.indices.min()) >= 0 and int(R.indices.max()) < D)
    for j in range(k):   # columns strictly increasing within a row (no duplicates)
        cols = R.indices[ip[j]:ip[j + 1]]
        assert bool((cols[1:] > cols[:-1]).all())
    if R.nnz:
        assert torch.allclose(R.values.abs(), torch.tensor(1 / math.sqrt(density * k), dtype=torch.float64))


def test_random_projection_preserves_distances_within_jl():
    X = points(50, 2000, seed=13)
    eps = 0.5
    k = P.jl_min_dim(50, eps)
    for method in ("gaussian", "achlioptas", "sparse"):
        Y, R = P.random_projection(X, k, method=method, generator=14)
        assert Y.shape == (50, k)
        assert P.distortion(X, Y) < eps


def test_distance_ratios_sampling_and_exact_cases():
    X = points(30, 20, seed=15)
    r = P.distance_ratios(X, 2 * X)
    assert r.numel() == 30 * 29 // 2
    torch.testing.assert_close(r, torch.full_like(r, 4.0))
    r_s = P.distance_ratios(X, X, max_pairs=50, generator=1)
    assert r_s.numel() == 50 and torch.allclose(r_s, torch.ones_like(r_s))
    Xd = torch.cat([X, X[:1]])       # a duplicate point: its zero distance is left out
    assert P.distance_ratios(Xd, Xd).numel() == 31 * 30 // 2 - 1


def test_variance_formula_by_monte_carlo():
    """Var ‖Ru‖² = (2‖u‖⁴ + (s − 3) Σ uᵢ⁴)/k (lesson 02, Eq. (10)) for a spiky u, where very sparse R suffers."""
    D, k, trials = 400, 20, 3000
    u = torch.zeros(D, dtype=torch.float64)
    u[:4] = torch.tensor([2.0, 1.0, 1.0, 0.5])
    rho = 1 / math.sqrt(D)
    vals = torch.stack([P.project(u[None], P.sparse_matrix(D, k, density=rho, generator=t,
                                                          dtype=torch.float64)).pow(2).sum() for t in range(trials)])
    s = 1 / rho
    want = (2 * float(u.pow(2).sum()) ** 2 + (s - 3) * float(u.pow(4).sum())) / k
    assert abs(float(vals.var()) / want - 1) < 0.15


# ------------------------------------------------------------------ the empirical target dimension
def _success_rate(X, k, eps, draws, seed, method="gaussian"):
    """Fraction of independent k-row projections (drawn directly, not as prefixes) with distortion <= eps."""
    ok = 0
    for t in range(draws):
        Y, _ = P.random_projection(X, k, method=method, generator=seed + t) if k <= X.shape[1] else \
            (X @ torch.randn(k, X.shape[1], generator=torch.Generator().manual_seed(seed + t),
                             dtype=X.dtype).T / math.sqrt(k), None)
        ok += P.distortion(X, Y) <= eps
    return ok / draws


def test_empirical_min_dim_agrees_with_direct_draws():
    """At the returned k fresh, independent projections succeed in about 1 − δ of the draws; at 0.75 k
    they mostly fail. (A version that used the mean or a percentile distortion, or forgot to rescale the
    prefix, would return a k far off in one direction.)"""
    X = points(40, 800, seed=21)
    eps, delta = 0.5, 0.2
    k = P.empirical_min_dim(X, eps, delta=delta, trials=60, generator=3)
    assert 20 < k < P.jl_min_dim(40, eps)                   # far below the worst-case guarantee (7)
    assert _success_rate(X, k, eps, 60, 1000) >= 1 - delta - 0.15
    assert _success_rate(X, int(0.75 * k), eps, 60, 2000) < 1 - delta


def test_empirical_min_dim_grows_with_n_not_with_D_and_is_seeded():
    eps = 0.5
    k_small = P.empirical_min_dim(points(20, 400, seed=1), eps, trials=30, generator=0)
    k_large = P.empirical_min_dim(points(200, 400, seed=1), eps, trials=30, generator=0)
    assert k_large > 1.2 * k_small                            # like log n: ln 200 / ln 20 ≈ 1.8
    ks = [P.empirical_min_dim(points(60, D, seed=2), eps, trials=30, kind=kind, generator=0)
          for D in (300, 3000) for kind in ("gaussian", "sparse")]
    assert max(ks) / min(ks) < 1.25                           # no growth with D
    k1, kt = P.empirical_min_dim(points(60, 300, seed=2), eps, trials=30, generator=0, return_trials=True)
    assert k1 == ks[0] and kt.shape == (30,) and float(kt.max()) >= k1 >= float(kt.min())


def test_empirical_min_dim_reports_a_too_small_k_max():
    with pytest.raises(ValueError, match="pass a larger k_max"):
        P.empirical_min_dim(points(50, 100, seed=4), 0.1, k_max=20, generator=0)


def test_empirical_min_dim_on_device(device):
    X = points(30, 200, seed=5)
    k_cpu = P.empirical_min_dim(X, 0.5, trials=10, generator=7)
    k_dev = P.empirical_min_dim(X.to(device), 0.5, trials=10, generator=7)
    assert abs(k_dev - k_cpu) <= 0.05 * k_cpu      # same draws; rounding may move a draw by one 4% grid step


# ------------------------------------------------------------------ FastRP
def _karate():
    import networkx as nx
    G = nx.karate_club_graph()
    A = nx.to_numpy_array(G, weight=None)
    y = np.array([G.nodes[v]["club"] == "Officer" for v in G], dtype=int)
    return A, y


def test_fastrp_matches_its_definition():
    A, _ = _karate()
    At = torch.from_numpy(A)
    w = (0.5, 1.0, 2.0)
    beta = -0.7
    E = P.fastrp(At, 16, weights=w, beta=beta, normalize=False, generator=3)
    deg = At.sum(1)
    Pm = At / deg[:, None]
    L = torch.diag((deg / deg.sum()) ** beta)
    R = P._sparse(34, 16, 1 / math.sqrt(34), torch.Generator().manual_seed(3), torch.float64, None).to_dense().T
    N1 = Pm @ L @ R
    want = w[0] * N1 + w[1] * Pm @ N1 + w[2] * Pm @ Pm @ N1
    torch.testing.assert_close(E, want)


def test_fastrp_dense_sparse_inputs_agree_and_separate_the_clubs():
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    A, y = _karate()
    E = P.fastrp(A, 32, generator=0)
    torch.testing.assert_close(P.fastrp(sp.csr_matrix(A), 32, generator=0), E)
    torch.testing.assert_close(P.fastrp(torch.from_numpy(A).to_sparse(), 32, generator=0), E)
    assert E.shape == (34, 32) and E.dtype == torch.float64
    acc = cross_val_score(LogisticRegression(max_iter=1000), E.numpy(), y, cv=5).mean()
    assert acc > 0.85


def test_fastrp_isolated_node_gets_zero_row():
    A = np.zeros((5, 5))
    A[0, 1] = A[1, 0] = A[1, 2] = A[2, 1] = A[3, 2] = A[2, 3] = 1
    E = P.fastrp(A, 8, weights=(1, 1), generator=0)
    assert torch.isfinite(E).all() and torch.equal(E[4], torch.zeros(8, dtype=E.dtype))


# ------------------------------------------------------------------ bad input: errors name the argument
@pytest.mark.parametrize("call,exc,match", [
    (lambda: P.gaussian_matrix(10, 20), ValueError, "n_components"),
    (lambda: P.gaussian_matrix(10, 0), ValueError, "n_components"),
    (lambda: P.gaussian_matrix(0, 1), ValueError, "n_features"),
    (lambda: P.gaussian_matrix(10.5, 2), TypeError, "n_features"),
    (lambda: P.gaussian_matrix(10, 2, dtype=torch.int64), TypeError, "dtype"),
    (lambda: P.gaussian_matrix(10, 2, generator="seed"), TypeError, "generator"),
    (lambda: P.sparse_matrix(10, 20), ValueError, "n_components"),
    (lambda: P.sparse_matrix(10, 2, density=0), ValueError, "density"),
    (lambda: P.sparse_matrix(10, 2, density=1.5), ValueError, "density"),
    (lambda: P.sparse_matrix(10, 2, density="dense"), ValueError, "density"),
    (lambda: P.jl_min_dim(100, 1.0), ValueError, "eps"),
    (lambda: P.jl_min_dim(100, 0), ValueError, "eps"),
    (lambda: P.jl_min_dim(0, 0.1), ValueError, "n_samples"),
    (lambda: P.jl_min_dim(100, "0.1"), TypeError, "eps"),
    (lambda: P.project(torch.ones(5, 7), P.gaussian_matrix(8, 2)), ValueError, "X must have D = 8"),
    (lambda: P.project(torch.ones(5), P.gaussian_matrix(8, 2)), ValueError, "X must have"),
    (lambda: P.project(torch.full((5, 8), float("nan")), P.gaussian_matrix(8, 2)), ValueError, "X contains NaN"),
    (lambda: P.project(np.array([["a"] * 8]), P.gaussian_matrix(8, 2)), TypeError, "X must hold numbers"),
    (lambda: P.project(torch.ones(5, 8), "R"), TypeError, "R must be"),
    (lambda: P.project(torch.ones(5, 8), P.sparse_matrix(8, 2), chunk_size=0), ValueError, "chunk_size"),
    (lambda: P.random_projection(torch.ones(5, 8), 2, method="fast"), ValueError, "method"),
    (lambda: P.distance_ratios(torch.ones(5, 8), torch.ones(4, 2)), ValueError, "same number of rows"),
    (lambda: P.distance_ratios(torch.ones(5, 8), torch.ones(5, 2), max_pairs=0), ValueError, "max_pairs"),
    (lambda: P.empirical_min_dim(torch.ones(5, 8), 1.5), ValueError, "eps"),
    (lambda: P.empirical_min_dim(torch.ones(5, 8), 0.5, delta=0), ValueError, "delta"),
    (lambda: P.empirical_min_dim(torch.ones(5, 8), 0.5, kind="fast"), ValueError, "kind"),
    (lambda: P.empirical_min_dim(torch.ones(5, 8), 0.5, trials=0), ValueError, "trials"),
    (lambda: P.empirical_min_dim(torch.ones(1, 8), 0.5), ValueError, "X must have at least 2"),
    (lambda: P.fastrp(np.ones((3, 4)), 2), ValueError, "A must be a square"),
    (lambda: P.fastrp(-np.ones((3, 3)), 2), ValueError, "A must have non-negative"),
    (lambda: P.fastrp(np.full((3, 3), np.nan), 2), ValueError, "A contains NaN"),
    (lambda: P.fastrp(np.ones((3, 3)), 0), ValueError, "dim"),
    (lambda: P.fastrp(np.ones((3, 3)), 2, weights=[]), ValueError, "weights"),
    (lambda: P.fastrp(np.ones((3, 3)), 2, beta="x"), TypeError, "beta"),
])
def test_bad_input_names_the_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_mismatched_devices_are_reported():
    meta = torch.ones(5, 8, device="meta")
    with pytest.raises(ValueError, match="X on meta, R on cpu"):
        P.project(meta, P.gaussian_matrix(8, 2))
    with pytest.raises(ValueError, match="X on cpu, Y on meta"):
        P.distance_ratios(torch.ones(5, 8), torch.ones(5, 2, device="meta"))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_sparse_product_routes_agree_with_the_dense_product(dtype):
    # the CPU's one compressed-column product, the embedding-bag blocks and the dense product
    g = torch.Generator().manual_seed(3)
    R = P.sparse_matrix(300, 40, generator=0, dtype=dtype)
    X = torch.randn(2, 70, 300, generator=g, dtype=dtype, requires_grad=True)
    dense = X @ R.to_dense().T
    one = P.project(X, R)
    blocks = P.project(X, R, chunk_size=16)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == torch.float32 else dict(rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(one, dense, **tol)
    torch.testing.assert_close(blocks, dense, **tol)
    (g1,) = torch.autograd.grad(one.square().sum(), X)
    (g2,) = torch.autograd.grad(dense.square().sum(), X)
    torch.testing.assert_close(g1, g2, **tol)
