"""Checks of lesson 21's exercises (superposition, sparse autoencoders, neural collapse).

References: the defining properties of a simplex ETF (21.etf); a Monte Carlo estimate and the closed form
of the antipodal configuration's loss (21.antipodal); training the course's toy models at the learner's
density (21.pentagon).
"""
import numpy as np

from ..registry import Feedback, exercise, expect, expect_array, part
from ._common import later

LESSON = "21_superposition"

# ------------------------------------------------------------------ 21.etf

_ETF = ("returns a finite (d, K) array with d <= K", "unit-norm columns", "pairwise inner products -1/(K-1)")


@exercise("21.etf", lesson=LESSON, function="simplex_etf_np", title="build a simplex ETF",
          parts=dict(zip(_ETF, (1, 1, 2))))
def _test_etf(f):
    Ks = [2, 3, 5, 10]
    outs = {K: f(K) for K in Ks}

    def arr(o, K):
        a = expect_array(o, f"simplex_etf_np({K})")
        expect(a.ndim == 2 and a.shape[1] == K and a.shape[0] <= K,
               f"simplex_etf_np({K}) should be (d, {K}) with d <= {K} (one column per vector), got shape {a.shape}.")
        return a

    with part(_ETF[0]):
        for K, o in outs.items():
            arr(o, K)
    with part(_ETF[1]):
        for K, o in outs.items():
            n = np.linalg.norm(later(arr, o, K), axis=0)
            expect(np.allclose(n, 1, atol=1e-8), f"for K = {K} the column norms are {np.round(n, 4)}; rescale each "
                                                  "column to length 1.")
    with part(_ETF[2]):
        for K, o in outs.items():
            V = later(arr, o, K)
            V = V / np.linalg.norm(V, axis=0)
            G = V.T @ V
            off = G[~np.eye(K, dtype=bool)]
            want = -1.0 / (K - 1)
            if np.abs(off - want).max() > 1e-8:
                raise Feedback(f"for K = {K} the inner products between different columns range over "
                               f"[{off.min():.4f}, {off.max():.4f}], expected all equal to -1/(K-1) = {want:.4f}. "
                               "Orthogonal vectors give 0; the ETF's vectors must also sum to zero.")


# ------------------------------------------------------------------ 21.antipodal

_AP = ("returns one finite number", "matches Eq. (4) at a = 1", "matches a Monte Carlo estimate for a < 1")


def _reference(p, r, a):
    c = 1.0 - a * a
    return p * (1 - p) * r * c * c / 3 + p * p * (a * a / 3 - a ** 3 / 6 + r * (1 / 3 - a / 4 + (1 - c ** 3) / (12 * a)))


def _monte_carlo(p, r, a, n=400_000, seed=0):
    g = np.random.default_rng(seed)
    x = g.random((n, 2)) * (g.random((n, 2)) < p)
    W = np.array([[1.0, -a]])
    out = np.maximum(x @ W.T @ W, 0)
    return float((((x - out) ** 2) * np.array([1.0, r])).sum(1).mean()), float(
        ((((x - out) ** 2) * np.array([1.0, r])).sum(1)).std() / np.sqrt(n))


@exercise("21.antipodal", lesson=LESSON, function="antipodal_loss", title="the cost of an antipodal pair",
          parts=dict(zip(_AP, (1, 1, 2))))
def _test_antipodal(f):
    at_one = [(0.1, 1.0), (0.3, 2.0), (0.05, 0.5)]
    general = [(0.2, 1.0, 0.7), (0.4, 2.0, 0.5), (0.1, 0.5, 0.9)]
    outs1 = [f(p, r, 1.0) for p, r in at_one]
    outs2 = [f(p, r, a) for p, r, a in general]

    def val(o):
        arr = expect_array(o, "antipodal_loss(p, r, a)")
        expect(arr.size == 1, f"antipodal_loss(p, r, a) should be one number, got shape {arr.shape}.")
        return float(arr.reshape(()))

    with part(_AP[0]):
        for o in outs1 + outs2:
            val(o)
    with part(_AP[1]):
        for (p, r), o in zip(at_one, outs1):
            got, want = later(val, o), (1 + r) * p * p / 6
            expect(abs(got - want) <= 1e-9 + 1e-6 * want,
                   f"antipodal_loss({p}, {r}, 1) = {got:.6g}, expected (1 + r) p² / 6 = {want:.6g}. Interference "
                   "only happens when both features are active (probability p²).")
    with part(_AP[2]):
        for (p, r, a), o in zip(general, outs2):
            got = later(val, o)
            mc, se = _monte_carlo(p, r, a)
            want = _reference(p, r, a)
            expect(abs(got - want) <= 1e-6 * max(want, 1e-12) + 1e-9,
                   f"antipodal_loss({p}, {r}, {a}) = {got:.6g}; a Monte Carlo estimate gives {mc:.6g} ± {se:.1g}. "
                   "With a < 1 there is also an error when only x2 is active: x'_2 = a² x2.")


# ------------------------------------------------------------------ 21.pentagon

_PEN = ("returns a density in [0.08, 1]", "all five features represented in at least 2 of 3 seeds")


@exercise("21.pentagon", lesson=LESSON, function="pentagon_density", title="where the pentagon appears",
          timeout=60.0, parts=dict(zip(_PEN, (1, 2))))
def _test_pentagon(f):
    out = f()

    def dens(o):
        arr = expect_array(o, "pentagon_density()")
        expect(arr.size == 1, f"pentagon_density() should return one number, got shape {arr.shape}.")
        p = float(arr.reshape(()))
        expect(0.08 <= p <= 1.0, f"pentagon_density() = {p:g}; expected a density in [0.08, 1]. Very sparse "
                                  "features surely superpose: find the largest density at which they still do.")
        return p

    with part(_PEN[0]):
        dens(out)
    with part(_PEN[1]):
        p = later(dens, out)
        import torch

        from ...superposition import feature_norms, train_toy_models
        model, _ = train_toy_models(5, 2, torch.full((3,), 1 - p), steps=2000, batch_size=512, lr=1e-2, generator=21)
        counts = (feature_norms(model.W) > 0.5).sum(-1).tolist()
        expect(sum(c == 5 for c in counts) >= 2,
               f"at p = {p:g} the three seeds represent {counts} of the 5 features; expected all 5 in at least 2 "
               "seeds. Denser features pay more for interference: lower p.")
