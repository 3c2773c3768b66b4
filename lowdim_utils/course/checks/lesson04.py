"""Checks of lesson 04's exercises (low-rank plus sparse: robust PCA).

References: the course library — :func:`lowdim_utils.robust.svt`, :func:`lowdim_utils.robust.robust_pca`
(whose iterations are Eqs. (6)–(8)), :func:`lowdim_utils.robust.project_l1_subdifferential` and
:func:`lowdim_utils.robust.duality_gap`, each tested against oracles in ``tests/test_robust.py`` — plus
properties: the singular values max(σ − τ, 0) (NumPy's SVD), the set λ∂‖S‖₁, idempotence of a projection,
weak duality against the optimal value of a long run, and recovery itself for 04.lam.
"""
import functools

import numpy as np
import torch

from ..registry import Feedback, exercise, expect, expect_array, expect_close, part
from ._common import later

LESSON = "04_robust_pca"


def _matrix(seed, m, n, rank=None):
    gen = np.random.default_rng(seed)
    if rank is None:
        return gen.standard_normal((m, n))
    return gen.standard_normal((m, rank)) @ gen.standard_normal((rank, n)) + 0.05 * gen.standard_normal((m, n))


def _as_tuple(out, n, what):
    expect(isinstance(out, tuple) and len(out) == n,
           f"return the {'pair' if n == 2 else 'triple'} {what}, got {type(out).__name__}"
           + (f" of length {len(out)}" if isinstance(out, tuple) else "")
           + (" (did you forget a `return`?)" if out is None else "") + ".")
    return out


# ------------------------------------------------------------------ 04.svt

_SVT_CASES = [(0, 12, 12, 0.5), (1, 15, 8, 2.0), (2, 6, 20, 1.0), (3, 10, 10, 100.0)]


@exercise("04.svt", lesson=LESSON, function="svt_np", title="singular value thresholding", timeout=10,
          parts={"returns an (m, n) array and leaves X unchanged": 1,
                 "the singular values are max(σ − τ, 0)": 1,
                 "the singular vectors are X's (matches robust.svt)": 1})
def _test_svt(f):
    from ...robust import svt
    runs = []
    for seed, m, n, tau in _SVT_CASES:
        X = _matrix(seed, m, n, rank=3)
        X0 = X.copy()
        out = f(X, tau)
        runs.append((X0, tau, np.array_equal(X, X0), out))

    def result(X, tau, out):
        return expect_array(out, f"svt_np(X, {tau}) for X of shape {X.shape}", shape=X.shape)

    with part("returns an (m, n) array and leaves X unchanged"):
        expect(all(r[2] for r in runs), "your function modified its input X in place; work on copies.")
        for X, tau, _, out in runs:
            result(X, tau, out)
    with part("the singular values are max(σ − τ, 0)"):
        for X, tau, _, out in runs:
            s_out = np.linalg.svd(later(result, X, tau, out), compute_uv=False)
            s_in = np.linalg.svd(X, compute_uv=False)
            s_ref = np.maximum(s_in - tau, 0.0)
            if not np.allclose(s_out, s_ref, rtol=1e-6, atol=1e-8):
                if np.allclose(s_out, np.where(s_in > tau, s_in, 0.0), atol=1e-8):
                    hint = (" They equal the singular values above τ, unchanged: that is hard thresholding. "
                            "SVT *shrinks* every kept singular value by τ: max(σ − τ, 0).")
                elif np.allclose(s_out, np.sort(np.abs(s_in - tau))[::-1], atol=1e-8):
                    hint = " Did you forget to clip σ − τ at 0? Negative values become |σ − τ| after the SVD."
                else:
                    hint = " Threshold the singular values of X, not its entries."
                raise Feedback(f"for X of shape {X.shape} and τ = {tau} the singular values of your result are "
                               f"{np.round(s_out[:4], 4)}…, expected max(σ − τ, 0) = {np.round(s_ref[:4], 4)}…."
                               + hint)
    with part("the singular vectors are X's (matches robust.svt)"):
        for X, tau, _, out in runs:
            expect_close(later(result, X, tau, out), svt(torch.from_numpy(X), tau).numpy(), f"svt_np(X, {tau})",
                         rtol=1e-6, atol=1e-9,
                         hint="Keep the singular vectors of X: rebuild the matrix from the left and right "
                              "singular vectors of the *same* SVD (NumPy returns Vᵀ, not V).")


# ------------------------------------------------------------------ 04.proj

_PROJ_PARTS = {"returns a new array of Y's shape": 1, "λ·sign(S) on the support of S": 1,
               "within [−λ, λ] off the support": 1, "the nearest such point (matches robust.project_l1_subdifferential)": 1,
               "projecting twice changes nothing": 1}


@exercise("04.proj", lesson=LESSON, function="project_l1_subdiff_np",
          title="projection onto λ∂‖S‖₁", timeout=10, parts=_PROJ_PARTS)
def _test_proj(f):
    from ...robust import project_l1_subdifferential
    runs = []
    for seed, lam in [(0, 0.3), (1, 0.05), (2, 1.0)]:
        gen = np.random.default_rng(seed)
        S = np.where(gen.random((9, 7)) < 0.2, gen.standard_normal((9, 7)), 0.0)
        Y = 2 * lam * gen.standard_normal((9, 7))
        args = (Y.copy(), S.copy())
        out = f(args[0], args[1], lam)
        unchanged = np.array_equal(args[0], Y) and np.array_equal(args[1], S)
        ref = project_l1_subdifferential(torch.from_numpy(Y), torch.from_numpy(S), lam).numpy()
        runs.append((Y, S, lam, unchanged, out, ref))

    def proj(Y, lam, out):
        return expect_array(out, f"project_l1_subdiff_np(Y, S, {lam})", shape=Y.shape)

    titles = list(_PROJ_PARTS)
    with part(titles[0]):
        expect(all(r[3] for r in runs), "your function modified Y or S in place; return a new array.")
        for Y, _, lam, _, out, _ in runs:
            proj(Y, lam, out)
    with part(titles[1]):
        for Y, S, lam, _, out, _ in runs:
            P = later(proj, Y, lam, out)
            wrong_on = (S != 0) & ~np.isclose(P, lam * np.sign(S), rtol=0, atol=1e-12)
            if wrong_on.any():
                i, j = (int(v) for v in np.argwhere(wrong_on)[0])
                raise Feedback(f"on the support of S (where S ≠ 0) the projection must be λ·sign(S) = ±{lam}; "
                               f"at index {(i, j)} S = {S[i, j]:.4g} but you return {P[i, j]:.4g}.")
    with part(titles[2]):
        for Y, S, lam, _, out, _ in runs:
            P = later(proj, Y, lam, out)
            off = np.abs(P[S == 0])
            if off.size and off.max() > lam + 1e-12:
                raise Feedback(f"off the support every entry must satisfy |P_ij| ≤ λ = {lam}; your largest is "
                               f"{off.max():.4g}: bring the entries of Y there into [−λ, λ].")
    with part(titles[3]):
        for Y, S, lam, _, out, ref in runs:
            expect_close(later(proj, Y, lam, out), ref, f"project_l1_subdiff_np(Y, S, {lam})", rtol=1e-10, atol=1e-12,
                         hint="Off the support, the nearest point keeps every entry with |Y_ij| ≤ λ unchanged and "
                              "moves the others to the nearest of ±λ, rather than zeroing them.")
    with part(titles[4]):
        for Y, S, lam, _, out, _ in runs:
            P = later(proj, Y, lam, out)
            again = f(P.copy(), S.copy(), lam)
            expect_close(again, P, f"projecting twice (λ = {lam})", rtol=1e-10, atol=1e-12,
                         hint="A projection must leave points of the set unchanged.")


# ------------------------------------------------------------------ 04.gap

@functools.lru_cache(maxsize=None)
def _gap_problem(seed, m=14, n=10):
    """A small PCP problem, its λ and (an upper bound within 1e-5 of) the optimal value P*, from a long, slow
    run of the course solver (ρ = 1.001: with the default ρ = 1.1 the ALM stalls 1e-2 above P* here)."""
    from ...robust import duality_gap, robust_pca
    gen = np.random.default_rng(seed)
    L0 = gen.standard_normal((m, 2)) @ gen.standard_normal((2, n))
    M = L0 + np.where(gen.random((m, n)) < 0.1, 5.0 * gen.choice([-1.0, 1.0], (m, n)), 0.0)
    lam = 1 / np.sqrt(max(m, n))
    res = robust_pca(torch.from_numpy(M), lam, max_iter=20000, tol=1e-15, tol_dual=None, rho=1.001)
    cert = duality_gap(torch.from_numpy(M), res.L, res.Y, lam)
    return M, lam, res.L.numpy(), res.Y.numpy(), cert["primal"], cert["gap"]


_GAP_PARTS = {"returns a finite number ≥ 0": 1,
              "bounds the suboptimality of (L, M − L) for random L and Y": 1,
              "rescales Y as little as possible (matches robust.duality_gap)": 1,
              "is near 0 at the solver's answer": 1}


@exercise("04.gap", lesson=LESSON, function="duality_gap_np", title="a bound that trusts nothing", timeout=30,
          parts=_GAP_PARTS)
def _test_gap(f):
    from ...robust import duality_gap
    titles = list(_GAP_PARTS)
    runs = []  # (what, M, L, Y, lam, P*, output, reference)
    for seed in (0, 1):
        M, lam, L_opt, Y_opt, p_star, _ = _gap_problem(seed)
        gen = np.random.default_rng(100 + seed)
        cases = [("a random L and a Y with large entries", gen.standard_normal(M.shape),
                  5 * lam * gen.standard_normal(M.shape)),
                 ("L = 0 and a rank-one Y of spectral norm 3", np.zeros_like(M),
                  3.0 * np.outer(gen.standard_normal(M.shape[0]), gen.standard_normal(M.shape[1]))
                  / M.shape[0]),
                 ("a random L and a small Y", gen.standard_normal(M.shape) * 0.5, 0.1 * lam * gen.standard_normal(M.shape)),
                 ("the optimal L and Y = 3 Y*", L_opt, 3 * Y_opt),
                 ("the solver's answer (L, Y)", L_opt, Y_opt)]
        for what, L, Y in cases:
            args = (M.copy(), L.copy(), Y.copy())
            out = f(*args, lam)
            ref = duality_gap(torch.from_numpy(M), torch.from_numpy(L), torch.from_numpy(Y), lam)["gap"]
            runs.append((what, M, L, Y, lam, p_star, out, ref))

    def value(what, out):
        if isinstance(out, np.ndarray) and out.size == 1:
            out = out.item()
        if isinstance(out, torch.Tensor) and out.numel() == 1:
            out = out.item()
        expect(isinstance(out, (int, float, np.floating, np.integer)) and not isinstance(out, bool),
               f"for {what}, return one number (a float), got {type(out).__name__}"
               + (" (did you forget a `return`?)" if out is None else "") + ".")
        out = float(out)
        expect(np.isfinite(out), f"for {what} your bound is {out}; it must be a finite number.")
        return out

    with part(titles[0]):
        for what, *_, out, _ in runs:
            g = value(what, out)
            expect(g >= -1e-9, f"for {what} your bound is {g:.4g} < 0, but a suboptimality is never negative: "
                               "after rescaling, ⟨Ŷ, M⟩ ≤ P* ≤ ‖L‖_* + λ‖M − L‖₁.")
    with part(titles[1]):
        for what, M, L, Y, lam, p_star, out, _ in runs:
            g = later(value, what, out)
            sub = np.linalg.norm(L, "nuc") + lam * np.abs(M - L).sum() - p_star
            if g < sub - 1e-7 * max(1.0, abs(p_star)):
                raise Feedback(f"for {what}: the point (L, M − L) is {sub:.4g} above the optimal value P* = "
                               f"{p_star:.4g} (from a long run), but your bound says at most {g:.4g}. Only a Y "
                               "that satisfies both constraints of the dual (10), ‖Y‖₂ ≤ 1 and ‖Y‖_∞ ≤ λ, gives a "
                               "lower bound ⟨Y, M⟩ ≤ P*: rescale Y first.")
    with part(titles[2]):
        for what, M, L, Y, lam, _, out, ref in runs:
            expect_close(later(value, what, out), ref, f"the bound for {what}", rtol=1e-6, atol=1e-9,
                         hint="Use the primal value ‖L‖_* + λ‖M − L‖₁ and divide Y by the smallest factor that "
                              "meets both dual constraints: max(1, ‖Y‖₂, ‖Y‖_∞/λ) (a larger factor is valid "
                              "but loose).")
    with part(titles[3]):
        for what, M, L, Y, lam, p_star, out, _ in runs[4::5]:
            g = later(value, what, out)
            expect(g <= 1e-5 * abs(p_star), f"at the solver's answer your bound is {g:.3g}, more than 1e-5 × P* "
                                            f"= {1e-5 * abs(p_star):.3g}: an optimal pair should close the gap.")


# ------------------------------------------------------------------ 04.lam

def _recovers(M, L0, c):
    from ...robust import robust_pca
    m, n = M.shape
    L_hat = robust_pca(M, lam=c / np.sqrt(max(m, n)), tol_dual=None, max_iter=400).L
    return float(torch.linalg.norm(L_hat - L0) / torch.linalg.norm(L0)) < 1e-3


_LAM_PARTS = {"returns two numbers c_lo ≤ c_hi": 1,
              "PCP recovers L0 inside the interval": 1,
              "PCP fails a factor 1.4 beyond each end": 1}


@exercise("04.lam", lesson=LESSON, function="lambda_interval", title="how universal is λ?", timeout=120,
          parts=_LAM_PARTS)
def _test_lam(f):
    from ...robust import low_rank_plus_sparse
    titles = list(_LAM_PARTS)
    runs = []
    for what, kw in [("a 40×40 problem of rank 2 with 10% corrupted entries", dict(n=40, rank=2, frac=0.10)),
                     ("a 50×30 problem of rank 2 with 8% corrupted entries", dict(n=30, m=50, rank=2, frac=0.08))]:
        M, L0, _ = low_rank_plus_sparse(**kw, generator=11)
        runs.append((what, M, L0, f(M.clone(), L0.clone())))

    def pair(what, out):
        expect(isinstance(out, tuple) and len(out) == 2,
               f"for {what}, return the pair (c_lo, c_hi), got {type(out).__name__}"
               + (" (did you forget a `return`?)" if out is None else "") + ".")
        lo, hi = (float(v) for v in out)
        expect(np.isfinite(lo) and np.isfinite(hi) and 0 < lo <= hi,
               f"for {what} you return c_lo = {lo:.4g}, c_hi = {hi:.4g}; expected 0 < c_lo ≤ c_hi.")
        return lo, hi

    with part(titles[0]):
        for what, _, _, out in runs:
            pair(what, out)
    with part(titles[1]):
        for what, M, L0, out in runs:
            lo, hi = later(pair, what, out)
            for c in (lo, np.sqrt(lo * hi), hi):
                expect(_recovers(M, L0, c), f"for {what}, PCP with λ = c/√max(m, n) at c = {c:.3g} (inside your "
                                            f"interval [{lo:.3g}, {hi:.3g}]) does not recover L0 to 1e-3: "
                                            "count a value of c as a success only when ‖L̂ − L0‖_F/‖L0‖_F < 1e-3.")
    with part(titles[2]):
        for what, M, L0, out in runs:
            lo, hi = later(pair, what, out)
            for c, end in ((lo / 1.4, "below"), (hi * 1.4, "above")):
                expect(not _recovers(M, L0, c),
                       f"for {what}, PCP still recovers L0 at c = {c:.3g}, a factor 1.4 {end} your interval "
                       f"[{lo:.3g}, {hi:.3g}]: the interval should reach the last c that succeeds (scan c over a "
                       "geometric grid with ratio at most 1.2, and use λ = c/√max(m, n)).")
