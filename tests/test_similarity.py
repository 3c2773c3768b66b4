"""Tests of lowdim_utils.similarity (lesson 20): HSIC against its definitions, CKA's closed forms and
invariances, CCA against scikit-learn and the whitened closed form, Procrustes against scipy, relative
representations, mutual k-NN, layer identification, bad input."""
import itertools

import numpy as np
import pytest
import torch
from conftest import require_oracle

from lowdim_utils import similarity as sim


def pair(seed=0, n=200, p=8, q=6, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, p, generator=g, dtype=dtype) * 0.8 ** torch.arange(p, dtype=dtype)
    Y = torch.tanh(X @ torch.randn(p, q, generator=g, dtype=dtype)) + 0.3 * torch.randn(n, q, generator=g, dtype=dtype)
    return X, Y


def rotation(d, seed=1):
    return torch.linalg.qr(torch.randn(d, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64))[0]


# ------------------------------------------------------------------ HSIC against its definitions

def test_unbiased_hsic_is_the_u_statistic_over_quadruples():
    g = np.random.default_rng(0)
    X, Y = g.standard_normal((7, 3)), g.standard_normal((7, 2))
    K, L = X @ X.T, np.tanh(Y @ Y.T)
    h = [K[i, j] * L[i, j] + K[i, j] * L[q, r] - 2 * K[i, j] * L[i, q]
         for i, j, q, r in itertools.permutations(range(7), 4)]
    assert sim.hsic(K, L, estimator="unbiased") == pytest.approx(np.mean(h), rel=1e-10)


def test_biased_hsic_is_the_trace_formula():
    g = np.random.default_rng(1)
    K = g.standard_normal((9, 9)); K = K @ K.T
    L = g.standard_normal((9, 9)); L = L @ L.T
    H = np.eye(9) - 1 / 9
    assert sim.hsic(K, L) == pytest.approx(np.trace(K @ H @ L @ H) / 64, rel=1e-12)


@pytest.mark.parametrize("estimator", ["biased", "unbiased"])
def test_feature_form_equals_kernel_form(estimator):
    X, Y = pair()
    assert sim.linear_cka(X, Y, estimator=estimator) == pytest.approx(
        sim.kernel_cka(X @ X.T, Y @ Y.T, estimator=estimator), rel=1e-10)


def test_cka_numpy_reference():
    X, Y = pair(2, q=11)
    Xc, Yc = X.numpy() - X.numpy().mean(0), Y.numpy() - Y.numpy().mean(0)
    ref = np.linalg.norm(Yc.T @ Xc) ** 2 / (np.linalg.norm(Xc.T @ Xc) * np.linalg.norm(Yc.T @ Yc))
    assert sim.linear_cka(X, Y) == pytest.approx(ref, rel=1e-12)


# ------------------------------------------------------------------ invariances (lesson 20, Theorem)

@pytest.mark.parametrize("estimator", ["biased", "unbiased"])
def test_cka_of_rotated_scaled_shifted_copy_is_one(estimator):
    X, Y = pair(3)
    Q = rotation(X.shape[1])
    Z = -2.5 * X @ Q + 7.0
    assert sim.linear_cka(X, Z, estimator=estimator) == pytest.approx(1.0, abs=1e-10)
    assert sim.linear_cka(X @ Q, Y, estimator=estimator) == pytest.approx(sim.linear_cka(X, Y, estimator=estimator),
                                                                          rel=1e-10)


def test_cka_is_not_invariant_to_whitening_but_cca_is():
    X, _ = pair(4)
    Xc = X - X.mean(0)
    _, s, Vt = torch.linalg.svd(Xc, full_matrices=False)
    A = Vt.T @ torch.diag(1 / s) @ Vt
    predicted = float(s.square().sum() / torch.sqrt(len(s) * s.pow(4).sum()))
    assert sim.linear_cka(X, X @ A) == pytest.approx(predicted, rel=1e-10)
    assert predicted < 0.9
    assert sim.cca(X, X @ A).numpy() == pytest.approx(np.ones(X.shape[1]), abs=1e-10)


def test_cca_invariant_to_invertible_maps_and_shifts():
    X, Y = pair(5)
    A = torch.randn(8, 8, generator=torch.Generator().manual_seed(9), dtype=torch.float64) + 3 * torch.eye(8)
    torch.testing.assert_close(sim.cca(X @ A + 4.0, Y), sim.cca(X, Y), rtol=1e-9, atol=1e-10)


def test_biased_cka_of_independent_gaussians_is_far_from_zero_unbiased_is_not():
    g = torch.Generator().manual_seed(0)
    b, u = [], []
    for _ in range(10):
        X = torch.randn(100, 100, generator=g, dtype=torch.float64)
        Y = torch.randn(100, 100, generator=g, dtype=torch.float64)
        b.append(sim.linear_cka(X, Y)); u.append(sim.linear_cka(X, Y, estimator="unbiased"))
    assert np.mean(b) == pytest.approx(100 / 201, abs=0.03)      # the proposition: d / (n + d + 1)
    assert abs(np.mean(u)) < 0.01


# ------------------------------------------------------------------ oracles: scikit-learn, scipy

def test_cca_matches_whitened_cross_covariance_svd():
    X, Y = pair(6, n=300)
    A, B = X.numpy() - X.numpy().mean(0), Y.numpy() - Y.numpy().mean(0)

    def isqrt(S):
        w, V = np.linalg.eigh(S)
        return V @ np.diag(w ** -0.5) @ V.T
    ref = np.linalg.svd(isqrt(A.T @ A) @ A.T @ B @ isqrt(B.T @ B), compute_uv=False)
    np.testing.assert_allclose(sim.cca(X, Y).numpy(), ref, atol=1e-10)


def test_cca_matches_sklearn():
    sk = require_oracle("sklearn")
    from sklearn.cross_decomposition import CCA
    assert sk is not None
    g = np.random.default_rng(0)
    X = g.standard_normal((400, 5))
    Y = X[:, :3] @ g.standard_normal((3, 4)) + g.standard_normal((400, 4))
    u, v = CCA(n_components=4, max_iter=5000, tol=1e-12, scale=False).fit(X, Y).transform(X, Y)
    ref = np.sort([abs(np.corrcoef(u[:, i], v[:, i])[0, 1]) for i in range(4)])[::-1]
    np.testing.assert_allclose(sim.cca(X, Y).numpy(), ref, atol=1e-6)


def test_orthogonal_procrustes_matches_scipy():
    require_oracle("scipy")
    from scipy.linalg import orthogonal_procrustes
    g = np.random.default_rng(1)
    A = g.standard_normal((50, 6))
    B = A @ np.linalg.qr(g.standard_normal((6, 6)))[0] + 0.1 * g.standard_normal((50, 6))
    R, scale = sim.orthogonal_procrustes(A, B)
    R_ref, scale_ref = orthogonal_procrustes(A, B)
    np.testing.assert_allclose(R.numpy(), R_ref, atol=1e-10)
    assert scale == pytest.approx(scale_ref, rel=1e-12)


def test_procrustes_recovers_a_rotation():
    X, _ = pair(7)
    Q = rotation(8, 3)
    R, _ = sim.orthogonal_procrustes(X, X @ Q)
    torch.testing.assert_close(R, Q, atol=1e-10, rtol=0)
    assert sim.procrustes_similarity(X, 2 * X @ Q) == pytest.approx(1.0, abs=1e-10)


# ------------------------------------------------------------------ relative representations, mutual k-NN

def test_relative_representation_is_invariant_to_rotation_and_scale():
    X, _ = pair(8)
    anchors = X[:20]
    r = sim.relative_representation(X, anchors)
    Q = rotation(8, 4)
    torch.testing.assert_close(sim.relative_representation(3 * X @ Q, 3 * anchors @ Q), r)
    assert r.shape == (200, 20) and float(r.abs().max()) <= 1 + 1e-12
    assert torch.allclose(torch.diagonal(r[:20]), torch.ones(20, dtype=r.dtype))   # each anchor: cosine 1 with itself
    # translation: only the centred version is invariant
    rc = sim.relative_representation(X, anchors, center=True)
    torch.testing.assert_close(sim.relative_representation(X + 5, anchors + 5, center=True), rc)
    assert not torch.allclose(sim.relative_representation(X + 5, anchors + 5), r)


def test_mutual_knn_alignment():
    X, _ = pair(9)
    assert sim.mutual_knn_alignment(X, 3 * X @ rotation(8, 5), 5) == pytest.approx(1.0)
    g = torch.Generator().manual_seed(1)
    Z = torch.randn(200, 8, generator=g, dtype=torch.float64)
    assert sim.mutual_knn_alignment(X, Z, 5) < 0.15                 # about k/(n−1) = 0.025 by chance


def test_layer_identification():
    S = torch.tensor([[0.9, 0.5, 0.1], [0.95, 0.8, 0.2], [0.1, 0.2, 0.3]])
    assert sim.layer_identification(S) == pytest.approx(2 / 3)
    assert sim.layer_identification(torch.eye(4)) == 1.0
    assert sim.layer_identification(torch.ones(3, 3)) == 0.0          # ties are failures


def test_similarity_matrix_on_device(device):
    X, Y = pair(10, dtype=torch.float32)
    X, Y = X.to(device), Y.to(device)
    S = sim.similarity_matrix([X, Y], [X, Y], "CKA")
    assert S.shape == (2, 2) and S.dtype == torch.float64
    assert float(S[0, 0]) == pytest.approx(1.0, abs=1e-5) and float(S[0, 1]) == pytest.approx(float(S[1, 0]), abs=1e-5)
    r = sim.relative_representation(X, X[:5])
    assert r.device.type == device.type and r.dtype == torch.float32
    assert 0 < sim.mutual_knn_alignment(X, Y, 3) <= 1
    assert sim.cca(X, Y).device.type == device.type


def test_half_precision_is_computed_in_float32():
    X, Y = pair(11, dtype=torch.float32)
    assert sim.linear_cka(X.half(), Y.half()) == pytest.approx(sim.linear_cka(X.half().float(), Y.half().float()),
                                                               rel=1e-5)


def test_svcca_keeps_directions_by_variance():
    X, Y = pair(12)
    assert sim.svcca(X, Y, variance=1.0) == pytest.approx(sim.mean_cca(X, Y), rel=1e-10)
    assert sim.svcca(X, X @ rotation(8, 6), variance=0.9) == pytest.approx(1.0, abs=1e-10)


# ------------------------------------------------------------------ bad input

def test_bad_input_names_the_argument():
    X, Y = pair()
    with pytest.raises(ValueError, match="same number of rows"):
        sim.linear_cka(X, Y[:-1])
    with pytest.raises(ValueError, match="estimator"):
        sim.linear_cka(X, Y, estimator="debiased")
    with pytest.raises(ValueError, match="Y contains NaN"):
        sim.linear_cka(X, Y.clone().fill_(float("nan")))
    with pytest.raises(ValueError, match="X is constant"):
        sim.linear_cka(torch.ones(10, 3), Y[:10])
    with pytest.raises(ValueError, match="K must be a square"):
        sim.hsic(torch.ones(3, 4), torch.ones(3, 4))
    with pytest.raises(ValueError, match="at least 4"):
        sim.hsic(torch.eye(3), torch.eye(3), estimator="unbiased")
    with pytest.raises(ValueError, match="variance"):
        sim.svcca(X, Y, variance=0.0)
    with pytest.raises(ValueError, match="anchors must have"):
        sim.relative_representation(X, Y[:5])
    with pytest.raises(ValueError, match="zero row"):
        sim.relative_representation(X, torch.zeros(2, 8, dtype=torch.float64))
    with pytest.raises(ValueError, match="k must"):
        sim.mutual_knn_alignment(X, Y, 200)
    with pytest.raises(ValueError, match="A and B must have the same shape"):
        sim.orthogonal_procrustes(X, Y)
    with pytest.raises(ValueError, match="measure"):
        sim.similarity_matrix([X], [Y], "RBF")
    with pytest.raises(TypeError, match="reps_a"):
        sim.similarity_matrix(X, [Y])
    with pytest.raises(ValueError, match="S must be square"):
        sim.layer_identification(torch.ones(2, 3))


def test_unbiased_hsic_ignores_rank_one_additions():
    """Why CKA_u ignores shifts (lesson 20, Theorem, item 1): K + a1ᵀ + 1aᵀ + c11ᵀ has the same HSIC_u."""
    g = np.random.default_rng(3)
    K = g.standard_normal((9, 9)); K = K + K.T
    L = g.standard_normal((9, 9)); L = L + L.T
    a, one = g.standard_normal(9), np.ones(9)
    K2 = K + np.outer(a, one) + np.outer(one, a) + 3.0 * np.outer(one, one)
    assert sim.hsic(K2, L, estimator="unbiased") == pytest.approx(sim.hsic(K, L, estimator="unbiased"), rel=1e-10)
