"""Checks of lesson 18's exercises (white-box transformers, CRATE).

References: the course's ``crate.mssa`` (18.mssa); a second-order Neumann expansion of the exact gradient
``crate.compression_gradient``, and the order at which its error falls as the tokens shrink (18.neumann);
the course's ``crate.ista_block`` and ``crate.nonzero_fraction`` on new tokens and dictionaries (18.lambda).
"""
import math

import numpy as np

from ..registry import Feedback, exercise, expect, expect_array, part
from ._common import later

LESSON = "18_crate"


def _case(seed, N, d, K, scale=1.0):
    from ...crate import orthogonal_subspaces
    g = np.random.default_rng(seed)
    Z = scale * g.standard_normal((N, d))
    U = orthogonal_subspaces(d, K, generator=seed).numpy()
    return Z, U


# ------------------------------------------------------------------ 18.mssa

_MSSA = ("returns an (N, d) array", "matches the course's MSSA", "stays finite for tokens of large norm")


@exercise("18.mssa", lesson=LESSON, function="mssa_np", title="multi-head subspace self-attention in NumPy",
          parts=dict(zip(_MSSA, (1, 2, 1))))
def _test_mssa(f):
    import torch

    from ...crate import mssa

    cases = [(*_case(0, 7, 8, 2), 0.5), (*_case(1, 12, 12, 4), 1.0), (*_case(2, 5, 6, 1), 0.3)]
    big = (*_case(3, 6, 8, 2, scale=30.0), 0.5)

    def ref(Z, U, eps):
        return mssa(torch.from_numpy(Z), torch.from_numpy(U), eps).numpy()

    outs = [f(Z.copy(), U.copy(), eps) for Z, U, eps in cases]
    with part(_MSSA[0]):
        for (Z, U, eps), out in zip(cases, outs):
            expect_array(out, "MSSA(Z)", shape=Z.shape)
    with part(_MSSA[1]):
        for (Z, U, eps), out in zip(cases, outs):
            got, want = later(expect_array, out, "MSSA(Z)", shape=Z.shape), ref(Z, U, eps)
            if not np.allclose(got, want, rtol=1e-8, atol=1e-10):
                K, N, p = U.shape[0], Z.shape[0], U.shape[2]
                ratio = float(np.sum(got * want) / np.sum(want * want))
                hint = ""
                if abs(ratio - U.shape[1] / p) < 1e-6 or abs(ratio - p / U.shape[1]) < 1e-6:
                    hint = " The factor is β = p / (N ε²) with p the dimension of ONE subspace, not d."
                elif abs(ratio - N * eps ** 2 / p) < 1e-6 or abs(ratio - 1) > 0.5:
                    hint = " Check the prefactor β = p / (N ε²), and that every head's output is summed."
                else:
                    hint = (" Take the softmax of each ROW of A Aᵀ (over the keys) and multiply it by A from the left: "
                            "S A, then U_kᵀ.")
                i, j = np.unravel_index(np.argmax(np.abs(got - want)), got.shape)
                raise Feedback(f"with N = {N}, K = {K}, p = {p}, ε = {eps}: entry {(int(i), int(j))} is {got[i, j]:.6g}, "
                               f"expected {want[i, j]:.6g}.{hint}")
    with part(_MSSA[2]):
        Z, U, eps = big
        with np.errstate(all="ignore"):
            out = f(Z.copy(), U.copy(), eps)
        got = expect_array(out, "MSSA(Z) for tokens of norm ≈ 85")
        expect(np.allclose(got, ref(Z, U, eps), rtol=1e-8, atol=1e-8),
               "for tokens of norm ≈ 85 the result differs from the expected one: exp(A Aᵀ) overflows; subtract each "
               "row's maximum before exponentiating (the softmax does not change).")


# ------------------------------------------------------------------ 18.neumann

def _second_order(Z, U, eps):
    """The reference: the library's Neumann series of the gradient, truncated after (−βG)²."""
    import torch

    from ...crate import compression_gradient_series
    return compression_gradient_series(torch.from_numpy(Z), torch.from_numpy(U), eps, order=2).numpy()


_NEU = ("returns an (N, d) array", "equals the second-order expansion",
        "its error falls like the sixth power of the token scale")


@exercise("18.neumann", lesson=LESSON, function="grad_second_order_np",
          title="the gradient of the compression term to second order", parts=dict(zip(_NEU, (1, 2, 1))))
def _test_neumann(f):
    import torch

    from ...crate import compression_gradient
    cases = [(*_case(10, 8, 8, 2, 0.3), 0.5), (*_case(11, 10, 12, 3, 0.2), 1.0)]
    outs = [f(Z.copy(), U.copy(), eps) for Z, U, eps in cases]
    with part(_NEU[0]):
        for (Z, U, eps), out in zip(cases, outs):
            expect_array(out, "the gradient", shape=Z.shape)
    with part(_NEU[1]):
        for (Z, U, eps), out in zip(cases, outs):
            got, want = later(expect_array, out, "the gradient", shape=Z.shape), _second_order(Z, U, eps)
            if not np.allclose(got, want, rtol=1e-8, atol=1e-12):
                exact = compression_gradient(torch.from_numpy(Z), torch.from_numpy(U), eps).numpy()
                err = np.linalg.norm(got - exact) / np.linalg.norm(exact)
                raise Feedback(f"with N = {Z.shape[0]}, ε = {eps}: your gradient differs from "
                               f"Σ_k β (I − βG + β²G²) A U_kᵀ (relative difference "
                               f"{np.linalg.norm(got - want) / np.linalg.norm(want):.2g}; from the exact gradient "
                               f"{err:.2g}). Expand (I + βG)⁻¹ = I − βG + (βG)² − …: mind the signs and the powers of β.")
    with part(_NEU[2]):
        Z, U = _case(12, 8, 8, 2)
        eps = 0.5
        errs = []
        for s in (0.1, 0.05):
            exact = compression_gradient(torch.from_numpy(s * Z), torch.from_numpy(U), eps).numpy()
            got = expect_array(f(s * Z, U.copy(), eps), "the gradient", shape=Z.shape)
            errs.append(np.linalg.norm(got - exact) / np.linalg.norm(exact))
        order = math.log2(max(errs[0], 1e-300) / max(errs[1], 1e-300))
        expect(order > 5.0, f"halving the tokens divided the relative error by 2^{order:.1f}; the second-order "
                            "expansion leaves a (βG)³ term, so expect about 2^6 (error ∝ scale⁶) for the gradient "
                            "relative to its size.")


# ------------------------------------------------------------------ 18.lambda

_LAM = ("returns a non-negative number", "the block is at least as sparse as the target",
        "it is the smallest such λ", "λ = 0 when the block is already sparse enough")


@exercise("18.lambda", lesson=LESSON, function="lambda_for_sparsity", title="the ISTA threshold for a target sparsity",
          parts=dict(zip(_LAM, (1, 1, 1, 1))))
def _test_lambda(f):
    import torch

    from ...crate import ista_block, nonzero_fraction
    g = np.random.default_rng(20)
    cases = []
    for N, d, eta, target in [(17, 16, 0.1, 0.2), (30, 8, 0.5, 0.05), (9, 24, 0.02, 0.5)]:
        Z = np.abs(g.standard_normal((N, d))) * g.random((N, d))
        D = g.standard_normal((d, d)) / math.sqrt(d)
        cases.append((Z, D, eta, target))

    def frac(Z, D, eta, lam):
        return nonzero_fraction(ista_block(torch.from_numpy(Z), torch.from_numpy(D), eta, lam))

    outs = [f(Z.copy(), D.copy(), eta, target) for Z, D, eta, target in cases]

    def number(out):
        arr = expect_array(out, "λ")
        expect(arr.size == 1, f"λ should be one number, got shape {arr.shape}.")
        lam = float(arr.reshape(()))
        expect(lam >= 0, f"λ should be non-negative, got {lam:.4g}.")
        return lam

    with part(_LAM[0]):
        for out in outs:
            number(out)
    with part(_LAM[1]):
        for (Z, D, eta, target), out in zip(cases, outs):
            lam = later(number, out)
            fr = frac(Z, D, eta, lam)
            expect(fr <= target + 1e-12,
                   f"with η = {eta}, target {target}: at your λ = {lam:.4g} a fraction {fr:.3f} of the entries is non-zero, "
                   f"above the target. The block's output is ReLU(V − ηλ): did you divide the threshold by η?")
    with part(_LAM[2]):
        for (Z, D, eta, target), out in zip(cases, outs):
            lam = later(number, out)
            if lam > 0:
                fr = frac(Z, D, eta, lam * 0.99)
                expect(fr > target, f"with η = {eta}, target {target}: λ = {lam:.4g} is not the smallest; at 0.99 λ the "
                                    f"fraction of non-zeros is still {fr:.3f} ≤ {target}.")
    with part(_LAM[3]):
        Z, D, eta, _ = cases[0]
        lam = number(f(Z.copy(), D.copy(), eta, 1.0))
        expect(lam == 0.0,
               f"with target 1.0 every entry may stay non-zero, so λ = 0 suffices; you returned {lam:.4g}.")
