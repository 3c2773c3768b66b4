"""Tests of lowdim_utils.intrinsic: closed-form cases, oracles (scikit-learn, scikit-dimension,
scipy's Hadamard matrix), invariances, subspace training, and bad input."""
import math

import numpy as np
import pytest
import torch
from torch import nn

from lowdim_utils import intrinsic as I

META = torch.device("meta")


@pytest.fixture(scope="module")
def sphere2():
    return I.manifold_sample("sphere", 1000, 2, ambient=30, seed=0)


# ------------------------------------------------------------------ neighbours

def test_knn_distances_match_sklearn():
    from sklearn.neighbors import NearestNeighbors
    X = np.random.default_rng(0).standard_normal((300, 7))
    dist, idx = I.knn_distances(X, 5, chunk_size=37, return_indices=True)
    ref_d, ref_i = NearestNeighbors(n_neighbors=6).fit(X).kneighbors(X)
    np.testing.assert_allclose(dist.numpy(), ref_d[:, 1:], rtol=1e-12)
    np.testing.assert_array_equal(idx.numpy(), ref_i[:, 1:])


def test_knn_distances_small_distances_are_exact():
    # pairs of points 1e-3 apart in a cloud of size 100: in float32 the matrix-product form of cdist
    # (|a|^2 + |b|^2 - 2ab) has errors ~1e-3 in the squared distance, far above 1e-6; the exact
    # recomputation of the chosen neighbours' distances keeps them to float32 round-off
    rng = np.random.default_rng(1)
    A = 100 * rng.standard_normal((100, 3))
    X = torch.from_numpy(np.concatenate([A, A + 1e-3 * rng.standard_normal(A.shape)])).float()
    d = I.knn_distances(X, 1)[:, 0].double().numpy()
    Xd = X.double().numpy()
    ref = np.linalg.norm(Xd[:100] - Xd[100:], axis=1)
    np.testing.assert_allclose(d, np.r_[ref, ref], rtol=1e-5)


def test_knn_chunking_does_not_change_the_result():
    X = torch.randn(257, 5, dtype=torch.float64)
    a = I.knn_distances(X, 4)
    for c in (1, 10, 256, 1000):
        torch.testing.assert_close(I.knn_distances(X, 4, chunk_size=c), a)


# ------------------------------------------------------------------ estimators on known dimension

@pytest.mark.parametrize("kind,d,tol", [("linear", 2, 0.1), ("linear", 4, 0.15), ("sphere", 3, 0.1),
                                        ("torus", 2, 0.1), ("swiss_roll", 2, 0.1), ("curve", 1, 0.1)])
def test_estimators_recover_known_dimension(kind, d, tol):
    X = I.manifold_sample(kind, 1500, d, ambient=40, seed=d)
    assert abs(I.twonn(X) - d) <= tol * d
    assert abs(I.twonn(X, method="mle") - d) <= tol * d
    assert abs(I.mle_dimension(X, 15) - d) <= tol * d


def test_pca_dimension_exact_on_subspaces_and_thresholds():
    rng = np.random.default_rng(0)
    for r in (1, 3, 7):
        X = rng.standard_normal((200, r)) @ rng.standard_normal((r, 20)) + 5.0
        assert I.pca_dimension(X, 0.999999) == r
        assert I.pca_dimension(X, 1.0) <= r + 1
    # variances 8, 4, 2, 1, 1 (sum 16) on orthogonal axes: 50% -> 1, 75% -> 2, 87.5% -> 3
    Z = np.diag(np.sqrt([8.0, 4.0, 2.0, 1.0, 1.0]))
    X = np.concatenate([Z, -Z]) * np.sqrt(9 / 2)
    ratio = I.explained_variance_ratio(X)
    np.testing.assert_allclose(ratio.numpy(), np.array([8, 4, 2, 1, 1]) / 16, atol=1e-12)
    assert [I.pca_dimension(X, t) for t in (0.5, 0.74, 0.76, 0.87, 0.88)] == [1, 2, 3, 3, 4]


def test_twonn_fit_points_and_slope():
    # the returned fit points (log mu, -log(1 - F)): sorted, 90% kept, and d is their slope through 0
    X = I.manifold_sample("torus", 3000, 3, ambient=10, seed=4)
    d, x, y = I.twonn(X, return_fit=True)
    assert x.shape == y.shape and len(x) == int(0.9 * 3000)
    assert np.all(np.diff(x) >= 0) and np.all(x >= 0)
    assert d == pytest.approx((x @ y) / (x @ x))


def test_mle_averaging_variants():
    X = I.manifold_sample("sphere", 800, 2, ambient=10, seed=2)
    inv = I.mle_dimension(X, 8)
    mean = I.mle_dimension(X, 8, average="mean")
    d, local = I.mle_dimension(X, 8, return_local=True)
    assert d == inv and local.shape == (800,)
    assert inv == pytest.approx(1 / np.mean(1 / local.numpy()))
    assert mean == pytest.approx(np.mean(local.numpy()))
    assert mean > inv  # Jensen: the arithmetic mean of the local estimates is biased up


# ------------------------------------------------------------------ oracle: scikit-dimension

def test_against_skdim(sphere2):
    skdim = pytest.importorskip("skdim")
    assert I.twonn(sphere2) == pytest.approx(skdim.id.TwoNN().fit(sphere2).dimension_, rel=1e-9)
    assert I.twonn(sphere2, method="mle") == pytest.approx(
        skdim.id.TwoNN(method="mle").fit(sphere2).dimension_, rel=1e-9)
    for k in (5, 20):
        assert I.mle_dimension(sphere2, k) == pytest.approx(
            skdim.id.MLE().fit(sphere2, n_neighbors=k).dimension_, rel=1e-9)


def test_against_numpy_solutions(sphere2):
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "solutions" / "05_intrinsic_dimension.py"
    spec = importlib.util.spec_from_file_location("sol05", path)
    sol = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sol)
    assert sol.twonn_np(sphere2) == pytest.approx(I.twonn(sphere2), rel=1e-10)
    assert sol.mle_np(sphere2, 12) == pytest.approx(I.mle_dimension(sphere2, 12), rel=1e-10)
    assert sol.pca_dimension_np(sphere2, 0.9) == I.pca_dimension(sphere2, 0.9)


# ------------------------------------------------------------------ invariances and dtypes

def test_invariances(sphere2):
    rng = np.random.default_rng(3)
    Q = np.linalg.qr(rng.standard_normal((30, 30)))[0]
    moved = 0.01 * sphere2 @ Q - 42.0
    perm = rng.permutation(len(sphere2))
    for f in (I.twonn, lambda X: I.mle_dimension(X, 10), lambda X: I.pca_dimension(X, 0.9)):
        ref = f(sphere2)
        assert f(moved) == pytest.approx(ref, rel=1e-9)
        assert f(sphere2[perm]) == pytest.approx(ref, rel=1e-12)


def test_float32_tensor_input_agrees_with_float64(sphere2):
    X32 = torch.from_numpy(sphere2).float()
    assert I.twonn(X32) == pytest.approx(I.twonn(sphere2), abs=1e-3)
    assert I.mle_dimension(X32, 10) == pytest.approx(I.mle_dimension(sphere2, 10), abs=1e-3)


def test_duplicates_are_dropped_with_a_warning():
    X = I.manifold_sample("sphere", 300, 2, ambient=5, seed=1)
    Xd = np.concatenate([X, X[:10]])
    with pytest.warns(UserWarning, match="duplicate"):
        d = I.twonn(Xd)
    assert 1.5 < d < 2.5
    with pytest.warns(UserWarning, match="duplicate"):
        I.mle_dimension(Xd, 5)


# ------------------------------------------------------------------ projections

def test_fwht_matches_hadamard():
    from scipy.linalg import hadamard
    for L in (1, 2, 8, 64, 2048):
        x = torch.randn(3, L, dtype=torch.float64)
        torch.testing.assert_close(I.fwht(x), x @ torch.from_numpy(hadamard(L)).double())


@pytest.mark.parametrize("kind", ["dense", "sparse", "fastfood"])
def test_projections_shapes_norms_and_gradients(kind):
    P = I.make_projection(kind, 300, 20, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    M = P.matrix()
    assert M.shape == (300, 20)
    norms = M.norm(dim=0)
    assert float((norms - 1).abs().max()) < (1e-12 if kind != "fastfood" else 0.35)
    assert float(norms.mean()) == pytest.approx(1.0, abs=0.15)
    G = M.T @ M / (norms[:, None] * norms[None])
    assert float((G - torch.eye(20, dtype=G.dtype)).abs().max()) < 0.35  # nearly orthogonal columns
    z = torch.randn(20, dtype=torch.float64, requires_grad=True)
    out = P(z)
    torch.testing.assert_close(out, M @ z.detach())
    out.sum().backward()
    torch.testing.assert_close(z.grad, M.sum(0))


def test_projection_memory():
    D, d = 20000, 500
    dense = I.make_projection("dense", D, d)
    sparse = I.make_projection("sparse", D, d)
    ff = I.make_projection("fastfood", D, d)
    assert dense.nbytes == D * d * 4
    assert sparse.nbytes < dense.nbytes / 20
    assert ff.nbytes == 32768 * (4 + 4 + 8)


# ------------------------------------------------------------------ subspace training

def _tiny_problem(seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(200, 6, generator=g)
    y = (X[:, 0] + X[:, 1] > 0).long() + 2 * (X[:, 2] > 0).long()
    return X, y


def _mlp():
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 4))


def test_subspace_model_starts_at_theta0_and_only_trains_z():
    torch.manual_seed(0)
    model = _mlp()
    X, y = _tiny_problem()
    ref = model(X).detach()
    sub = I.SubspaceModel(model, 10, "fastfood")
    assert sub.D == I.count_parameters(_mlp()) == 180
    torch.testing.assert_close(sub(X), ref)
    assert [n for n, p in sub.named_parameters() if p.requires_grad] == ["z"]
    before = [p.clone() for p in model.parameters()]
    losses = I.train_classifier(sub, X, y, steps=60, lr=0.1)
    assert losses[-1] < losses[0]
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))  # θ0 untouched
    assert float(sub.z.detach().abs().sum()) > 0


def test_full_dimensional_subspace_trains_like_full_model():
    X, y = _tiny_problem()
    torch.manual_seed(0)
    sub = I.SubspaceModel(_mlp(), 180, "dense")
    I.train_classifier(sub, X, y, steps=200, lr=0.05)
    assert I.accuracy(sub, X, y) > 0.9


def test_dint_sweep_small():
    X, y = _tiny_problem()
    r = I.dint_sweep(_mlp, [2, 40, 180], X[:150], y[:150], X[150:], y[150:], steps=150, lr=0.1,
                     baseline_steps=200, progress=False)
    assert r.n_params == 180 and len(r.accuracies) == 3 and len(r.projection_bytes) == 3
    assert r.baseline > 0.7
    assert r.dint in (40, 180) and r.target == pytest.approx(0.9 * r.baseline)
    r2 = I.dint_sweep(_mlp, [40], X[:150], y[:150], X[150:], y[150:], steps=10, baseline=0.5, progress=False)
    assert r2.baseline == 0.5


# ------------------------------------------------------------------ bad input: errors name the argument

@pytest.mark.parametrize("call,match", [
    (lambda: I.twonn(np.zeros(10)), "X must have 2 dimensions"),
    (lambda: I.twonn(np.array([["a", "b"]] * 5)), "X must hold numbers"),
    (lambda: I.twonn(np.r_[np.random.rand(9, 3), [[np.nan, 0, 0]]]), "X contains NaN"),
    (lambda: I.twonn(np.random.rand(2, 3)), "X must have at least 3 rows"),
    (lambda: I.twonn(np.random.rand(20, 3), discard_fraction=1.0), "discard_fraction"),
    (lambda: I.twonn(np.random.rand(20, 3), method="ols"), "method"),
    (lambda: I.mle_dimension(np.random.rand(20, 3), 20), r"k must satisfy 2 <= k <= n - 1 = 19"),
    (lambda: I.mle_dimension(np.random.rand(20, 3), 1), "k must satisfy"),
    (lambda: I.mle_dimension(np.random.rand(20, 3), 2.5), "k must be an integer"),
    (lambda: I.mle_dimension(np.random.rand(20, 3), 5, average="median"), "average"),
    (lambda: I.knn_distances(np.random.rand(20, 3), 0), "k must be >= 1"),
    (lambda: I.knn_distances(np.random.rand(20, 3), 3, chunk_size=0), "chunk_size"),
    (lambda: I.pca_dimension(np.random.rand(20, 3), 1.5), "threshold must be in"),
    (lambda: I.pca_dimension(np.random.rand(20, 3), 0), "threshold must be finite and > 0"),
    (lambda: I.pca_dimension(np.ones((5, 3)), 0.9), "zero variance"),
    (lambda: I.explained_variance_ratio(torch.ones(4, 2, dtype=torch.complex64)), "X must be real"),
    (lambda: I.make_projection("hadamard", 10, 2), "projection must be one of"),
    (lambda: I.make_projection("dense", 10, 11), "d must be <= 10"),
    (lambda: I.fwht(torch.zeros(12)), "power-of-2"),
    (lambda: I.manifold_sample("cube", 10, 2), "kind must be one of"),
    (lambda: I.manifold_sample("swiss_roll", 10, 3), "d must be 2"),
    (lambda: I.SubspaceModel(_mlp(), 0), "d must be >= 1"),
    (lambda: I.SubspaceModel(_mlp(), 181), "d must be <= 180"),
    (lambda: I.SubspaceModel("not a model", 3), "model must be a torch.nn.Module"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_mismatched_devices_are_named():
    X, y = _tiny_problem()
    with pytest.raises(ValueError, match="X on cpu, y on meta"):
        I.train_classifier(_mlp(), X, y.to(META))
    with pytest.raises(ValueError, match="X_train on cpu, X_test on meta"):
        I.dint_sweep(_mlp, [4], X, y, X.to(META), y.to(META), progress=False)
    with pytest.raises(ValueError, match="X is on meta but model is on cpu"):
        I.train_classifier(_mlp(), X.to(META), y.to(META))


def test_bad_labels_and_sweep_arguments():
    X, y = _tiny_problem()
    with pytest.raises(TypeError, match="y must hold integer class labels"):
        I.train_classifier(_mlp(), X, y.float())
    with pytest.raises(ValueError, match="y must be 1-D with one label per row of X"):
        I.accuracy(_mlp(), X, y[:10])
    with pytest.raises(ValueError, match="dims must not exceed the model's 180 parameters"):
        I.dint_sweep(_mlp, [200], X, y, X, y, progress=False)
    with pytest.raises(ValueError, match="fraction must be in"):
        I.dint_sweep(_mlp, [4], X, y, X, y, fraction=1.5, progress=False)
    with pytest.raises(TypeError, match="make_model must be a function"):
        I.dint_sweep(_mlp(), [4], X, y, X, y, progress=False)
    sub = I.SubspaceModel(_mlp(), 4)
    with pytest.raises(ValueError, match=r"z must be a tensor of shape \(4,\)"):
        sub.projection(torch.zeros(5))
    assert math.isfinite(I.accuracy(sub, X, y))
