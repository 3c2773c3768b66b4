"""Tests of lowdim_utils.ratereduction (lesson 17): the coding rate against slogdet / eigvalsh and a
closed form on orthogonal subspaces, the orthogonality theorem, the closed-form gradient against
autograd, soft and hard memberships, the MCR² loss and network, label noise, the nearest-subspace
classifier, clustering by rate reduction, and bad inputs."""
import math

import numpy as np
import pytest
import torch
from conftest import require_oracle

from lowdim_utils import ratereduction as rr
from lowdim_utils import training


def _ref_rate(Z, eps):
    n, d = Z.shape
    return 0.5 * float(torch.linalg.slogdet(torch.eye(d, dtype=Z.dtype) + d / (n * eps ** 2) * Z.T @ Z)[1])


def _ref_class_rate(Z, y, eps):
    n, d = Z.shape
    total = 0.0
    for j in torch.unique(y):
        Zj = Z[y == j]
        total += len(Zj) / (2 * n) * float(torch.linalg.slogdet(torch.eye(d, dtype=Z.dtype) + d / (len(Zj) * eps ** 2) * Zj.T @ Zj)[1])
    return total


def _orthogonal(counts, dims, d, seed=0):
    return rr.orthogonal_classes(counts, dims, d, generator=seed)


@pytest.mark.parametrize("n,d", [(50, 8), (7, 30), (1, 4), (64, 64)])
def test_coding_rate_matches_slogdet_and_eigvalsh(n, d):
    Z = torch.randn(n, d, generator=torch.Generator().manual_seed(n + d), dtype=torch.float64)
    eps = 0.6
    ours = float(rr.coding_rate(Z, eps))
    assert ours == pytest.approx(_ref_rate(Z, eps), rel=1e-12)
    lam = torch.linalg.eigvalsh(Z @ Z.T if n < d else Z.T @ Z).clamp_min(0)
    assert ours == pytest.approx(0.5 * float(torch.log1p(d / (n * eps ** 2) * lam).sum()), rel=1e-10)


def test_orthogonal_classes_are_unit_norm_and_isotropic():
    Z, y = rr.orthogonal_classes([30, 41], [3, 4], 9, generator=2)
    torch.testing.assert_close(Z.norm(dim=1), torch.ones(71, dtype=torch.float64))
    G0, G1 = Z[y == 0].T @ Z[y == 0], Z[y == 1].T @ Z[y == 1]
    torch.testing.assert_close(G0 @ G0, 10.0 * G0)          # (m/d_j) times a projection
    torch.testing.assert_close(G1 @ G1, 41 / 4 * G1)
    torch.testing.assert_close(G0 @ G1, torch.zeros(9, 9, dtype=torch.float64), atol=1e-10, rtol=0)


def test_closed_form_on_orthogonal_subspaces():
    counts, dims, d, eps = [60, 120, 90], [2, 4, 3], 12, 0.5
    Z, y = _orthogonal(counts, dims, d)
    n = sum(counts)
    R = sum(dj / 2 * math.log1p(d * m / (n * eps ** 2 * dj)) for m, dj in zip(counts, dims))
    Rc = sum(m / n * dj / 2 * math.log1p(d / (eps ** 2 * dj)) for m, dj in zip(counts, dims))
    assert float(rr.coding_rate(Z, eps)) == pytest.approx(R, rel=1e-12)
    assert float(rr.class_coding_rate(Z, y, eps)) == pytest.approx(Rc, rel=1e-12)
    assert float(rr.rate_reduction(Z, y, eps)) == pytest.approx(R - Rc, rel=1e-10)
    # the rows have unit norm (the normalisation the theorem assumes)
    torch.testing.assert_close(Z.norm(dim=1), torch.ones(n, dtype=torch.float64))


def test_orthogonal_classes_maximise_rate_reduction():
    """A rotation of one class keeps R_c and can only lower ΔR (the theorem); a wrong R_c
    (e.g. without the tr(Π_j)/n weights) would not be rotation invariant in this way."""
    Z, y = _orthogonal([80, 80], [2, 2], 6)
    base, base_c = float(rr.rate_reduction(Z, y, 0.5)), float(rr.class_coding_rate(Z, y, 0.5))
    g = torch.Generator().manual_seed(1)
    for _ in range(5):
        Q, _ = torch.linalg.qr(torch.randn(6, 6, generator=g, dtype=torch.float64))
        Zr = Z.clone()
        Zr[y == 0] = Z[y == 0] @ Q.T
        assert float(rr.class_coding_rate(Zr, y, 0.5)) == pytest.approx(base_c, rel=1e-12)
        assert float(rr.rate_reduction(Zr, y, 0.5)) < base - 1e-6
    # the subadditivity bound R(Z) ≤ Σ_j ½ logdet(I + a G_j) holds for random classes
    Zq = torch.randn(90, 5, generator=g, dtype=torch.float64)
    yq = torch.arange(90) % 3
    a = 5 / (90 * 0.25)
    bound = sum(0.5 * float(torch.logdet(torch.eye(5, dtype=torch.float64) + a * Zq[yq == j].T @ Zq[yq == j]))
                for j in range(3))
    assert float(rr.coding_rate(Zq, 0.5)) <= bound


def test_class_coding_rate_against_reference_hard_and_soft():
    g = torch.Generator().manual_seed(2)
    Z = torch.randn(70, 6, generator=g, dtype=torch.float64)
    y = torch.randint(0, 4, (70,), generator=g)
    ref = _ref_class_rate(Z, y, 0.7)
    assert float(rr.class_coding_rate(Z, y, 0.7)) == pytest.approx(ref, rel=1e-12)
    P = rr.memberships(y, 70, dtype=torch.float64)
    assert float(rr.class_coding_rate(Z, P, 0.7)) == pytest.approx(ref, rel=1e-12)
    # an empty class adds nothing; labels as a list or NumPy array work too
    assert float(rr.class_coding_rate(Z, y, 0.7, n_classes=7)) == pytest.approx(ref, rel=1e-12)
    assert float(rr.class_coding_rate(Z, y.numpy(), 0.7)) == pytest.approx(ref, rel=1e-12)
    # wide Z (d > n) takes the other branch
    Zw = torch.randn(6, 10, generator=g, dtype=torch.float64)
    yw = torch.tensor([0, 0, 1, 1, 1, 2])
    assert float(rr.class_coding_rate(Zw, yw, 0.6)) == pytest.approx(_ref_class_rate(Zw, yw, 0.6), rel=1e-10)
    # one class: ΔR = 0
    assert float(rr.rate_reduction(Z, torch.zeros(70, dtype=torch.long), 0.7)) == pytest.approx(0.0, abs=1e-12)


def test_gradient_closed_form_matches_autograd():
    for n, d in [(40, 6), (5, 12)]:
        Z = torch.randn(n, d, generator=torch.Generator().manual_seed(n), dtype=torch.float64, requires_grad=True)
        auto, = torch.autograd.grad(rr.coding_rate(Z, 0.5), Z)
        torch.testing.assert_close(rr.coding_rate_grad(Z, 0.5), auto, rtol=1e-10, atol=1e-12)
    # a wrong formula (no inverse) differs
    Zd = Z.detach()
    assert not torch.allclose(rr.coding_rate_grad(Zd, 0.5), d / (n * 0.25) * Zd)


def test_soft_memberships_are_differentiable():
    g = torch.Generator().manual_seed(3)
    Z = torch.randn(30, 4, generator=g, dtype=torch.float64)
    L = torch.randn(30, 3, generator=g, dtype=torch.float64, requires_grad=True)
    dR = rr.rate_reduction(Z, torch.softmax(L, 1), 0.5)
    dR.backward()
    assert L.grad is not None and torch.isfinite(L.grad).all()


def test_device_and_dtypes(device):
    g = torch.Generator().manual_seed(4)
    Z = torch.randn(100, 8, generator=g)
    y = torch.randint(0, 3, (100,), generator=g)
    ref = float(rr.rate_reduction(Z.double(), y, 0.5))
    out = rr.rate_reduction(Z.to(device), y.to(device), 0.5)
    assert out.device.type == device.type and out.dtype == torch.float32
    assert float(out) == pytest.approx(ref, rel=1e-4)
    assert rr.coding_rate(Z.half().to(device), 0.5).dtype == torch.float32
    pred = rr.nearest_subspace(Z.to(device), y.to(device), Z.to(device), 2)
    assert pred.device.type == device.type
    assert rr.coding_rate_grad(Z.to(device), 0.5).device.type == device.type


def test_mcr2_training_raises_rate_reduction():
    g = torch.Generator().manual_seed(5)
    X = torch.randn(300, 10, generator=g)
    y = (X[:, 0] > 0).long() + 2 * (X[:, 1] > 0).long()
    torch.manual_seed(0)
    net = rr.SphereMLP(10, 32, 8)
    net.eval()
    with torch.no_grad():
        before = float(rr.rate_reduction(net(X), y, 0.5))
    hist = training.fit(net, rr.mcr2_loss(0.5, 4), (X, y), steps=60, batch_size=150, lr=1e-2, generator=0, progress=False)
    net.eval()
    with torch.no_grad():
        Z = net(X)
    torch.testing.assert_close(Z.norm(dim=1), torch.ones(300))
    assert float(rr.rate_reduction(Z, y, 0.5)) > before + 0.5
    assert set(hist) >= {"loss", "R", "Rc"}


def test_corrupt_labels():
    y = torch.arange(1000) % 10
    for ratio in (0.0, 0.3, 1.0):
        out = rr.corrupt_labels(y, ratio, 10, generator=0)
        assert int((out != y).sum()) == round(ratio * 1000)
        assert int(out.min()) >= 0 and int(out.max()) < 10
    torch.testing.assert_close(rr.corrupt_labels(y, 0.5, generator=3), rr.corrupt_labels(y, 0.5, generator=3))
    assert not torch.equal(rr.corrupt_labels(y, 0.5, generator=3), rr.corrupt_labels(y, 0.5, generator=4))


def test_nearest_subspace_on_orthogonal_subspaces():
    Z, y = _orthogonal([50, 50, 50], [2, 2, 2], 6)
    noisy = Z + 0.05 * torch.randn(Z.shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert torch.equal(rr.nearest_subspace(Z, y, noisy, 2), y)
    U = rr.class_subspaces(Z, y, 2)
    assert U.shape == (3, 6, 2)
    torch.testing.assert_close(U[0].T @ U[1], torch.zeros(2, 2, dtype=torch.float64), atol=1e-10, rtol=0)


def test_clustering_recovers_subspaces_and_accuracy_is_permutation_invariant():
    Z, y = _orthogonal([40, 40, 40], [2, 2, 2], 6)
    Z = Z + 0.05 * torch.randn(Z.shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    Z = torch.nn.functional.normalize(Z, dim=1)
    out = rr.cluster_rate_reduction(Z, 3, 0.5, steps=100, restarts=3, generator=0)
    assert rr.clustering_accuracy(y, out["labels"]) > 0.95
    assert out["memberships"].shape == (120, 3)
    torch.testing.assert_close(out["memberships"].sum(1), torch.ones(120, dtype=torch.float64))
    perm = torch.tensor([2, 0, 1])
    assert rr.clustering_accuracy(y, perm[y]) == 1.0
    assert rr.clustering_accuracy([0, 0, 1, 1], [0, 1, 0, 1]) == 0.5


def test_clustering_accuracy_against_scipy_matching():
    sk = require_oracle("sklearn.metrics")
    y = np.array([0, 0, 1, 1, 2, 2, 2])
    p = np.array([1, 1, 0, 2, 2, 2, 0])
    # adjusted Rand is a different measure; only check the accuracy is consistent with a brute-force matching
    import itertools
    best = max(np.mean(np.array(perm)[p] == y) for perm in itertools.permutations(range(3)))
    assert rr.clustering_accuracy(y, p) == pytest.approx(best)
    assert sk.adjusted_rand_score(y, y) == 1.0


@pytest.mark.parametrize("call,match", [
    (lambda: rr.coding_rate(torch.randn(5, 3), eps=0.0), "eps"),
    (lambda: rr.coding_rate(torch.randn(5), 0.5), "Z must have 2 dimensions"),
    (lambda: rr.coding_rate([[1.0, float("nan")]], 0.5), "Z contains NaN"),
    (lambda: rr.class_coding_rate(torch.randn(5, 3), [0, 1, 0], 0.5), "labels must have one entry per row"),
    (lambda: rr.class_coding_rate(torch.randn(3, 3), [0, -1, 0], 0.5), "labels must be non-negative"),
    (lambda: rr.class_coding_rate(torch.randn(3, 3), [0.5, 1, 0], 0.5), "labels of shape"),
    (lambda: rr.class_coding_rate(torch.randn(2, 3), [[0.5, 0.2], [1.0, 0.0]], 0.5), "rows summing to 1"),
    (lambda: rr.class_coding_rate(torch.randn(3, 3), [0, 3, 1], 0.5, n_classes=2), "n_classes"),
    (lambda: rr.corrupt_labels([0, 1, 2], 1.5), "ratio"),
    (lambda: rr.corrupt_labels([[0, 1]], 0.5), "y must be a vector"),
    (lambda: rr.corrupt_labels([0, 1], 0.5, generator="seed"), "generator must be None"),
    (lambda: rr.nearest_subspace(torch.randn(10, 3), torch.arange(10) % 2, torch.randn(4, 5), 1), "Z_test must have 3 columns"),
    (lambda: rr.class_subspaces(torch.randn(10, 3), torch.arange(10) % 2, 4), "dim"),
    (lambda: rr.class_subspaces(torch.randn(4, 3), torch.tensor([0, 0, 0, 1]), 2), "class 1 has 1 samples"),
    (lambda: rr.cluster_rate_reduction(torch.randn(10, 3), 0), "k must be"),
    (lambda: rr.cluster_rate_reduction(torch.randn(10, 3), 2, steps=0), "steps"),
    (lambda: rr.SphereMLP(0, 4, 2), "in_dim"),
    (lambda: rr.mcr2_loss(eps=-1.0), "eps"),
    (lambda: rr.orthogonal_classes([10, 10], [3, 3], 5), "dims must fit"),
    (lambda: rr.orthogonal_classes([3, 10], [3, 2], 8), "counts must exceed"),
])
def test_bad_inputs_name_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
