"""Tests of lowdim_utils.intrinsic (data dimension estimators): closed-form cases, oracles
(scikit-dimension, the NumPy solutions), invariances, edge options, duplicates, devices, bad input."""
import numpy as np
import pytest
import torch

from conftest import ROOT, require_oracle
from lowdim_utils import intrinsic as I
from lowdim_utils.neighbors import knn


@pytest.fixture(scope="module")
def sphere2():
    return I.manifold_sample("sphere", 1000, 2, ambient=30, generator=0).numpy()


# ------------------------------------------------------------------ estimators on known dimension

@pytest.mark.parametrize("kind,d,tol", [("linear", 2, 0.1), ("linear", 4, 0.15), ("sphere", 3, 0.1),
                                        ("torus", 2, 0.1), ("swiss_roll", 2, 0.1), ("curve", 1, 0.1)])
def test_estimators_recover_known_dimension(kind, d, tol):
    X = I.manifold_sample(kind, 1500, d, ambient=40, generator=d)
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
    X = I.manifold_sample("torus", 3000, 3, ambient=10, generator=4)
    d, x, y = I.twonn(X, return_fit=True)
    assert x.shape == y.shape and len(x) == int(0.9 * 3000)
    assert np.all(np.diff(x) >= 0) and np.all(x >= 0)
    assert d == pytest.approx((x @ y) / (x @ x))


def test_mle_averaging_variants():
    X = I.manifold_sample("sphere", 800, 2, ambient=10, generator=2)
    inv = I.mle_dimension(X, 8)
    mean = I.mle_dimension(X, 8, average="mean")
    d, local = I.mle_dimension(X, 8, return_local=True)
    assert d == inv and local.shape == (800,)
    assert inv == pytest.approx(1 / np.mean(1 / local.numpy()))
    assert mean == pytest.approx(np.mean(local.numpy()))
    assert mean > inv  # Jensen: the arithmetic mean of the local estimates is biased up


# ------------------------------------------------------------------ oracle: scikit-dimension

def test_against_skdim(sphere2):
    skdim = require_oracle("skdim")
    assert I.twonn(sphere2) == pytest.approx(skdim.id.TwoNN().fit(sphere2).dimension_, rel=1e-9)
    assert I.twonn(sphere2, method="mle") == pytest.approx(
        skdim.id.TwoNN(method="mle").fit(sphere2).dimension_, rel=1e-9)
    for k in (5, 20):
        assert I.mle_dimension(sphere2, k) == pytest.approx(
            skdim.id.MLE().fit(sphere2, n_neighbors=k).dimension_, rel=1e-9)


def test_against_numpy_solutions(sphere2):
    import importlib.util
    path = ROOT / "solutions" / "05_intrinsic_dimension.py"
    spec = importlib.util.spec_from_file_location("sol05", path)
    sol = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sol)
    assert sol.twonn_np(sphere2) == pytest.approx(I.twonn(sphere2), rel=1e-10)
    assert sol.mle_np(sphere2, 12) == pytest.approx(I.mle_dimension(sphere2, 12), rel=1e-10)
    r = knn(sphere2, 2)[0].double().numpy()
    log_mu = np.sort(np.log(r[:, 1] / r[:, 0]))[: int(0.9 * len(sphere2))]
    assert sol.twonn_censored(log_mu, len(sphere2)) == pytest.approx(I.twonn(sphere2, method="mle"), rel=1e-12)


# ------------------------------------------------------------------ estimators from distances, the periodic torus

def test_from_distances_equals_the_estimators_on_points(sphere2):
    T = knn(sphere2, 12)[0]
    assert I.twonn_from_distances(T) == pytest.approx(I.twonn(sphere2), rel=1e-12)
    assert I.twonn_from_distances(T[:, :2], method="mle") == pytest.approx(I.twonn(sphere2, method="mle"), rel=1e-12)
    assert I.mle_from_distances(T) == pytest.approx(I.mle_dimension(sphere2, 12), rel=1e-12)
    assert I.mle_from_distances(T, average="mean") == pytest.approx(I.mle_dimension(sphere2, 12, average="mean"))
    d, local = I.mle_from_distances(T, return_local=True)
    assert local.shape == (len(sphere2),) and d == pytest.approx(1 / np.mean(1 / local.numpy()))


def test_periodic_knn_matches_brute_force():
    rng = np.random.default_rng(0)
    U = rng.uniform(size=(300, 3)) * 2.0
    diff = np.abs(U[:, None, :] - U[None, :, :])
    diff = np.minimum(diff, 2.0 - diff)
    D = np.sqrt((diff**2).sum(-1))
    np.fill_diagonal(D, np.inf)
    want = np.sort(D, axis=1)[:, :5]
    dist, idx = I.periodic_knn(U, 5, period=2.0, chunk_size=37)     # blocks that do not divide n
    np.testing.assert_allclose(dist.numpy(), want, rtol=1e-12)
    np.testing.assert_allclose(D[np.arange(300)[:, None], idx.numpy()], want, rtol=1e-12)
    # points outside [0, period) are reduced modulo the period
    d2, _ = I.periodic_knn(U + 2.0 * rng.integers(-3, 3, size=U.shape), 5, period=2.0)
    np.testing.assert_allclose(d2.numpy(), want, rtol=1e-9)


@pytest.mark.parametrize("d", [2, 5, 10])
def test_uniform_points_on_the_periodic_cube_have_their_dimension(d):
    # no boundary and no curvature: the estimators are right even where the cube and the torus are not
    U = np.random.default_rng(d).uniform(size=(2000, d))
    T, _ = I.periodic_knn(U, 20)
    assert abs(I.twonn_from_distances(T) - d) <= 0.05 * d
    assert abs(I.mle_from_distances(T) - d) <= 0.05 * d


@pytest.mark.parametrize("call,match", [
    (lambda: I.twonn_from_distances(np.ones((10, 1))), "r must have at least 2 columns"),
    (lambda: I.twonn_from_distances(np.array([[2.0, 1.0]] * 10)), "sorted ascending"),
    (lambda: I.mle_from_distances(-np.ones((10, 3))), "T must hold distances"),
    (lambda: I.periodic_knn(np.random.rand(10, 2), 10), "k must"),
    (lambda: I.periodic_knn(np.random.rand(10, 2), 3, period=0), "period must be"),
])
def test_distance_inputs_are_validated(call, match):
    with pytest.raises(ValueError, match=match):
        call()


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


def test_duplicates_are_left_out_with_a_warning_and_shapes_hold():
    X = I.manifold_sample("sphere", 300, 2, ambient=5, generator=1).numpy()
    Xd = np.concatenate([X, X[:10]])
    with pytest.warns(UserWarning, match="duplicate"):
        d = I.twonn(Xd)
    assert 1.7 < d < 2.3                                       # the 20 duplicated points are left out
    with pytest.warns(UserWarning, match="duplicate"):
        dm, local = I.mle_dimension(Xd, 5, return_local=True)
    assert local.shape == (310,)                               # the documented shape holds
    dup = np.r_[np.ones(10, bool), np.zeros(290, bool), np.ones(10, bool)]
    assert np.isnan(local.numpy()[dup]).all() and np.isfinite(local.numpy()[~dup]).all()
    assert dm == pytest.approx(1 / np.mean(1 / local.numpy()[~dup]))


def test_twonn_with_nothing_discarded_matches_skdim():
    # discard_fraction=0: the largest ratio has F = 1, y = inf; it is left out of the linear fit
    X = I.manifold_sample("torus", 800, 2, ambient=8, generator=5).numpy()
    d, x, y = I.twonn(X, discard_fraction=0.0, return_fit=True)
    assert np.isfinite(d) and 1.7 < d < 2.3 and len(x) == 799 and np.isfinite(y).all()
    assert I.twonn(X, discard_fraction=0.0, method="mle") > 0
    skdim = require_oracle("skdim")
    # scikit-dimension itself fails at discard_fraction=0 (it keeps y = inf and its regression raises);
    # a discard fraction just above 0 makes it drop that one point, which is exactly our fit
    ref = skdim.id.TwoNN(discard_fraction=1e-9).fit(X).dimension_
    assert d == pytest.approx(ref, rel=1e-9)


def test_estimators_on_device(device):
    X = I.manifold_sample("sphere", 600, 3, ambient=12, generator=3, device=device)
    assert X.device.type == device.type
    ref = I.manifold_sample("sphere", 600, 3, ambient=12, generator=3)
    assert I.twonn(X) == pytest.approx(I.twonn(ref), rel=1e-6)
    assert I.mle_dimension(X, 10) == pytest.approx(I.mle_dimension(ref, 10), rel=1e-6)
    assert I.pca_dimension(X, 0.9) == I.pca_dimension(ref, 0.9)

# ------------------------------------------------------------------ bad input: errors name the argument

@pytest.mark.parametrize("call,match", [
    (lambda: I.twonn(np.zeros(10)), "X must have 2 dimensions"),
    (lambda: I.twonn(np.array([["a", "b"]] * 5)), "X must hold numbers"),
    (lambda: I.twonn(np.r_[np.random.rand(9, 3), [[np.nan, 0, 0]]]), "X contains NaN"),
    (lambda: I.twonn(np.random.rand(2, 3)), "X must have at least 3 rows"),
    (lambda: I.twonn(np.random.rand(20, 3), discard_fraction=1.0), r"discard_fraction must lie in \[0, 1\)"),
    (lambda: I.twonn(np.random.rand(20, 3), method="ols"), "method must be one of"),
    (lambda: I.mle_dimension(np.random.rand(20, 3), 20), r"k must satisfy 2 <= k <= n - 1 = 19"),
    (lambda: I.mle_dimension(np.random.rand(20, 3), 1), "k must satisfy"),
    (lambda: I.mle_dimension(np.random.rand(20, 3), 2.5), "k must be an integer"),
    (lambda: I.mle_dimension(np.random.rand(20, 3), 5, average="median"), "average must be one of"),
    (lambda: I.pca_dimension(np.random.rand(20, 3), 1.5), r"threshold must lie in \(0, 1\]"),
    (lambda: I.pca_dimension(np.random.rand(20, 3), 0), r"threshold must lie in \(0, 1\]"),
    (lambda: I.pca_dimension(np.ones((5, 3)), 0.9), "zero variance"),
    (lambda: I.explained_variance_ratio(torch.ones(4, 2, dtype=torch.complex64)), "X must be real"),
    (lambda: I.manifold_sample("cube", 10, 2), "kind must be one of"),
    (lambda: I.manifold_sample("swiss_roll", 10, 3), "d must be 2"),
    (lambda: I.manifold_sample("sphere", 10, 2, generator="seed"), "generator must be None, an int seed"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
