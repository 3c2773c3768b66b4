"""Checks of lesson 19's exercises (diffusion on low-dimensional data).

References: the course's ``diffusion.optimal_denoiser`` on zero-padded bases (19.denoiser); a Monte-Carlo
estimate of the optimal denoiser's mean squared error, computed with the course's denoiser (19.mmse); the
course's DDIM sampler run with the empirical (memorising) denoiser, fresh samples of the data distribution,
near-copies of training points and a change of units (19.memorised).
"""
import math

import numpy as np

from ..registry import Feedback, exercise, expect, expect_array, part
from ._common import later

LESSON = "19_diffusion"


def _orth(g, D, d):
    q, _ = np.linalg.qr(g.standard_normal((D, d)))
    return q


# ------------------------------------------------------------------ 19.denoiser

def _course(y, sigma, bases, weights):
    import torch

    from ...diffusion import optimal_denoiser
    return optimal_denoiser(torch.from_numpy(y), sigma, [torch.from_numpy(b) for b in bases],
                            torch.from_numpy(np.asarray(weights, float))).numpy()


_DEN = ("returns an (n, D) array", "matches the posterior mean when all subspaces have the same dimension",
        "matches it when the dimensions differ", "stays finite at small noise and far from the data")


@exercise("19.denoiser", lesson=LESSON, function="optimal_denoiser_np", title="the optimal denoiser of a mixture of subspaces",
          parts=dict(zip(_DEN, (1, 1, 1, 1))))
def _test_denoiser(f):
    g = np.random.default_rng(0)
    same = (g.standard_normal((7, 6)), 0.6, [_orth(g, 6, 2), _orth(g, 6, 2), _orth(g, 6, 2)], [0.2, 0.5, 0.3])
    diff = (g.standard_normal((9, 5)) * 1.5, 0.8, [_orth(g, 5, 1), _orth(g, 5, 3)], [0.5, 0.5])
    small = (40 * g.standard_normal((5, 8)), 0.01, [_orth(g, 8, 2), _orth(g, 8, 3)], [0.6, 0.4])

    def run(case):
        y, s, B, w = case
        return f(y.copy(), s, [b.copy() for b in B], list(w))

    outs = [run(c) for c in (same, diff, small)]

    def arr(out, case):
        return expect_array(out, "the denoised points", shape=case[0].shape)

    with part(_DEN[0]):
        for out, c in zip(outs, (same, diff, small)):
            arr(out, c)
    for title, case, out, hint in [
        (_DEN[1], same, outs[0], "Check the shrinkage 1/(1 + σ²) of each projection and the responsibilities: a "
                                 "softmax over k of log π_k + ‖U_kᵀy‖²/(2σ²(1 + σ²)) (hard assignments are wrong)."),
        (_DEN[2], diff, outs[1], "With subspaces of different dimensions the Gaussian normalisation matters: "
                                 "log det(U_kU_kᵀ + σ²I) = d_k log(1 + σ²) + (D − d_k) log σ² differs between components.")]:
        with part(title):
            got, want = later(arr, out, case), _course(*case)
            err = np.abs(got - want).max()
            if not err < 1e-8:
                i, j = np.unravel_index(np.argmax(np.abs(got - want)), got.shape)
                raise Feedback(f"entry ({i}, {j}) is {got[i, j]:.6g}, expected {want[i, j]:.6g} (largest error "
                               f"{err:.3g}). {hint}")
    with part(_DEN[3]):
        got = later(arr, outs[2], small)
        expect(np.isfinite(got).all(), "at σ = 0.01 with ‖y‖ ≈ 100 your result has NaN or inf: the logits are of "
                                       "order 10⁷, so subtract their maximum before exponentiating (log-sum-exp).")
        want = _course(*small)
        expect(np.abs(got - want).max() < 1e-6 * (1 + np.abs(want).max()),
               "at σ = 0.01 far from the data your result differs from the posterior mean.")


# ------------------------------------------------------------------ 19.mmse

def _mc_mmse(d, s, sigma, D=6, n=200_000, seed=0):
    import torch

    from ...diffusion import optimal_denoiser
    g = torch.Generator().manual_seed(seed)
    U, _ = torch.linalg.qr(torch.randn(D, d, generator=g, dtype=torch.float64))
    x0 = s * torch.randn(n, d, generator=g, dtype=torch.float64) @ U.T
    y = x0 + sigma * torch.randn(n, D, generator=g, dtype=torch.float64)
    # x0 = s·U a is N(0, U (s² I) Uᵀ): the course's denoiser of the rescaled data y/s at noise σ/s, times s
    est = s * optimal_denoiser(y / s, sigma / s, U[None])
    err = ((est - x0) ** 2).sum(1)
    return float(err.mean()), float(err.std() / math.sqrt(n))


_MM = ("returns a number", "agrees with a Monte-Carlo estimate", "has the right small- and large-noise limits")


@exercise("19.mmse", lesson=LESSON, function="mmse_subspace", title="the error of the optimal denoiser on one subspace",
          parts=dict(zip(_MM, (1, 2, 1))))
def _test_mmse(f):
    cases = [(2, 1.0, 0.5), (3, 2.0, 1.0), (1, 0.5, 2.0)]

    def num(out, what):
        arr = expect_array(out, what)
        expect(arr.size == 1, f"{what} should be one number, got shape {arr.shape}.")
        v = float(arr.reshape(()))
        expect(math.isfinite(v), f"{what} is {v}: expected a finite number.")
        return v

    outs = [f(d, s, sig) for d, s, sig in cases]
    with part(_MM[0]):
        for out, (d, s, sig) in zip(outs, cases):
            num(out, f"mmse_subspace({d}, {s}, {sig})")
    with part(_MM[1]):
        for out, (d, s, sig) in zip(outs, cases):
            got = later(num, out, "the error")
            mc, se = _mc_mmse(d, s, sig)
            if abs(got - mc) > 6 * se + 1e-3:
                raise Feedback(f"for d = {d}, s = {s}, σ = {sig}: you return {got:.4f}, a Monte-Carlo estimate of "
                               f"E‖E[x0|y] − x0‖² gives {mc:.4f} ± {se:.4f}. Only the d directions of the subspace carry "
                               "error (off it the posterior mean is exactly 0); each is a scalar Gaussian problem.")
    with part(_MM[2]):
        d, s = 4, 1.5
        lo = num(f(d, s, 1e-4), "the error at σ = 1e-4")
        hi = num(f(d, s, 1e4), "the error at σ = 1e4")
        expect(abs(lo / (d * 1e-8) - 1) < 1e-3, f"as σ → 0 the error should behave like d σ² (the noise inside the "
                                                f"subspace is all that remains), got {lo:.4g} at σ = 1e-4, d = {d}.")
        expect(abs(hi / (d * s ** 2) - 1) < 1e-3, f"as σ → ∞ the posterior mean tends to 0 and the error to "
                                                  f"E‖x0‖² = d s² = {d * s ** 2:g}, got {hi:.4g}.")


# ------------------------------------------------------------------ 19.memorised

def _memo_data(seed, scale=1.0):
    import torch

    from ...diffusion import empirical_denoiser, linear_schedule, random_subspaces, sample, sample_mixture
    U = random_subspaces(2, 20, 5, generator=seed, dtype=torch.float64)
    train, _ = sample_mixture(30, U, generator=seed + 1)
    fresh, _ = sample_mixture(200, U, generator=seed + 2)
    z = torch.randn(100, 20, generator=torch.Generator().manual_seed(seed + 3), dtype=torch.float64)
    copies = sample(lambda y, s: empirical_denoiser(y, s, train), z, linear_schedule(), steps=25)
    g = torch.Generator().manual_seed(seed + 4)
    near = train[torch.randint(0, 30, (50,), generator=g)] + 1e-3 * torch.randn(50, 20, generator=g, dtype=torch.float64)
    return [scale * t.numpy() for t in (train, fresh, copies, near)]


_MEM = ("returns one boolean per sample", "flags the samples of the memorising (empirical) denoiser",
        "flags near-copies of training points", "does not flag new samples of the distribution",
        "does not depend on the units")


@exercise("19.memorised", lesson=LESSON, function="is_memorised", title="a memorisation test",
          parts=dict(zip(_MEM, (1, 1, 1, 1, 1))))
def _test_memorised(f):
    train, fresh, copies, near = _memo_data(0)

    def flags(out, n, what):
        expect(out is not None, f"{what}: nothing was returned (did you forget a `return`?).")
        arr = np.asarray(out.detach().cpu() if hasattr(out, "detach") else out)
        expect(arr.shape == (n,), f"{what} has shape {arr.shape}, expected ({n},): one flag per sample.")
        expect(arr.dtype == bool or (np.issubdtype(arr.dtype, np.number) and set(np.unique(arr)).issubset({0, 1})),
               f"{what} should be booleans (True: a copy of a training point), got dtype {arr.dtype}.")
        return arr.astype(bool)

    o_copies, o_near, o_fresh = f(copies.copy(), train.copy()), f(near.copy(), train.copy()), f(fresh.copy(), train.copy())
    with part(_MEM[0]):
        flags(o_copies, len(copies), "the flags of 100 samples")
    with part(_MEM[1]):
        r = later(flags, o_copies, len(copies), "the flags").mean()
        expect(r >= 0.95, f"only {r:.0%} of the empirical denoiser's samples are flagged; they are training points up to "
                          "floating-point error (compare with the nearest training point, not with exact equality).")
    with part(_MEM[2]):
        r = later(flags, o_near, len(near), "the flags").mean()
        expect(r >= 0.95, f"only {r:.0%} of training points moved by 1e-3 are flagged: a near-copy is still a copy.")
    with part(_MEM[3]):
        r = later(flags, o_fresh, len(fresh), "the flags").mean()
        expect(r <= 0.10, f"{r:.0%} of new samples of the distribution are flagged as copies: your test is too loose "
                          "(a new sample is as far from its nearest training point as from the next ones).")
    with part(_MEM[4]):
        for scale in (1000.0, 0.001):
            t2, f2, c2, n2 = _memo_data(0, scale=scale)
            a = later(flags, f(n2.copy(), t2.copy()), len(n2), "the flags").mean()
            b = later(flags, f(f2.copy(), t2.copy()), len(f2), "the flags").mean()
            expect(a >= 0.95 and b <= 0.10, f"with the data in other units (×{scale:g}) {a:.0%} of near-copies and "
                                            f"{b:.0%} of new samples are flagged: an absolute distance threshold depends "
                                            "on the units; compare distances with each other instead.")
