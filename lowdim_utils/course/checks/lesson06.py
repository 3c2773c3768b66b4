"""Checks of lesson 06's exercises (low-rank adaptation).

References: the course library's :class:`lowdim_utils.lora.LoRALinear` (its forward pass; tested in
``tests/test_lora.py``), the bytes of the tensors of a LoRA model after an Adam step, measured (06.memory),
the best allocation of a rank budget, found by enumeration (06.allocate), and weight matrices built with
known singular vectors (06.intruders).
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


# ------------------------------------------------------------------ 06.memory

def _measured_state_bytes(shapes, r, dtype):
    """Bytes of the parameters, gradients and Adam moments (exp_avg, exp_avg_sq) of linear layers of
    the given shapes, each with a rank-r LoRA adapter, after one Adam step: measured on the tensors."""
    from ...lora import LoRALinear
    g = torch.Generator().manual_seed(0)
    layers = torch.nn.ModuleList()
    for d_out, d_in in shapes:
        base = torch.nn.Linear(d_in, d_out, dtype=dtype)
        layers.append(LoRALinear(base, r, alpha=float(r), generator=g))
    trained = [p for p in layers.parameters() if p.requires_grad]
    opt = torch.optim.Adam(trained, lr=1e-3)
    loss = sum(layer(torch.randn(3, layer.in_features, generator=g, dtype=dtype)).square().mean() for layer in layers)
    loss.backward()
    opt.step()
    size = torch.empty((), dtype=dtype).element_size()
    n = sum(p.numel() for p in layers.parameters()) + sum(p.grad.numel() for p in trained)
    n += sum(st[key].numel() for st in opt.state.values() for key in ("exp_avg", "exp_avg_sq"))
    return n * size


def _memory_cases():
    """(description, shapes, budget, bytes_per_number, dtype, group)."""
    f32, f64 = torch.float32, torch.float64
    s1, s2 = [(30, 20), (20, 20)], [(64, 48)]
    b3 = _measured_state_bytes(s1, 3, f32)
    b5 = _measured_state_bytes(s2, 5, f64)
    return [("two layers (30, 20) and (20, 20), budget = the bytes of rank 3", s1, b3, 4, f32, "fit"),
            ("the same layers, budget one byte below the bytes of rank 3", s1, b3 - 1, 4, f32, "fit"),
            ("one layer (64, 48) in float64 (8 bytes), budget = the bytes of rank 5", s2, b5, 8, f64, "fit"),
            ("one layer (64, 48), a budget far above its largest rank 48", s2, 10**9, 4, f32, "fit"),
            ("two layers (30, 20) and (20, 20), a budget below the frozen weights alone", s1,
             _measured_state_bytes(s1, 1, f32) - 1, 4, f32, "none")]


_MEMORY = ("returns an int or None", "the returned rank fits the budget", "it is the largest rank that fits",
           "returns None when not even r = 1 fits")


@exercise("06.memory", lesson=LESSON, function="largest_rank", title="how large a rank fits", timeout=60,
          parts=dict(zip(_MEMORY, (1, 1, 1, 1))))
def _test_memory(f):
    cases = [(what, shapes, budget, b, dtype, group, f(list(shapes), budget, b))
             for what, shapes, budget, b, dtype, group in _memory_cases()]

    def rank(out, shapes):
        if out is None:
            return None
        if isinstance(out, (np.integer, torch.Tensor)) and not isinstance(out, bool):
            out = int(out)
        expect(isinstance(out, numbers.Integral) and not isinstance(out, bool),
               f"return the rank as an int (or None), got {type(out).__name__} {out!r}"
               + (" (did you forget a `return`?)" if out is None else "") + ".")
        expect(out >= 1, f"a rank is at least 1, got {out}; return None when not even r = 1 fits.")
        top = min(min(s) for s in shapes)
        expect(out <= top, f"r = {out} is larger than the largest possible rank min(d_out, d_in) = {top}.")
        return int(out)

    with part(_MEMORY[0]):
        for what, shapes, budget, b, dtype, group, out in cases:
            rank(out, shapes)
    with part(_MEMORY[1]):
        for what, shapes, budget, b, dtype, group, out in cases:
            r = later(rank, out, shapes)
            if r is None:
                continue
            used = _measured_state_bytes(shapes, r, dtype)
            if used > budget:
                raise Feedback(f"for {what}: at your r = {r} the model needs {used} bytes (measured after an Adam "
                               f"step), more than the budget {budget}. Count every parameter (the frozen weights "
                               "and biases too), the gradients of A and B, and Adam's two moments of A and B.")
    with part(_MEMORY[2]):
        for what, shapes, budget, b, dtype, group, out in cases:
            r = later(rank, out, shapes)
            top = min(min(s) for s in shapes)
            if group != "fit" or (r is not None and r >= top):
                continue
            nxt = 1 if r is None else r + 1
            used = _measured_state_bytes(shapes, nxt, dtype)
            if used <= budget:
                raise Feedback(f"for {what}: you return {r}, but r = {nxt} also fits ({used} bytes measured, budget "
                               f"{budget}). Did you count something twice (Adam keeps two numbers per *trained* "
                               "number, none for the frozen weights)?")
    with part(_MEMORY[3]):
        for what, shapes, budget, b, dtype, group, out in cases:
            r = later(rank, out, shapes)
            if group == "none" and r is not None:
                raise Feedback(f"for {what}: even r = 1 does not fit, but you return {r}; return None then.")


# ------------------------------------------------------------------ 06.allocate

def _allocate_cases():
    """(description, spectra, costs, budget)."""
    i40, i30, i20 = np.arange(40), np.arange(30), np.arange(20)
    two = [3.0 * 0.8 ** i40, 2.0 * 0.85 ** i30]
    three = [4.0 * 0.7 ** i40, 1.5 * 0.95 ** i30, 2.5 * 0.8 ** i20]
    return [("two layers with costs 912 and 256, budget 4672", two, [912, 256], 4672),
            ("the same two layers, budget 2000", two, [912, 256], 2000),
            ("three layers with costs 500, 120 and 300, budget 3000", three, [500, 120, 300], 3000),
            ("three layers, budget 700", three, [500, 120, 300], 700),
            ("two layers, a budget smaller than any rank", two, [912, 256], 100),
            ("two layers, a budget that buys every rank", two, [912, 256], 10**7)]


def _best_energy(spectra, costs, budget):
    """The largest energy any allocation within the budget keeps: enumerate all layers but the last,
    which then takes every rank it can afford (energies are non-negative)."""
    import itertools
    cum = [np.concatenate([[0.0], np.cumsum(np.asarray(s, float) ** 2)]) for s in spectra]
    best = 0.0
    for head in itertools.product(*[range(len(s) + 1) for s in spectra[:-1]]):
        left = budget - sum(r * c for r, c in zip(head, costs))
        if left < 0:
            continue
        last = min(len(spectra[-1]), left // costs[-1])
        best = max(best, sum(c[r] for c, r in zip(cum, head)) + cum[-1][last])
    return best


_ALLOCATE = ("returns one whole, non-negative rank per layer", "stays within the budget",
             "keeps at least 99% of the best achievable energy")


@exercise("06.allocate", lesson=LESSON, function="allocate_ranks", title="spending a budget of ranks", timeout=60,
          parts=dict(zip(_ALLOCATE, (1, 1, 2))))
def _test_allocate(f):
    cases = [(what, spectra, costs, budget, f([s.copy() for s in spectra], list(costs), budget))
             for what, spectra, costs, budget in _allocate_cases()]

    def ranks(out, spectra):
        if isinstance(out, (np.ndarray, torch.Tensor)):
            out = out.tolist()
        expect(isinstance(out, (list, tuple)), f"return a list of ranks, got {type(out).__name__}"
               + (" (did you forget a `return`?)" if out is None else "") + ".")
        expect(len(out) == len(spectra), f"return one rank per layer: {len(spectra)} layers, got {len(out)} ranks.")
        got = []
        for r, s in zip(out, spectra):
            expect(isinstance(r, (numbers.Integral, float, np.floating)) and not isinstance(r, bool) and float(r) == int(r),
                   f"each rank must be a whole number, got {r!r}.")
            expect(0 <= int(r) <= len(s), f"a rank must lie between 0 and the number of singular values ({len(s)}), "
                                          f"got {int(r)}.")
            got.append(int(r))
        return got

    with part(_ALLOCATE[0]):
        for what, spectra, costs, budget, out in cases:
            ranks(out, spectra)
    with part(_ALLOCATE[1]):
        for what, spectra, costs, budget, out in cases:
            rs = later(ranks, out, spectra)
            spent = sum(r * c for r, c in zip(rs, costs))
            expect(spent <= budget, f"for {what}: your ranks {rs} cost {spent} trainable numbers, more than the "
                                    f"budget {budget}. Only add a rank when its cost still fits.")
    with part(_ALLOCATE[2]):
        for what, spectra, costs, budget, out in cases:
            rs = later(ranks, out, spectra)
            kept = sum(float(np.sum(np.asarray(s[:r], float) ** 2)) for s, r in zip(spectra, rs))
            best = _best_energy(spectra, costs, budget)
            if best > 0 and kept < 0.99 * best:
                raise Feedback(f"for {what}: your ranks {rs} keep {kept:.4f} of the energy, but {best:.4f} is "
                               f"achievable within the budget ({kept / best:.1%}). A rank of a cheap layer can be worth "
                               "more than one of an expensive layer even with a smaller singular value: compare the "
                               "energy gained per trainable number.")


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
