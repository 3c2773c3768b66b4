"""Checks of lesson 06's exercises (low-rank adaptation).

References: the course library's :class:`lowdim_utils.lora.LoRALinear` (its forward pass, and torch
autograd through its effective weight for the gradients; tested in ``tests/test_lora.py``) and
weight matrices built with known singular vectors (06.intruders).
"""
import numbers

import numpy as np
import torch

from ..registry import Feedback, exercise, expect, expect_array, expect_close, part
from ._common import later

LESSON = "06_lora"


def _layer(seed, n=7, d_in=11, d_out=5, r=3):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d_in, generator=g, dtype=torch.float64)
    W0 = torch.randn(d_out, d_in, generator=g, dtype=torch.float64) / d_in ** 0.5
    b0 = torch.randn(d_out, generator=g, dtype=torch.float64)
    A = torch.randn(r, d_in, generator=g, dtype=torch.float64) / d_in ** 0.5
    B = torch.randn(d_out, r, generator=g, dtype=torch.float64)
    return x, W0, b0, A, B


def _lora_layer(W0, b0, A, B, alpha):
    """The course's LoRALinear with the given frozen weight, bias and factors."""
    from ...lora import LoRALinear
    d_out, d_in = W0.shape
    base = torch.nn.Linear(d_in, d_out, dtype=W0.dtype)
    with torch.no_grad():
        base.weight.copy_(W0)
        base.bias.copy_(b0)
    layer = LoRALinear(base, A.shape[0], alpha)
    with torch.no_grad():
        layer.lora_A.copy_(A)
        layer.lora_B.copy_(B)
    return layer


# ------------------------------------------------------------------ 06.forward

_FORWARD = ("returns an (n, d_out) tensor and leaves the inputs unchanged", "with B = 0 it is the pretrained layer",
            "matches lowdim_utils.lora.LoRALinear")


@exercise("06.forward", lesson=LESSON, function="lora_forward", title="the LoRA forward pass",
          parts=dict(zip(_FORWARD, (1, 1, 2))))
def _test_forward(f):
    runs, unchanged = [], True
    for seed, (n, d_in, d_out, r, alpha) in enumerate([(7, 11, 5, 3, 6.0), (4, 6, 9, 2, 1.0), (1, 8, 8, 4, 16.0)]):
        x, W0, b0, A, B = _layer(seed, n, d_in, d_out, r)
        args = [t.clone() for t in (x, W0, b0, A, B)]
        out = f(*args, alpha)
        unchanged &= all(torch.equal(a, t) for a, t in zip(args, (x, W0, b0, A, B)))
        runs.append((x, W0, b0, A, B, alpha, out))
    x5, W05, b05, A5, B5 = _layer(5)
    zero_B = f(x5, W05, b05, A5, torch.zeros_like(B5), 8.0)

    def output(x, W0, out, what="the output"):
        expect(isinstance(out, torch.Tensor), f"return a torch tensor, got {type(out).__name__}"
               + (" (did you forget a `return`?)" if out is None else "") + ".")
        return expect_array(out, what, shape=(x.shape[0], W0.shape[0]))

    with part(_FORWARD[0]):
        expect(unchanged, "your function modified one of its inputs in place; build new tensors instead "
                          "(no in-place update of W0).")
        for x, W0, *_, out in runs:
            output(x, W0, out)
        output(x5, W05, zero_B, "the output with B = 0")
    with part(_FORWARD[1]):
        got = later(output, x5, W05, zero_B, "the output with B = 0")
        frozen = _lora_layer(W05, b05, A5, torch.zeros_like(B5), 8.0).base
        with torch.no_grad():
            want = frozen(x5).numpy()
        if np.allclose(got + b05.numpy(), want):
            raise Feedback("with B = 0 the output should be the pretrained layer's x W0ᵀ + b0, but the bias b0 "
                           "is missing.")
        expect_close(got, want, "the output with B = 0", rtol=1e-12, atol=1e-12,
                     hint="With B = 0 the update vanishes and the layer is the pretrained one, x W0ᵀ + b0.")
    with part(_FORWARD[2]):
        for x, W0, b0, A, B, alpha, out in runs:
            arr = later(output, x, W0, out)
            layer = _lora_layer(W0, b0, A, B, alpha)
            with torch.no_grad():
                ref, base = layer(x).numpy(), layer.base(x).numpy()
            r = A.shape[0]
            if np.allclose(arr, base) and not np.allclose(arr, ref):
                raise Feedback("the output equals the frozen layer's x W0ᵀ + b: the low-rank term is missing.")
            if np.allclose(arr + b0.numpy(), ref):
                raise Feedback("the bias b0 of the pretrained layer is missing.")
            term, want = arr - base, ref - base     # the low-rank contributions, yours and the expected one
            c = float(np.sum(term * want) / np.sum(want * want))
            if abs(c - 1) > 1e-9 and np.allclose(term, c * want, rtol=1e-9, atol=1e-12):
                s = alpha / r
                named = {1.0: "is not scaled", alpha: "is scaled by alpha instead of alpha/r",
                         r / alpha: "is scaled by r/alpha instead of alpha/r"}
                what = next((v for k, v in named.items() if np.isclose(c * s, k)),
                            f"is scaled by {c * s:.4g} instead of alpha/r = {s:.4g}")
                raise Feedback(f"the low-rank term {what} (with alpha = {alpha:g}, r = {r}); the scale "
                               "is s = alpha / r with r = A.shape[0].")
            expect_close(arr, ref, f"the output (alpha = {alpha:g}, r = {r})", rtol=1e-10, atol=1e-12,
                         hint="The layer computes x W0ᵀ + b0 plus the low-rank term of Eq. (1) — x through A, "
                              "then through B — scaled by s = alpha / r with r = A.shape[0].")


# ------------------------------------------------------------------ 06.grads

def _autograd_reference(G, A, B, s):
    """dL/dA and dL/dB by torch autograd through LoRALinear's effective weight W = W0 + s·B A,
    for the loss L(W) = Σ G ∘ W (linear in W, so dL/dW = G)."""
    d_out, d_in = G.shape
    r = A.shape[0]
    layer = _lora_layer(torch.zeros(d_out, d_in, dtype=G.dtype), torch.zeros(d_out, dtype=G.dtype), A, B, s * r)
    (G * layer.weight).sum().backward()
    return layer.lora_A.grad.detach(), layer.lora_B.grad.detach()


_GRADS = ("returns (grad_A, grad_B) shaped like A and B", "grad_A matches autograd", "grad_B matches autograd")


@exercise("06.grads", lesson=LESSON, function="lora_grads", title="gradients of A and B from the full gradient",
          parts=dict(zip(_GRADS, (1, 1, 1))))
def _test_grads(f):
    runs = []
    for seed, (d_in, d_out, r, s) in enumerate([(11, 5, 3, 2.0), (6, 6, 2, 0.5), (4, 9, 1, 3.0)]):
        _, _, _, A, B = _layer(seed, 2, d_in, d_out, r)
        G = torch.randn(d_out, d_in, generator=torch.Generator().manual_seed(100 + seed), dtype=torch.float64)
        runs.append((G, A, B, s, f(G.clone(), A.clone(), B.clone(), s)))

    def grads(A, B, out):
        expect(isinstance(out, tuple) and len(out) == 2,
               f"return a pair (grad_A, grad_B), got {type(out).__name__}"
               + (f" of length {len(out)}" if isinstance(out, tuple) else "")
               + (" (did you forget a `return`?)" if out is None else "") + ".")
        return (expect_array(out[0], "grad_A", shape=tuple(A.shape)),
                expect_array(out[1], "grad_B", shape=tuple(B.shape)))

    with part(_GRADS[0]):
        for _, A, B, _, out in runs:
            grads(A, B, out)
    hints = {"grad_A": "By the chain rule through ΔW = s·B A, grad_A (shape (r, d_in), like A) combines G with B: "
                       "check on which side of G the factor goes, and whether it is transposed.",
             "grad_B": "By the chain rule through ΔW = s·B A, grad_B (shape (d_out, r), like B) combines G with A; "
                       "with a square layer, a transposed G still fits the shapes but is wrong."}
    for i, name in enumerate(("grad_A", "grad_B")):
        with part(_GRADS[1 + i]):
            for G, A, B, s, out in runs:
                got = later(grads, A, B, out)[i]
                ref = _autograd_reference(G, A, B, s)[i].numpy()
                if np.allclose(got * s, ref):
                    raise Feedback(f"{name} is missing the factor s = alpha/r: ΔW = s·B A, so the chain rule "
                                   "brings one s.")
                if np.allclose(got, ref * s):
                    raise Feedback(f"{name} has the factor s twice; the chain rule through ΔW = s·B A brings it once.")
                expect_close(got, ref, f"{name} (s = {s:g}, layer {tuple(G.shape)})", rtol=1e-10, atol=1e-12,
                             hint=hints[name])


# ------------------------------------------------------------------ 06.intruders

def _orth(n, k, g):
    return torch.linalg.qr(torch.randn(n, k, generator=g, dtype=torch.float64))[0]


def _orth_to(Q, g):
    w = torch.randn(Q.shape[0], generator=g, dtype=torch.float64)
    w = w - Q @ (Q.T @ w)
    return w / w.norm()


def _intruder_cases():
    """(group, description, W, k, eps, expected count); W0 = the first case's W."""
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
    same = [("same", "W = W0 (nothing changed)", W0.clone(), 10, 0.5, 0),
            ("same", "W = −W0 (signs of singular vectors are arbitrary)", -W0, 10, 0.5, 0),
            ] + [("same", f"W with W0's left singular vectors and flipped right ones (draw {i})",
                  (U0 * S0) @ (V0 * torch.where(torch.rand(d_in, generator=g) < 0.5, -1.0, 1.0).double()).T,
                  10, 0.5, 0) for i in range(3)]
    new = [("new", "W0 plus a large update along a new direction", W0 + 20.0 * torch.outer(u, v), 10, 0.5, 1),
           ("all", "W0 with its smallest singular direction boosted to the top",
            W0 + 30.0 * torch.outer(U0[:, -1], V0[:, -1]), 5, 0.5, 0),
           ("new", "W0 plus two new directions", W0 + 20.0 * torch.outer(u, v)
            + 15.0 * torch.outer(_orth_to(torch.cat([U0, u[:, None]], 1), g), V0[:, 5]), 10, 0.5, 2)]
    return same + new


_INTRUDERS = {"returns a whole number": 1, "no intruders when W only changes signs": 1,
              "counts new directions": 1, "a direction of W0 is no intruder, whatever its rank": 1}


@exercise("06.intruders", lesson=LESSON, function="intruder_dimensions", title="counting intruder dimensions",
          parts=_INTRUDERS)
def _test_intruders(f):
    cases = _intruder_cases()
    W0 = cases[0][2]
    outs = [f(W0.clone(), W.clone(), k, eps) for _, _, W, k, eps, _ in cases]

    def count(out):
        if isinstance(out, torch.Tensor) and out.numel() == 1:
            out = out.item()
        if isinstance(out, np.ndarray) and out.size == 1:
            out = out.item()
        expect(isinstance(out, numbers.Real) and not isinstance(out, bool),
               f"return the number of intruder dimensions (an int), got {type(out).__name__}"
               + (" (did you forget a `return`?)" if out is None else "") + ".")
        expect(float(out) == int(out), f"the count should be a whole number, got {out}.")
        return int(out)

    titles = list(_INTRUDERS)
    with part(titles[0]):
        for out in outs:
            count(out)
    general = (" Check three things: the singular vectors are the columns of the U of an SVD (not its rows); "
               "signs are arbitrary, so compare |cos|; and a new direction must be compared with *all* singular "
               "vectors of W0, not only its top k.")
    for title, group in zip(titles[1:], ("same", "new", "all")):
        with part(title):
            for (g, what, _, k, eps, want), out in zip(cases, outs):
                if g != group:
                    continue
                got = later(count, out)
                if got != want:
                    hint = (" That top direction is W0's own last singular vector, so it is no intruder: compare "
                            "with all singular vectors of W0, not only its top k." if group == "all" else general)
                    raise Feedback(f"for {what} (k={k}, eps={eps}) you counted {got} intruder dimensions, "
                                   f"expected {want}.{hint}")
