"""Tests of lowdim_utils.crate (lesson 18): the compression term against lesson 17's coding rate, its
exact gradient against autograd, the first-order expansion and its bound, the "gram" MSSA step against
the first-order gradient step, the softmax MSSA against a naive loop, the ISTA block against lesson 03's
ista_step, the models (shapes, parameter matching, gradients), devices and bad inputs."""
import math

import numpy as np
import pytest
import torch

from lowdim_utils import crate as cr
from lowdim_utils import sparse, training
from lowdim_utils.ratereduction import coding_rate


def _case(seed=0, N=9, d=8, K=2, scale=0.5, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    Z = scale * torch.randn(N, d, generator=g, dtype=dtype)
    return Z, cr.orthogonal_subspaces(d, K, generator=seed, dtype=dtype)


def test_orthogonal_subspaces_are_orthonormal_and_complete():
    U = cr.orthogonal_subspaces(12, 3, generator=1)
    B = U.permute(1, 0, 2).reshape(12, 12)
    torch.testing.assert_close(B.T @ B, torch.eye(12, dtype=torch.float64))
    torch.testing.assert_close(sum(u @ u.T for u in U), torch.eye(12, dtype=torch.float64))
    with pytest.raises(ValueError, match="K must divide d"):
        cr.orthogonal_subspaces(10, 3)


def test_compression_rate_is_sum_of_lesson17_rates():
    Z, U = _case(1, N=11, d=12, K=3)
    want = sum(float(coding_rate(Z @ u, 0.7)) for u in U)
    assert float(cr.compression_rate(Z, U, 0.7)) == pytest.approx(want, rel=1e-12)
    # batched form: mean over token sets, equal to the loop over sets
    Zb = torch.stack([_case(s, N=11, d=12, K=3)[0] for s in range(4)])
    loop = np.mean([float(cr.compression_rate(z, U, 0.7)) for z in Zb])
    assert float(cr.compression_rate(Zb, U, 0.7)) == pytest.approx(loop, rel=1e-12)
    # closed form: one head, p = d, orthogonal tokens of equal norm c: R = N/2 · log(1 + β c²)
    N, d = 4, 6
    Q = torch.eye(d, dtype=torch.float64)[:N] * 2.0
    U1 = torch.eye(d, dtype=torch.float64)[None]
    beta = d / (N * 0.5 ** 2)
    assert float(cr.compression_rate(Q, U1, 0.5)) == pytest.approx(N / 2 * math.log(1 + beta * 4.0), rel=1e-12)


@pytest.mark.parametrize("N,d,K,eps", [(9, 8, 2, 0.5), (5, 12, 4, 1.0), (16, 6, 1, 0.3)])
def test_exact_gradient_matches_autograd(N, d, K, eps):
    Z, U = _case(N, N=N, d=d, K=K, scale=1.0)
    Zr = Z.clone().requires_grad_(True)
    g, = torch.autograd.grad(cr.compression_rate(Zr, U, eps), Zr)
    torch.testing.assert_close(cr.compression_gradient(Z, U, eps), g, rtol=1e-10, atol=1e-12)


def test_first_order_gradient_error_order_and_bound():
    Z, U = _case(3, N=10, d=8, K=2, scale=1.0)
    beta = 4 / (10 * 0.25)
    errs = []
    for s in (0.02, 0.01):
        Zs = s * Z
        ge = cr.compression_gradient(Zs, U)
        diff = cr.compression_gradient_first_order(Zs, U) - ge
        errs.append(float(diff.norm() / ge.norm()))
        A = Zs @ U
        bound = sum(beta ** 3 * float(torch.linalg.matrix_norm(a @ a.T, 2)) ** 2 * float(a.norm()) for a in A)
        assert float(diff.norm()) <= bound * (1 + 1e-9)
    # relative error ∝ scale⁴: halving the tokens divides it by ≈ 16 (a zeroth-order answer would not change)
    assert 14 < errs[0] / errs[1] < 17


def test_gram_step_is_the_first_order_gradient_step():
    Z, U = _case(4, N=7, d=12, K=3, scale=0.8)
    for kappa in (0.01, 0.3):
        step = cr.mssa_step(Z, U, 0.5, kappa, attention="gram")
        torch.testing.assert_close(step, Z - kappa * cr.compression_gradient_first_order(Z, U, 0.5),
                                   rtol=1e-12, atol=1e-12)


def _naive_mssa(Z, U, eps):
    N, p = Z.shape[0], U.shape[2]
    out = torch.zeros_like(Z)
    for u in U:
        A = Z @ u
        for i in range(N):
            w = torch.tensor([float(A[i] @ A[j]) for j in range(N)], dtype=Z.dtype)
            w = torch.exp(w - w.max())
            w = w / w.sum()
            out[i] += (w[:, None] * A).sum(0) @ u.T
    return p / (N * eps ** 2) * out


def test_mssa_matches_naive_loop_and_batches():
    Z, U = _case(5, N=6, d=8, K=2, scale=1.5)
    torch.testing.assert_close(cr.mssa(Z, U, 0.5), _naive_mssa(Z, U, 0.5), rtol=1e-10, atol=1e-12)
    Zb = torch.stack([Z, 2 * Z])
    out = cr.mssa(Zb, U, 0.5)
    torch.testing.assert_close(out[1], cr.mssa(2 * Z, U, 0.5))
    # softmax rows sum to one: the attention of one token to identical tokens returns the token's projection
    same = Z[:1].repeat(5, 1)
    torch.testing.assert_close(cr.mssa(same, U, 0.5), 4 / (5 * 0.25) * same @ sum(u @ u.T for u in U))


@pytest.mark.parametrize("eta,lam", [(0.1, 0.1), (0.5, 0.0), (1.0, 2.0)])
def test_ista_block_equals_lesson03_ista_step(eta, lam):
    g = torch.Generator().manual_seed(6)
    Z = torch.randn(20, 8, generator=g, dtype=torch.float64)
    D = torch.randn(8, 8, generator=g, dtype=torch.float64) / 3
    ours = cr.ista_block(Z, D, eta, lam)
    torch.testing.assert_close(ours, sparse.ista_step(Z, Z, D, lam, step=eta, nonnegative=True), rtol=0, atol=1e-13)
    assert (ours >= 0).all()
    # the module form and a batched input give the same numbers
    blk = cr.ISTABlock(8, eta, lam).double()
    with torch.no_grad():
        blk.D.copy_(D)
    torch.testing.assert_close(blk(Z[None])[0], ours)


def test_nonzero_fraction_and_patchify():
    assert cr.nonzero_fraction(torch.tensor([[0.0, 1.0], [0.0, -2.0]])) == 0.5
    assert cr.nonzero_fraction(torch.tensor([0.1, 1.0]), tol=0.5) == 0.5
    X = torch.arange(2 * 16, dtype=torch.float32).reshape(2, 16)
    P = cr.patchify(X, 2, 4)
    assert P.shape == (2, 4, 4)
    torch.testing.assert_close(P[0, 1], torch.tensor([2.0, 3.0, 6.0, 7.0]))      # top-right 2x2 patch
    torch.testing.assert_close(cr.patchify(X.reshape(2, 4, 4), 2, 4), P)


def test_models_shapes_training_and_matched_parameters():
    g = torch.Generator().manual_seed(0)
    X = torch.rand(64, 784, generator=g)
    y = torch.randint(0, 10, (64,), generator=g)
    m = cr.CRATE(16, 2, 2, generator=0)
    assert m(X).shape == (64, 10)
    assert len(m.layers_out(X[:3])) == 2 and m.layers_out(X[:3])[0][1].min() >= 0     # ISTA outputs ≥ 0
    stats = cr.layer_statistics(m, X[:8])
    assert len(stats["compression"]) == 2 and all(0 <= v <= 1 for v in stats["nonzero"])
    h = training.fit(m, training.cross_entropy, (X, y), steps=30, batch_size=64, lr=1e-2, generator=0, progress=False)
    assert h["loss"][-1] < h["loss"][0]
    n = training.count_parameters(m)
    w = cr.vit_width_for(n, depth=2, heads=2)
    nv = training.count_parameters(cr.ViT(w, 2, 2, generator=0))
    for w2 in (w - 2, w + 2):
        assert abs(training.count_parameters(cr.ViT(w2, 2, 2, generator=0)) - n) >= abs(nv - n)
    assert cr.ViT(w, 2, 2, generator=0, pool="mean")(X).shape == (64, 10)
    # same seed, same weights
    a, b = cr.CRATE(16, 2, 2, generator=3), cr.CRATE(16, 2, 2, generator=3)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_on_device(device):
    Z, U = _case(7, N=6, d=8, K=2, dtype=torch.float32)
    Z, U = Z.to(device), U.to(device)
    out = cr.mssa(Z, U)
    assert out.device.type == device.type
    torch.testing.assert_close(out.cpu(), cr.mssa(Z.cpu(), U.cpu()), rtol=1e-4, atol=1e-5)
    g = cr.compression_gradient(Z, U)
    torch.testing.assert_close(g.cpu(), cr.compression_gradient(Z.cpu(), U.cpu()), rtol=1e-4, atol=1e-5)
    D = torch.eye(8, device=device) * 0.5
    assert cr.ista_block(Z, D).device.type == device.type
    m = cr.CRATE(16, 1, 2, generator=0).to(device)
    assert m(torch.rand(4, 784, device=device)).device.type == device.type


def test_half_and_grad_inputs():
    Z, U = _case(8, N=6, d=8, K=2, dtype=torch.float32)
    assert cr.mssa(Z.half(), U).dtype == torch.float32
    Zr = Z.clone().requires_grad_(True)
    cr.mssa(Zr, U).sum().backward()
    assert Zr.grad is not None and torch.isfinite(Zr.grad).all()


def test_bad_inputs_name_the_argument():
    Z, U = _case()
    with pytest.raises(ValueError, match="U must have shape"):
        cr.compression_rate(Z, U[:, :5])
    with pytest.raises(ValueError, match="U must have 3 dimensions"):
        cr.mssa(Z, U[0])
    with pytest.raises(ValueError, match="eps"):
        cr.compression_gradient(Z, U, eps=0.0)
    with pytest.raises(ValueError, match="attention"):
        cr.mssa(Z, U, attention="linear")
    with pytest.raises(ValueError, match="kappa"):
        cr.mssa_step(Z, U, kappa=-1.0)
    with pytest.raises(ValueError, match="Z contains NaN"):
        cr.mssa(torch.full_like(Z, float("nan")), U)
    with pytest.raises(ValueError, match="D must have shape"):
        cr.ista_block(Z, torch.eye(5, dtype=Z.dtype))
    with pytest.raises(ValueError, match="lam"):
        cr.ista_block(Z, torch.eye(8, dtype=Z.dtype), lam=-0.1)
    with pytest.raises(ValueError, match="patch must divide"):
        cr.patchify(torch.zeros(2, 784), 5)
    with pytest.raises(ValueError, match="heads must divide"):
        cr.CRATE(10, 1, 3)
    with pytest.raises(ValueError, match="pool"):
        cr.ViT(8, 1, 2, pool="max")
    with pytest.raises(TypeError, match="model must be a CRATE"):
        cr.layer_statistics(cr.ViT(8, 1, 2), torch.zeros(2, 784))
    with pytest.raises(TypeError, match="generator must be None, an int seed or a torch.Generator"):
        cr.CRATE(8, 1, 2, generator="seed")


def test_gradient_series_is_eq4_at_order_1_and_tends_to_the_exact_gradient():
    g = torch.Generator().manual_seed(5)
    Z = 0.2 * torch.randn(12, 8, generator=g, dtype=torch.float64)
    U = cr.orthogonal_subspaces(8, 2, generator=1)
    torch.testing.assert_close(cr.compression_gradient_series(Z, U, 0.5, order=1),
                               cr.compression_gradient_first_order(Z, U, 0.5), rtol=1e-13, atol=1e-15)
    exact = cr.compression_gradient(Z, U, 0.5)
    errs = [float((cr.compression_gradient_series(Z, U, 0.5, order=o) - exact).norm() / exact.norm()) for o in range(5)]
    assert all(b < a for a, b in zip(errs, errs[1:])), errs           # each further term helps
    # truncating after (−βG)^2 leaves an error of the third order: halving Z divides it by about 2^6
    half = [float((cr.compression_gradient_series(s * Z, U, 0.5, order=2) - cr.compression_gradient(s * Z, U, 0.5)).norm()
                  / cr.compression_gradient(s * Z, U, 0.5).norm()) for s in (1.0, 0.5)]
    assert 5.5 < math.log2(half[0] / half[1]) < 6.5, half
    with pytest.raises(ValueError, match="order"):
        cr.compression_gradient_series(Z, U, 0.5, order=-1)
