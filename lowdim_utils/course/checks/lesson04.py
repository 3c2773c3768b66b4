"""Checks of lesson 04's exercises (low-rank plus sparse: robust PCA).

References: the course library — :func:`lowdim_utils.robust.svt`, :func:`lowdim_utils.robust.robust_pca`
(whose iterations are Eqs. (6)–(8)) and :func:`lowdim_utils.robust.project_l1_subdifferential`, each
tested against oracles in ``tests/test_robust.py`` — plus properties: the singular values
max(σ − τ, 0) (NumPy's SVD), the set λ∂‖S‖₁, idempotence of a projection.
"""
import numpy as np
import torch

from ..registry import Feedback, exercise, expect, expect_array, expect_close, part
from ._common import later

LESSON = "04_robust_pca"


def _matrix(seed, m, n, rank=None):
    rng = np.random.default_rng(seed)
    if rank is None:
        return rng.standard_normal((m, n))
    return rng.standard_normal((m, rank)) @ rng.standard_normal((rank, n)) + 0.05 * rng.standard_normal((m, n))


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


# ------------------------------------------------------------------ 04.step

def _pcp(seed, m=14, n=10):
    rng = np.random.default_rng(seed)
    L0 = rng.standard_normal((m, 2)) @ rng.standard_normal((2, n))
    S0 = np.where(rng.random((m, n)) < 0.1, 5.0 * rng.choice([-1.0, 1.0], (m, n)), 0.0)
    return L0 + S0, 1 / np.sqrt(max(m, n))


def _alm(M, lam, n_iter, rho=1.5):
    """The state (L, S, Y, μ) of the course's solver after ``n_iter`` iterations (its start for 0)."""
    from ...robust import robust_pca
    spec = np.linalg.norm(M, 2)
    mu = 1.25 / spec * rho ** n_iter
    if n_iter == 0:
        Y = M / max(spec, np.abs(M).max() / lam)
        return np.zeros_like(M), np.zeros_like(M), Y, mu
    res = robust_pca(torch.from_numpy(M), lam, max_iter=n_iter, rho=rho, tol=1e-300, tol_dual=None)
    return res.L.numpy(), res.S.numpy(), res.Y.numpy(), mu


_STEP_PARTS = {"returns new arrays (L, S, Y) of M's shape": 1, "the new L (Eq. (6))": 1,
               "the new S (Eq. (7))": 1, "the new Y (Eq. (8)) lies in λ∂‖S‖₁": 1}


@exercise("04.step", lesson=LESSON, function="alm_step_np", title="one inexact-ALM iteration", timeout=10,
          parts=_STEP_PARTS)
def _test_step(f):
    runs = []
    for seed, k in [(0, 0), (1, 3), (2, 6)]:
        M, lam = _pcp(seed)
        L, S, Y, mu = _alm(M, lam, k)
        args = [a.copy() for a in (M, L, S, Y)]
        out = f(*args, mu, lam)
        unchanged = all(np.array_equal(a, b) for a, b in zip(args, (M, L, S, Y)))
        runs.append((k, M, lam, mu, unchanged, out, _alm(M, lam, k + 1)))

    def triple(M, out):
        return [expect_array(o, name, shape=M.shape) for o, name in zip(_as_tuple(out, 3, "(L, S, Y)"), "LSY")]

    titles = list(_STEP_PARTS)
    with part(titles[0]):
        expect(all(r[4] for r in runs),
               "your function modified one of its input arrays in place; return new arrays instead.")
        for _, M, _, _, _, out, _ in runs:
            triple(M, out)
    hints = {"L": "Eq. (6): the new L is a singular value thresholding at 1/μ (not λ/μ), of a matrix built from M "
                  "and the *old* S and Y.",
             "S": "Eq. (7): the new S is an entrywise shrinkage at λ/μ (not 1/μ) that uses the *new* L and the "
                  "old Y.",
             "Y": "Eq. (8): the multiplier moves by μ times the residual of the *new* L and S (mind the sign)."}
    for i, (title, name) in enumerate(zip(titles[1:], "LSY")):
        with part(title):
            for k, M, lam, mu, _, out, ref in runs:
                got = later(triple, M, out)[i]
                expect_close(got, ref[i], f"the new {name} (after {k} earlier iterations, μ = {mu:.3g})",
                             rtol=1e-6, atol=1e-9, hint=hints[name])
                if name == "Y":  # the property behind the update: the new Y lies in λ∂‖S‖₁
                    S1 = later(triple, M, out)[1]
                    on = S1 != 0
                    expect(np.allclose(got[on], lam * np.sign(S1[on]), atol=1e-8)
                           and np.all(np.abs(got[~on]) <= lam + 1e-8),
                           "the new Y should lie in λ∂‖S‖₁ (Y = λ sign(S) on the support of S, |Y| ≤ λ elsewhere).")


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
        rng = np.random.default_rng(seed)
        S = np.where(rng.random((9, 7)) < 0.2, rng.standard_normal((9, 7)), 0.0)
        Y = 2 * lam * rng.standard_normal((9, 7))
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
