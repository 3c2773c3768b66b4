"""Tests of lowdim_utils.contrastive (lesson 15): the NT-Xent loss against a naive O(B²) loop and
against pytorch-metric-learning's NTXentLoss, the InfoNCE bound, alignment/uniformity, the
augmentations, the models and the collapse diagnostics."""
import math

import numpy as np
import pytest
import torch
from conftest import require_oracle

from lowdim_utils import contrastive as cl


def _naive_nt_xent(z1, z2, tau):
    """SimCLR's loss written as the paper's double loop over anchors and candidates (float64)."""
    z = torch.cat([z1, z2]).double()
    z = z / z.norm(dim=1, keepdim=True)
    n = z.shape[0]
    b = n // 2
    total = 0.0
    for i in range(n):
        pos = (i + b) % n
        denom = sum(math.exp(float(z[i] @ z[k]) / tau) for k in range(n) if k != i)
        total += -math.log(math.exp(float(z[i] @ z[pos]) / tau) / denom)
    return total / n


@pytest.mark.parametrize("b,d,tau", [(2, 3, 0.5), (7, 5, 0.1), (16, 32, 1.0)])
def test_info_nce_matches_naive_loop(b, d, tau):
    g = torch.Generator().manual_seed(b)
    z1, z2 = torch.randn(b, d, generator=g, dtype=torch.float64), torch.randn(b, d, generator=g, dtype=torch.float64)
    assert float(cl.info_nce(z1, z2, tau)) == pytest.approx(_naive_nt_xent(z1, z2, tau), rel=1e-12)


def test_info_nce_matches_pytorch_metric_learning():
    pml = require_oracle("pytorch_metric_learning")
    from pytorch_metric_learning.losses import NTXentLoss
    g = torch.Generator().manual_seed(3)
    for b, d, tau in [(4, 8, 0.5), (64, 16, 0.07), (33, 128, 0.2)]:
        z1 = torch.randn(b, d, generator=g, dtype=torch.float64, requires_grad=True)
        z2 = torch.randn(b, d, generator=g, dtype=torch.float64)
        ours = cl.info_nce(z1, z2, tau)
        theirs = NTXentLoss(temperature=tau)(torch.cat([z1, z2]), torch.arange(b).repeat(2))
        assert float(ours.detach()) == pytest.approx(float(theirs.detach()), rel=1e-10)
        g1, = torch.autograd.grad(ours, z1)
        g2, = torch.autograd.grad(theirs, z1)
        torch.testing.assert_close(g1, g2, rtol=1e-8, atol=1e-12)
    assert pml.__version__


def test_info_nce_properties():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(32, 16, generator=g)
    # scale invariance (rows are normalised) and symmetry in the two views
    assert float(cl.info_nce(z, 3 * z + 0, 0.5)) == pytest.approx(float(cl.info_nce(z, z, 0.5)), rel=1e-5)
    z2 = torch.randn(32, 16, generator=g)
    assert float(cl.info_nce(z, z2, 0.5)) == pytest.approx(float(cl.info_nce(z2, z, 0.5)), rel=1e-5)
    # perfectly aligned, well-separated views have a lower loss than random ones; the loss is at most
    # log(2B-1) + 2/τ and at least log(2B-2) ... for random views it is near log(2B - 1)
    assert float(cl.info_nce(z, z, 0.5)) < float(cl.info_nce(z, z2, 0.5))
    assert abs(float(cl.info_nce(z, z2, 100.0)) - math.log(63)) < 0.01
    # half precision is computed in float32
    assert cl.info_nce(z.half(), z2.half(), 0.5).dtype == torch.float32


def test_info_nce_bound_gaussian():
    """With the optimal critic of a correlated Gaussian pair the bound is below the true MI and
    below log N; it approaches the MI when N ≫ e^I."""
    g = torch.Generator().manual_seed(0)
    rho, d, n = 0.6, 2, 4000
    mi = -d / 2 * math.log(1 - rho ** 2)
    x = torch.randn(n, d, generator=g, dtype=torch.float64)
    y = rho * x + math.sqrt(1 - rho ** 2) * torch.randn(n, d, generator=g, dtype=torch.float64)

    def critic(x, cand):   # log p(y|x) − log p(y), up to a function of x; x (n, 1, d), cand (n, N, d)
        return -((cand - rho * x) ** 2).sum(-1) / (2 * (1 - rho ** 2)) + (cand ** 2).sum(-1) / 2

    for N in (2, 16, 512):
        neg = y[torch.randint(0, n, (n, N - 1), generator=g)]
        cand = torch.cat([y[:, None], neg], dim=1)                  # column 0: the positive
        bound = float(cl.info_nce_bound(critic(x[:, None, :], cand)))
        assert bound <= math.log(N) + 1e-12
        assert bound <= mi + 0.03
    assert bound > mi - 0.1


def test_alignment_uniformity():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(500, 3, generator=g, dtype=torch.float64)
    assert float(cl.alignment(z, 2 * z)) == pytest.approx(0.0, abs=1e-12)
    assert float(cl.alignment(z, -z)) == pytest.approx(4.0)                   # antipodal: ‖u − (−u)‖² = 4
    # uniformity of a collapsed embedding is 0 (its maximum); of a uniform one on S² it is near
    # log E exp(-2‖u-v‖²) = log((1 - e^{-8}) / 8)
    assert float(cl.uniformity(torch.ones(10, 3))) == pytest.approx(0.0, abs=1e-12)
    expected = math.log((1 - math.exp(-8)) / 8)
    assert float(cl.uniformity(z)) == pytest.approx(expected, abs=0.05)


def test_negative_cosine_stop_gradient():
    g = torch.Generator().manual_seed(0)
    p = torch.randn(8, 4, generator=g, requires_grad=True)
    z = torch.randn(8, 4, generator=g, requires_grad=True)
    cl.negative_cosine(p, z).backward()
    assert z.grad is None and p.grad is not None
    p.grad = None
    cl.negative_cosine(p, z, stop_gradient=False).backward()
    assert z.grad is not None
    assert float(cl.negative_cosine(p, p).detach()) == pytest.approx(-1.0)


def test_augment_shapes_ranges_and_generator():
    x = torch.rand(16, 28, 28, generator=torch.Generator().manual_seed(0))
    a = cl.augment(x, generator=1)
    assert a.shape == x.shape and float(a.min()) >= 0 and float(a.max()) <= 1
    torch.testing.assert_close(a, cl.augment(x, generator=1))                   # int seed: same draw
    assert not torch.allclose(a, cl.augment(x, generator=2))
    # the identity transform: no crop, shift, flip or noise gives the image back
    ident = cl.augment(x, scale=(1.0, 1.0), shift=0.0, flip=0.0, noise=0.0, generator=0)
    torch.testing.assert_close(ident, x, atol=1e-5, rtol=0)
    # a certain flip mirrors the image
    flipped = cl.augment(x, scale=(1.0, 1.0), shift=0.0, flip=1.0, noise=0.0, generator=0)
    torch.testing.assert_close(flipped, x.flip(-1), atol=1e-5, rtol=0)
    assert cl.augment(x[:, None], generator=0).shape == (16, 1, 28, 28)
    erased = cl.augment(x, scale=(1.0, 1.0), shift=0.0, flip=0.0, noise=0.0, erase=0.3, generator=0)
    assert int((erased == 0).sum()) > int((x == 0).sum())


def test_diagnostics():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(2000, 16, generator=g, dtype=torch.float64)
    assert cl.output_std(z) == pytest.approx(1 / math.sqrt(16), rel=0.05)
    assert cl.output_std(torch.ones(50, 16) + 1e-9 * z[:50]) < 1e-6
    lam = cl.embedding_spectrum(z)
    assert lam.shape == (16,) and bool((lam[:-1] >= lam[1:]).all())
    torch.testing.assert_close(lam.sum(), torch.trace(torch.cov(z.T, correction=0)))
    assert cl.effective_rank(z) > 15.5
    low = z[:, :3] @ torch.randn(3, 16, generator=g, dtype=torch.float64)       # rank 3
    assert cl.effective_rank(low) < 3.01
    assert cl.effective_rank(torch.zeros(5, 4)) == 1.0


def test_linear_probe_separable():
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 3, (300,), generator=g)
    X = torch.randn(300, 5, generator=g) + 5 * torch.nn.functional.one_hot(y, 5).float()
    assert cl.linear_probe(X[:200], y[:200], X[200:], y[200:]) > 0.95


def test_device_training_step(device):
    """One short SimCLR and SimSiam training on the device: the loss falls, outputs stay there."""
    g = torch.Generator().manual_seed(0)
    x = torch.rand(64, 28, 28, generator=g).to(device)
    assert cl.augment(x, generator=0).device.type == device.type
    z1, z2 = torch.randn(8, 4, generator=g).to(device), torch.randn(8, 4, generator=g).to(device)
    assert cl.info_nce(z1, z2).device.type == device.type
    for make in (lambda: cl.SimCLR(cl.encoder(784, 32, 16), 16, 8),
                 lambda: cl.SimSiam(cl.encoder(784, 32, 16), 16, 8, 4)):
        torch.manual_seed(0)
        m = make().to(device)
        hist = cl.train_ssl(m, x, steps=6, batch_size=32, generator=0, progress=False,
                            track=lambda mm: {"u": cl.uniformity(mm.embed(x[:16], projected=True))}, track_every=3)
        assert hist["steps"] == 6 and hist["track_steps"] == [0, 3, 6] and len(hist["track"]["u"]) == 3
        assert m.embed(x[:5]).device.type == device.type


def test_simclr_learns_on_toy_data():
    """A linear-ish SimCLR on images where a class is drawn in one corner learns better than chance."""
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 4, (400,), generator=g)
    x = 0.3 * torch.rand(400, 28, 28, generator=g)
    for k in range(4):
        r, c = divmod(k, 2)
        x[y == k, 6 + 12 * r: 10 + 12 * r, 6 + 12 * c: 10 + 12 * c] = 1.0
    torch.manual_seed(0)
    m = cl.SimCLR(cl.encoder(784, 64, 32), 32, 16)
    cl.train_ssl(m, x, steps=40, batch_size=64, generator=0, progress=False,
                 views=dict(scale=(0.9, 1.0), shift=0.02, flip=0.0, noise=0.1))
    acc = cl.linear_probe(m.embed(x[:300]), y[:300], m.embed(x[300:]), y[300:])
    assert acc > 0.6


@pytest.mark.parametrize("call,match", [
    (lambda: cl.info_nce(torch.zeros(4, 3), torch.zeros(5, 3)), "z1 and z2"),
    (lambda: cl.info_nce(torch.zeros(4), torch.zeros(4)), "z1"),
    (lambda: cl.info_nce(torch.ones(4, 3), torch.ones(4, 3), temperature=0), "temperature"),
    (lambda: cl.info_nce(torch.full((4, 3), float("nan")), torch.ones(4, 3)), "z1"),
    (lambda: cl.info_nce_bound(torch.zeros(4, 1)), "scores"),
    (lambda: cl.alignment(torch.ones(4, 3), torch.ones(4, 3), alpha=-1), "alpha"),
    (lambda: cl.uniformity(torch.ones(1, 3)), "z"),
    (lambda: cl.uniformity(torch.ones(4, 3), t=0), "t"),
    (lambda: cl.negative_cosine(torch.ones(4, 3), torch.ones(4, 2)), "p and z"),
    (lambda: cl.negative_cosine(torch.ones(4, 3), torch.ones(4, 3), stop_gradient=1), "stop_gradient"),
    (lambda: cl.augment(torch.ones(4, 784)), "images"),
    (lambda: cl.augment(torch.ones(4, 3, 8, 8)), "images"),
    (lambda: cl.augment(torch.ones(4, 8, 8), scale=(0.0, 1.0)), r"scale\[0\]"),
    (lambda: cl.augment(torch.ones(4, 8, 8), scale=0.5), "scale"),
    (lambda: cl.augment(torch.ones(4, 8, 8), flip=2), "flip"),
    (lambda: cl.augment(torch.ones(4, 8, 8), noise=-1), "noise"),
    (lambda: cl.augment(torch.ones(4, 8, 8), generator="x"), "generator"),
    (lambda: cl.SimCLR(cl.encoder(), 256, temperature=-1), "temperature"),
    (lambda: cl.train_ssl(torch.nn.Linear(2, 2), torch.ones(4, 8, 8)), "model"),
    (lambda: cl.train_ssl(cl.SimCLR(cl.encoder(64, 8, 4), 4), torch.ones(4, 8, 8), batch_size=10), "batch_size"),
    (lambda: cl.linear_probe(torch.ones(4, 3), [0, 1, 0, 1], torch.ones(4, 2), [0, 1, 0, 1]), "test"),
    (lambda: cl.linear_probe(torch.ones(4, 3), [0.5] * 4, torch.ones(4, 3), [0, 1, 0, 1]), "y_train"),
    (lambda: cl.output_std(np.ones(3)), "z"),
])
def test_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
