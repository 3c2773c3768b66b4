"""Checks of lesson 06's exercises (low-rank adaptation)."""
import numbers

import numpy as np
import torch

from ..registry import Feedback, exercise, expect, expect_array, expect_close

LESSON = "06_lora"


def _layer(seed, n=7, d_in=11, d_out=5, r=3):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d_in, generator=g, dtype=torch.float64)
    W0 = torch.randn(d_out, d_in, generator=g, dtype=torch.float64) / d_in ** 0.5
    b0 = torch.randn(d_out, generator=g, dtype=torch.float64)
    A = torch.randn(r, d_in, generator=g, dtype=torch.float64) / d_in ** 0.5
    B = torch.randn(d_out, r, generator=g, dtype=torch.float64)
    return x, W0, b0, A, B


# ------------------------------------------------------------------ 06.forward
@exercise("06.forward", lesson=LESSON, function="lora_forward", title="the LoRA forward pass")
def _test_forward(f):
    for seed, (n, d_in, d_out, r, alpha) in enumerate([(7, 11, 5, 3, 6.0), (4, 6, 9, 2, 1.0), (1, 8, 8, 4, 16.0)]):
        x, W0, b0, A, B = _layer(seed, n, d_in, d_out, r)
        args = [t.clone() for t in (x, W0, b0, A, B)]
        out = f(*args, alpha)
        expect(all(torch.equal(a, t) for a, t in zip(args, (x, W0, b0, A, B))),
               "your function modified one of its inputs in place; build new tensors instead (no `+=` on W0).")
        expect(isinstance(out, torch.Tensor), f"return a torch tensor, got {type(out).__name__}"
               + (" (did you forget a `return`?)" if out is None else "") + ".")
        ref = x @ W0.T + b0 + (alpha / r) * (x @ A.T) @ B.T
        arr = expect_array(out, "the output", shape=(n, d_out))
        base = (x @ W0.T + b0).numpy()
        if np.allclose(arr, base) and not np.allclose(arr, ref.numpy()):
            raise Feedback("the output equals the frozen layer's x W0ᵀ + b: the low-rank term s·(x Aᵀ) Bᵀ is missing.")
        if np.allclose(arr, (x @ W0.T + (alpha / r) * (x @ A.T) @ B.T).numpy()):
            raise Feedback("the bias b0 of the pretrained layer is missing.")
        for wrong_s, what in [(1.0, "no scale at all"), (alpha, "alpha instead of alpha/r"),
                              (r / alpha, "r/alpha instead of alpha/r")]:
            if abs(wrong_s - alpha / r) > 1e-12 and np.allclose(arr, (x @ W0.T + b0 + wrong_s * (x @ A.T) @ B.T).numpy()):
                raise Feedback(f"the low-rank term is scaled by {what}; the scale is s = alpha / r with r = A.shape[0].")
        expect_close(arr, ref.numpy(), "the output", rtol=1e-10, atol=1e-12,
                     hint="Expected x W0ᵀ + b0 + (alpha/r)·(x Aᵀ) Bᵀ with r = A.shape[0].")
    # zero B: the adapted layer is the pretrained one
    x, W0, b0, A, B = _layer(5)
    out = expect_array(f(x, W0, b0, A, torch.zeros_like(B), 8.0), "the output with B = 0", shape=(x.shape[0], W0.shape[0]))
    expect_close(out, (x @ W0.T + b0).numpy(), "the output with B = 0", rtol=1e-12, atol=1e-12)


@_test_forward.wrong
def _forward_unscaled(x, W0, b0, A, B, alpha):
    return x @ W0.T + b0 + (x @ A.T) @ B.T


@_test_forward.wrong
def _forward_alpha_not_over_r(x, W0, b0, A, B, alpha):
    return x @ W0.T + b0 + alpha * (x @ A.T) @ B.T


@_test_forward.wrong
def _forward_inverted_scale(x, W0, b0, A, B, alpha):
    return x @ W0.T + b0 + (A.shape[0] / alpha) * (x @ A.T) @ B.T


@_test_forward.wrong
def _forward_no_bias(x, W0, b0, A, B, alpha):
    return x @ (W0 + alpha / A.shape[0] * B @ A).T


# ------------------------------------------------------------------ 06.grads
def _autograd_reference(G, A, B, s):
    A_ = A.clone().requires_grad_(True)
    B_ = B.clone().requires_grad_(True)
    # L(W) linear in W with dL/dW = G; W = W0 + s B A
    loss = (G * (s * B_ @ A_)).sum()
    loss.backward()
    return A_.grad, B_.grad


@exercise("06.grads", lesson=LESSON, function="lora_grads", title="gradients of A and B from the full gradient")
def _test_grads(f):
    for seed, (d_in, d_out, r, s) in enumerate([(11, 5, 3, 2.0), (6, 6, 2, 0.5), (4, 9, 1, 3.0)]):
        _, _, _, A, B = _layer(seed, 2, d_in, d_out, r)
        G = torch.randn(d_out, d_in, generator=torch.Generator().manual_seed(100 + seed), dtype=torch.float64)
        out = f(G.clone(), A.clone(), B.clone(), s)
        expect(isinstance(out, tuple) and len(out) == 2,
               f"return a pair (grad_A, grad_B), got {type(out).__name__}"
               + (f" of length {len(out)}" if isinstance(out, tuple) else "") + ".")
        gA_ref, gB_ref = _autograd_reference(G, A, B, s)
        gA = expect_array(out[0], "grad_A", shape=tuple(A.shape))
        gB = expect_array(out[1], "grad_B", shape=tuple(B.shape))
        for name, got, ref in [("grad_A", gA, gA_ref.numpy()), ("grad_B", gB, gB_ref.numpy())]:
            if np.allclose(got * s, ref):
                raise Feedback(f"{name} is missing the factor s = alpha/r: ΔW = s·B A, so the chain rule brings one s.")
            if np.allclose(got, ref * s):
                raise Feedback(f"{name} has the factor s twice; the chain rule through ΔW = s·B A brings it once.")
        expect_close(gA, gA_ref.numpy(), "grad_A", rtol=1e-10, atol=1e-12,
                     hint="grad_A = s·Bᵀ G has shape (r, d_in); check which side G is multiplied on.")
        expect_close(gB, gB_ref.numpy(), "grad_B", rtol=1e-10, atol=1e-12,
                     hint="grad_B = s·G Aᵀ has shape (d_out, r); with a square layer, a transposed G still fits the "
                          "shapes but is wrong.")


@_test_grads.wrong
def _grads_unscaled(G, A, B, scaling):
    return B.T @ G, G @ A.T


@_test_grads.wrong
def _grads_scaled_twice(G, A, B, scaling):
    return scaling ** 2 * B.T @ G, scaling ** 2 * G @ A.T


@_test_grads.wrong
def _grads_transposed_G(G, A, B, scaling):
    # G transposed: fits the shapes only for square layers
    return scaling * B.T @ G.T, scaling * G.T @ A.T


# ------------------------------------------------------------------ 06.intruders
def _orth(n, k, g):
    return torch.linalg.qr(torch.randn(n, k, generator=g, dtype=torch.float64))[0]


def _intruder_cases():
    g = torch.Generator().manual_seed(7)
    d_out, d_in = 30, 12
    U0, V0 = _orth(d_out, d_in, g), _orth(d_in, d_in, g)
    S0 = torch.linspace(5.0, 0.5, d_in, dtype=torch.float64)
    W0 = (U0 * S0) @ V0.T
    # a direction outside the pretrained column space
    u = torch.randn(d_out, generator=g, dtype=torch.float64)
    u = u - U0 @ (U0.T @ u)
    u = u / u.norm()
    v = V0[:, 3]
    cases = [("W = W0 (nothing changed)", W0.clone(), 10, 0.5, 0),
             ("W = −W0 (signs of singular vectors are arbitrary)", -W0, 10, 0.5, 0),
             ] + [(f"W with W0's left singular vectors and flipped right ones (draw {i})",
                   (U0 * S0) @ (V0 * torch.where(torch.rand(d_in, generator=g) < 0.5, -1.0, 1.0).double()).T,
                   10, 0.5, 0) for i in range(3)] + [
             ("W0 plus a large update along a new direction", W0 + 20.0 * torch.outer(u, v), 10, 0.5, 1),
             ("W0 with its smallest singular direction boosted to the top", W0 + 30.0 * torch.outer(U0[:, -1], V0[:, -1]),
              5, 0.5, 0),
             ("W0 plus two new directions", W0 + 20.0 * torch.outer(u, v)
              + 15.0 * torch.outer(_orth_to(torch.cat([U0, u[:, None]], 1), g), V0[:, 5]), 10, 0.5, 2)]
    return cases


def _orth_to(Q, g):
    w = torch.randn(Q.shape[0], generator=g, dtype=torch.float64)
    w = w - Q @ (Q.T @ w)
    return w / w.norm()


@exercise("06.intruders", lesson=LESSON, function="intruder_dimensions", title="counting intruder dimensions")
def _test_intruders(f):
    cases = _intruder_cases()
    W0 = cases[0][1]
    for what, W, k, eps, want in cases:
        out = f(W0.clone(), W.clone(), k, eps)
        if isinstance(out, torch.Tensor) and out.numel() == 1:
            out = out.item()
        if isinstance(out, np.ndarray) and out.size == 1:
            out = out.item()
        expect(isinstance(out, numbers.Real) and not isinstance(out, bool),
               f"return the number of intruder dimensions (an int), got {type(out).__name__}"
               + (" (did you forget a `return`?)" if out is None else "") + ".")
        expect(float(out) == int(out), f"the count should be a whole number, got {out}.")
        if int(out) != want:
            hint = (" Check three things: the singular vectors are the columns U[:, i] of torch.linalg.svd's U "
                    "(not its rows); signs are arbitrary, so compare |cos|; and a new direction must be compared "
                    "with *all* singular vectors of W0, not only its top k.")
            if "smallest" in what:
                hint = (" That top direction is W0's own last singular vector, so it is no intruder: compare with "
                        "all singular vectors of W0, not only its top k.")
            raise Feedback(f"for {what} (k={k}, eps={eps}) you counted {int(out)} intruder dimensions, "
                           f"expected {want}.{hint}")


@_test_intruders.wrong
def _intruders_signed(W0, W, k=10, eps=0.5):
    U0 = torch.linalg.svd(W0, full_matrices=False)[0]
    U = torch.linalg.svd(W, full_matrices=False)[0]
    return int(((U[:, :k].T @ U0).max(dim=1).values < eps).sum())


@_test_intruders.wrong
def _intruders_topk_only(W0, W, k=10, eps=0.5):
    U0 = torch.linalg.svd(W0, full_matrices=False)[0][:, :k]
    U = torch.linalg.svd(W, full_matrices=False)[0]
    return int(((U[:, :k].T @ U0).abs().max(dim=1).values < eps).sum())


@_test_intruders.wrong
def _intruders_rows(W0, W, k=10, eps=0.5):
    U0 = torch.linalg.svd(W0, full_matrices=False)[0]
    U = torch.linalg.svd(W, full_matrices=False)[0]
    return int(((U[:k] @ U0.T).abs().max(dim=1).values < eps).sum())
