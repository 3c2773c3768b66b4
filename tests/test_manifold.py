"""Tests of lowdim_utils.manifold (lesson 07): closed-form cases, properties, oracles, bad input."""
import numpy as np
import pytest
import torch
from sklearn.datasets import make_swiss_roll

from lowdim_utils import manifold as mf
from lowdim_utils.neighbors import knn


def _roll(n=300, seed=0):
    X, t = make_swiss_roll(n, noise=0.05, random_state=seed)
    return X, t


def _rel(A, B):
    """max |A − B| / max |B| after aligning the column signs of A to B."""
    A = torch.as_tensor(np.asarray(A.cpu() if torch.is_tensor(A) else A), dtype=torch.float64)
    B = torch.as_tensor(np.asarray(B.cpu() if torch.is_tensor(B) else B), dtype=torch.float64)
    return float((mf.align_signs(A, B) - B).abs().max() / B.abs().max())


@pytest.fixture(params=["dense", "arpack"])
def solver(request, monkeypatch):
    """Run a test with the dense CPU eigensolver and with the ARPACK path."""
    monkeypatch.setattr(mf, "DENSE_MAX", 10**9 if request.param == "dense" else 50)
    return request.param


# ----------------------------------------------------------------------------- oracles

def test_kernel_pca_matches_sklearn(solver):
    from sklearn.decomposition import KernelPCA
    X, _ = _roll(250)
    for kernel, kw in [("rbf", dict(gamma=0.02)), ("poly", dict(gamma=0.1, degree=2, coef0=1.0)), ("linear", {})]:
        r = mf.kernel_pca(X, 3, kernel=kernel, **kw)
        sk = KernelPCA(3, kernel=kernel, eigen_solver="dense", **kw).fit(X)
        assert _rel(r.embedding, sk.transform(X)) < 1e-8, kernel
        X_new = X[:20] + 0.5
        assert _rel(r.transform(X_new), sk.transform(X_new)) < 1e-8, kernel


def test_kernel_pca_linear_is_pca():
    from sklearn.decomposition import PCA
    X = np.random.default_rng(0).standard_normal((80, 5)) * [3, 2, 1, 0.5, 0.1]
    r = mf.kernel_pca(X, 3, kernel="linear")
    assert _rel(r.embedding, PCA(3).fit_transform(X)) < 1e-10
    assert torch.allclose(r.transform(X), r.embedding, atol=1e-10)


def test_isomap_matches_sklearn(solver):
    from sklearn.manifold import Isomap
    X, _ = _roll(300)
    r = mf.isomap(torch.from_numpy(X), 2, n_neighbors=8)
    sk = Isomap(n_neighbors=8, n_components=2, eigen_solver="dense").fit(X)
    assert _rel(r.embedding, sk.embedding_) < 1e-8
    assert np.allclose(r.geodesic.numpy(), sk.dist_matrix_, atol=1e-10)


def test_laplacian_eigenmaps_matches_sklearn(solver):
    from sklearn.manifold import SpectralEmbedding
    X, _ = _roll(300)
    r = mf.laplacian_eigenmaps(X, 2, n_neighbors=8)
    sk = SpectralEmbedding(2, affinity="nearest_neighbors", n_neighbors=9, random_state=0).fit_transform(X)
    assert _rel(r.embedding, sk) < 1e-6


def test_far_from_the_origin_in_float32_matches_float64():
    # coordinates around +1000: the product form |x|^2 + |y|^2 - 2xy loses ~6 digits of float32
    # unless the data are centred first. The oracle is the float64 computation on the same
    # (float32-rounded) points, so only the arithmetic is compared, not the rounding of the input.
    X, _ = _roll(250)
    X = X / 10.0
    for offset in (100.0, 1000.0):
        X32 = torch.from_numpy(X + offset).float()
        X64 = X32.double()
        K32 = mf.kernel_matrix(X32, kernel="rbf", gamma=0.5)
        K64 = mf.kernel_matrix(X64, kernel="rbf", gamma=0.5)
        assert float((K32.double() - K64).abs().max()) < 1e-5, offset
        D32 = mf.pairwise_sq_distances(X32)
        D64 = mf.pairwise_sq_distances(X64)
        assert float((D32.double() - D64).abs().max() / D64.max()) < 1e-5, offset
        r32 = mf.isomap(X32, 2, n_neighbors=8).embedding
        r64 = mf.isomap(X64, 2, n_neighbors=8).embedding
        assert _rel(r32, r64) < 1e-3, offset


def test_exact_duplicates_keep_zero_length_edges():
    # a duplicated point must stay connected to its twin at distance 0 (SciPy drops explicit zeros
    # from max/maximum of sparse matrices, which would lose the edge); sklearn's Isomap is the oracle
    from sklearn.manifold import Isomap
    X, _ = _roll(200)
    Xd = np.concatenate([X, X[:15]])
    r = mf.isomap(torch.from_numpy(Xd), 2, n_neighbors=8)
    G = r.geodesic.numpy()
    assert np.allclose(G[np.arange(15), 200 + np.arange(15)], 0.0)
    assert np.isfinite(G).all()
    sk = Isomap(n_neighbors=8, n_components=2, eigen_solver="dense").fit(Xd)
    assert np.allclose(G, sk.dist_matrix_, atol=1e-10)
    assert _rel(r.embedding, sk.embedding_) < 1e-8
    Gf = mf.geodesic_distances(torch.from_numpy(Xd), 8, path_method="floyd").numpy()
    assert np.allclose(Gf, G, atol=1e-10)


def test_embeddings_on_device(device):
    X, _ = _roll(250)
    Xc, Xd = torch.from_numpy(X), torch.from_numpy(X).to(device)
    for fn in (lambda Z: mf.isomap(Z, 2, 8).embedding, lambda Z: mf.laplacian_eigenmaps(Z, 2, 8).embedding,
               lambda Z: mf.kernel_pca(Z, 2, gamma=0.02).embedding):
        out = fn(Xd)
        assert out.device.type == device.type
        assert _rel(out.cpu(), fn(Xc)) < 1e-6


# ----------------------------------------------------------------------------- properties

def test_classical_mds_recovers_rigid_motion():
    rng = np.random.default_rng(2)
    for p in (1, 2, 3):
        P = rng.standard_normal((60, p)) * np.arange(p, 0, -1) + 7.0
        Q = np.linalg.qr(rng.standard_normal((p, p)))[0]
        D = torch.cdist(torch.from_numpy(P @ Q.T), torch.from_numpy(P @ Q.T), compute_mode="donot_use_mm_for_euclid_dist")
        Y = mf.classical_mds(D, p).embedding
        assert mf.procrustes_error(torch.from_numpy(P), Y, scaling=False) < 1e-10
        assert torch.allclose(torch.cdist(Y, Y, compute_mode="donot_use_mm_for_euclid_dist"), D, atol=1e-9)


def test_double_center_properties():
    K = torch.from_numpy(np.random.default_rng(3).standard_normal((30, 30)))
    B = mf.double_center(K)
    assert torch.allclose(B.sum(0), torch.zeros(30, dtype=B.dtype), atol=1e-12)
    assert torch.allclose(B.sum(1), torch.zeros(30, dtype=B.dtype), atol=1e-12)
    assert torch.allclose(mf.double_center(B), B, atol=1e-12)   # J is a projection


def test_geodesics_line_and_floyd_equals_dijkstra():
    x = np.arange(50) + np.random.default_rng(4).uniform(-0.1, 0.1, 50)   # neighbours: i-1, i+1
    X = np.c_[x, np.zeros(50)]
    G = mf.geodesic_distances(X, 2)
    assert np.allclose(G.numpy(), np.abs(x[:, None] - x[None]), atol=1e-12)   # on a line: geodesic = |Δx|
    Xr, _ = _roll(200)
    Gd = mf.geodesic_distances(Xr, 7, path_method="dijkstra")
    Gf = mf.geodesic_distances(torch.from_numpy(Xr).float(), 7, path_method="floyd")
    assert Gf.dtype == torch.float32
    assert torch.allclose(Gf.double(), Gd, rtol=1e-5)
    E = torch.cdist(torch.from_numpy(Xr), torch.from_numpy(Xr), compute_mode="donot_use_mm_for_euclid_dist")
    assert bool((Gd + 1e-9 >= E).all())   # a path is never shorter than the straight line   # ≥ Euclidean


def test_laplacian_quadratic_form_and_generalised_eigenproblem():
    X, _ = _roll(200)
    W = mf.knn_affinity(X, 8, affinity="heat")
    assert torch.allclose(W, W.T) and float(W.diagonal().abs().max()) == 0.0
    r = mf.spectral_embedding(W, 3)
    Y, d = r.embedding, W.sum(1)
    L = torch.diag(d) - W
    lhs = (W[:, :, None] * (Y[:, None, :] - Y[None, :, :]) ** 2).sum()
    assert torch.allclose(lhs, 2 * torch.trace(Y.T @ L @ Y), rtol=1e-10)
    for j in range(3):   # L y = λ D y, yᵀ D y = 1, D-orthogonal to the trivial solution 1
        y = Y[:, j]
        assert torch.allclose(L @ y, r.eigenvalues[j] * d * y, atol=1e-10)
        assert abs(float(y @ (d * y)) - 1) < 1e-10 and abs(float(d @ y)) < 1e-10
    assert bool((r.eigenvalues[:-1] <= r.eigenvalues[1:]).all()) and float(r.eigenvalues[0]) > 0


def test_isomap_unrolls_swiss_roll_and_residual_variance_elbow():
    X, t = _roll(800, seed=1)   # sparser rolls or more neighbours short-circuit between the turns
    r = mf.isomap(X, 4, n_neighbors=8)
    s = 0.5 * (t * np.sqrt(1 + t**2) + np.arcsinh(t))
    assert mf.procrustes_error(np.c_[s, X[:, 1]], r.embedding[:, :2]) < 0.06
    rv = [mf.residual_variance(r.geodesic, r.embedding[:, :k]) for k in (1, 2, 3)]
    assert rv[0] > 5 * rv[1] and rv[1] - rv[2] < 1e-3


def test_procrustes_invariances():
    rng = np.random.default_rng(5)
    A = torch.from_numpy(rng.standard_normal((40, 3)))
    Q = torch.from_numpy(np.linalg.qr(rng.standard_normal((3, 3)))[0])
    assert mf.procrustes_error(A, 2.5 * A @ Q + 1.0) < 1e-12
    assert mf.procrustes_error(A, 2.5 * A @ Q, scaling=False) > 0.5
    assert mf.procrustes_error(A, A[:, :2]) > 0.1   # a dropped axis is an error


def test_float32_and_half_inputs():
    X, _ = _roll(150)
    r = mf.isomap(torch.from_numpy(X).float(), 2, 8)
    assert r.embedding.dtype == torch.float32
    r16 = mf.kernel_pca(torch.from_numpy(X).half(), 2)
    assert r16.embedding.dtype == torch.float32


# ----------------------------------------------------------------------------- errors

def test_disconnected_graph_message():
    rng = np.random.default_rng(6)
    X = np.vstack([rng.standard_normal((30, 2)), rng.standard_normal((20, 2)) + 50, rng.standard_normal((10, 2)) - 50])
    for fn in (mf.isomap, mf.laplacian_eigenmaps):
        with pytest.raises(mf.DisconnectedGraphError) as err:
            fn(X, 2, n_neighbors=4)
        msg = str(err.value)
        assert "n_neighbors=4" in msg and "3 connected components" in msg and "sizes 30, 20, 10" in msg
        assert "Increase n_neighbors" in msg
    n_comp, labels = mf.connected_components(knn(X, 4)[1])
    assert n_comp == 3 and len(np.unique(labels[:30])) == 1
    W = torch.zeros(4, 4, dtype=torch.float64)
    W[0, 1] = W[1, 0] = W[2, 3] = W[3, 2] = 1.0
    with pytest.raises(mf.DisconnectedGraphError, match="2 connected components"):
        mf.spectral_embedding(W, 1)


@pytest.mark.parametrize("call, exc, pattern", [
    (lambda: mf.isomap(np.zeros(10), 2), ValueError, "X must have 2 dimensions"),
    (lambda: mf.kernel_pca([["a", "b"], ["c", "d"]], 1), TypeError, "X must hold numbers"),
    (lambda: mf.laplacian_eigenmaps(np.array([[0.0, np.nan]] * 5), 1, 2), ValueError, "X contains NaN"),
    (lambda: mf.isomap(np.random.rand(20, 3), 20), ValueError, "k must be <= 19"),
    (lambda: mf.kernel_pca(np.random.rand(20, 3), 0), ValueError, "k must be >= 1"),
    (lambda: mf.isomap(np.random.rand(20, 3), 2, n_neighbors=20), ValueError, "n_neighbors must be <= 19"),
    (lambda: mf.isomap(np.random.rand(20, 3), 2, n_neighbors=2.5), TypeError, "n_neighbors must be an integer"),
    (lambda: mf.kernel_pca(np.random.rand(20, 3), 2, kernel="sigmoid"), ValueError, "kernel must be one of"),
    (lambda: mf.kernel_pca(np.random.rand(20, 3), 2, gamma=-1.0), ValueError, "gamma must be finite and > 0"),
    (lambda: mf.geodesic_distances(np.random.rand(20, 3), 3, path_method="bfs"), ValueError, "path_method must be"),
    (lambda: mf.knn_affinity(np.random.rand(20, 3), 3, affinity="gauss"), ValueError, "affinity must be one of"),
    (lambda: mf.classical_mds(np.random.rand(5, 4), 2), ValueError, "D must be a square"),
    (lambda: mf.classical_mds(np.triu(np.ones((5, 5))), 2), ValueError, "D must be a symmetric"),
    (lambda: mf.spectral_embedding(-np.ones((5, 5)), 2), ValueError, "W must hold non-negative"),
    (lambda: mf.procrustes_error(np.ones((5, 2)), np.ones((6, 2))), ValueError, "A and B must have the same number"),
    (lambda: mf.residual_variance(np.zeros((5, 5)), np.zeros((4, 2))), ValueError, "Y must have one row per row of D"),
    (lambda: mf.kernel_pca(np.random.rand(20, 3), 2).transform(np.random.rand(4, 2)), ValueError,
     "X must have 3 columns"),
])
def test_bad_input_names_the_argument(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_mismatched_devices_name_the_arguments():
    A = torch.zeros(5, 2)
    B = torch.zeros(5, 2, device="meta")
    with pytest.raises(ValueError, match="A on cpu, B on meta"):
        mf.procrustes_error(A, B)
    with pytest.raises(ValueError, match="D on cpu, Y on meta"):
        mf.residual_variance(torch.zeros(5, 5), B)
    with pytest.raises(ValueError, match="X on cpu, Y on meta"):
        mf.kernel_matrix(A, B)
