"""Checks of lesson 04's exercises (low-rank plus sparse: robust PCA)."""
import numpy as np

from ..registry import Feedback, exercise, expect, expect_array, expect_close

LESSON = "04_robust_pca"


def _svt_ref(X, tau):
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    return (U * np.maximum(s - tau, 0.0)) @ Vt


def _matrix(seed, m, n, rank=None):
    rng = np.random.default_rng(seed)
    if rank is None:
        return rng.standard_normal((m, n))
    return rng.standard_normal((m, rank)) @ rng.standard_normal((rank, n)) + 0.05 * rng.standard_normal((m, n))


@exercise("04.svt", lesson=LESSON, function="svt_np", title="singular value thresholding", timeout=10)
def _test_svt(f):
    cases = [(0, 12, 12, 0.5), (1, 15, 8, 2.0), (2, 6, 20, 1.0), (3, 10, 10, 100.0)]
    for seed, m, n, tau in cases:
        X = _matrix(seed, m, n, rank=3)
        X0 = X.copy()
        out = f(X, tau)
        expect(np.array_equal(X, X0), "your function modified its input X in place; work on copies.")
        D = expect_array(out, f"svt_np(X, {tau}) for X of shape {(m, n)}", shape=(m, n))
        s_out = np.linalg.svd(D, compute_uv=False)
        s_ref = np.maximum(np.linalg.svd(X, compute_uv=False) - tau, 0.0)
        if not np.allclose(s_out, s_ref, rtol=1e-6, atol=1e-8):
            s_in = np.linalg.svd(X, compute_uv=False)
            hint = ""
            if np.allclose(s_out, np.where(s_in > tau, s_in, 0.0), atol=1e-8):
                hint = (" They equal the singular values above τ, unchanged: that is hard thresholding. "
                        "SVT *shrinks* every kept singular value by τ: max(σ − τ, 0).")
            elif np.allclose(s_out, np.sort(np.abs(s_in - tau))[::-1], atol=1e-8):
                hint = " Did you forget to clip σ − τ at 0? Negative values become |σ − τ| after the SVD."
            else:
                hint = " Threshold the singular values of X (np.linalg.svd), not its entries."
            raise Feedback(f"for X of shape {(m, n)} and τ = {tau} the singular values of your result are "
                           f"{np.round(s_out[:4], 4)}…, expected max(σ − τ, 0) = {np.round(s_ref[:4], 4)}…." + hint)
        expect_close(D, _svt_ref(X, tau), f"svt_np(X, {tau})", rtol=1e-6, atol=1e-9,
                     hint="The singular values are right but the singular vectors are not: rebuild the "
                          "matrix as U @ diag(s) @ Vt with the U and Vt of the same SVD.")


@_test_svt.wrong
def _svt_hard(X, tau):
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    return (U * np.where(s > tau, s, 0.0)) @ Vt


@_test_svt.wrong
def _svt_no_clip(X, tau):
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    return (U * (s - tau)) @ Vt


@_test_svt.wrong
def _svt_entrywise(X, tau):
    return np.sign(X) * np.maximum(np.abs(X) - tau, 0.0)


@_test_svt.wrong
def _svt_transposed_v(X, tau):
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    return (U * np.maximum(s - tau, 0.0)) @ Vt.T    # numpy already returns Vᵀ


def _step_ref(M, L, S, Y, mu, lam):
    L1 = _svt_ref(M - S + Y / mu, 1.0 / mu)
    R = M - L1 + Y / mu
    S1 = np.sign(R) * np.maximum(np.abs(R) - lam / mu, 0.0)
    return L1, S1, Y + mu * (M - L1 - S1)


def _state(seed, m=14, n=10, k=3):
    """A PCP problem and the state after k reference iterations (so no part of it is zero)."""
    rng = np.random.default_rng(seed)
    L0 = rng.standard_normal((m, 2)) @ rng.standard_normal((2, n))
    S0 = np.where(rng.random((m, n)) < 0.1, 5.0 * rng.choice([-1.0, 1.0], (m, n)), 0.0)
    M = L0 + S0
    lam = 1 / np.sqrt(max(m, n))
    mu = 1.25 / np.linalg.norm(M, 2)
    Y = M / max(np.linalg.norm(M, 2), np.abs(M).max() / lam)
    L, S = np.zeros_like(M), np.zeros_like(M)
    for _ in range(k):
        L, S, Y = _step_ref(M, L, S, Y, mu, lam)
        mu *= 1.5
    return M, L, S, Y, mu, lam


@exercise("04.step", lesson=LESSON, function="alm_step_np", title="one inexact-ALM iteration", timeout=10)
def _test_step(f):
    for seed, k in [(0, 0), (1, 3), (2, 6)]:
        M, L, S, Y, mu, lam = _state(seed, k=k)
        args = [a.copy() for a in (M, L, S, Y)]
        out = f(*args, mu, lam)
        expect(all(np.array_equal(a, b) for a, b in zip(args, (M, L, S, Y))),
               "your function modified one of its input arrays in place; return new arrays instead.")
        expect(isinstance(out, tuple) and len(out) == 3,
               f"return the triple (L, S, Y), got {type(out).__name__}"
               + (f" of length {len(out)}" if isinstance(out, tuple) else "") + ".")
        L1, S1, Y1 = (expect_array(o, name, shape=M.shape) for o, name in zip(out, ("L", "S", "Y")))
        Lr, Sr, Yr = _step_ref(M, L, S, Y, mu, lam)
        where = f"(after {k} earlier iterations, μ = {mu:.3g})"
        expect_close(L1, Lr, f"the new L {where}", rtol=1e-6, atol=1e-9,
                     hint="Eq. (6): L = svt(M − S + Y/μ, 1/μ) with the *old* S and Y.")
        expect_close(S1, Sr, f"the new S {where}", rtol=1e-6, atol=1e-9,
                     hint="Eq. (7): S = shrink(M − L + Y/μ, λ/μ) with the *new* L and the old Y.")
        expect_close(Y1, Yr, f"the new Y {where}", rtol=1e-6, atol=1e-9,
                     hint="Eq. (8): Y + μ(M − L − S) with the new L and S (mind the sign).")
        # the property behind the update: the new Y lies in λ∂‖S‖₁
        on = S1 != 0
        expect(np.allclose(Y1[on], lam * np.sign(S1[on]), atol=1e-8) and np.all(np.abs(Y1[~on]) <= lam + 1e-8),
               "the new Y should lie in λ∂‖S‖₁ (Y = λ sign(S) on the support of S, |Y| ≤ λ elsewhere).")


@_test_step.wrong
def _step_swapped_thresholds(M, L, S, Y, mu, lam):
    L1 = _svt_ref(M - S + Y / mu, lam / mu)
    R = M - L1 + Y / mu
    S1 = np.sign(R) * np.maximum(np.abs(R) - 1.0 / mu, 0.0)
    return L1, S1, Y + mu * (M - L1 - S1)


@_test_step.wrong
def _step_old_L(M, L, S, Y, mu, lam):
    L1 = _svt_ref(M - S + Y / mu, 1.0 / mu)
    R = M - L + Y / mu            # Jacobi-style: uses the old L
    S1 = np.sign(R) * np.maximum(np.abs(R) - lam / mu, 0.0)
    return L1, S1, Y + mu * (M - L1 - S1)


@_test_step.wrong
def _step_dual_sign(M, L, S, Y, mu, lam):
    L1 = _svt_ref(M - S + Y / mu, 1.0 / mu)
    R = M - L1 + Y / mu
    S1 = np.sign(R) * np.maximum(np.abs(R) - lam / mu, 0.0)
    return L1, S1, Y - mu * (M - L1 - S1)


@_test_step.wrong
def _step_no_multiplier(M, L, S, Y, mu, lam):
    L1 = _svt_ref(M - S, 1.0 / mu)
    R = M - L1
    S1 = np.sign(R) * np.maximum(np.abs(R) - lam / mu, 0.0)
    return L1, S1, Y + mu * (M - L1 - S1)


def _proj_ref(Y, S, lam):
    return np.where(S != 0, lam * np.sign(S), np.clip(Y, -lam, lam))


@exercise("04.proj", lesson=LESSON, function="project_l1_subdiff_np",
          title="projection onto λ∂‖S‖₁", timeout=10)
def _test_proj(f):
    for seed, lam in [(0, 0.3), (1, 0.05), (2, 1.0)]:
        rng = np.random.default_rng(seed)
        S = np.where(rng.random((9, 7)) < 0.2, rng.standard_normal((9, 7)), 0.0)
        Y = 2 * lam * rng.standard_normal((9, 7))
        args = (Y.copy(), S.copy())
        out = f(args[0], args[1], lam)
        expect(np.array_equal(args[0], Y) and np.array_equal(args[1], S),
               "your function modified Y or S in place; return a new array.")
        P = expect_array(out, f"project_l1_subdiff_np(Y, S, {lam})", shape=Y.shape)
        on = S != 0
        wrong_on = on & ~np.isclose(P, lam * np.sign(S), rtol=0, atol=1e-12)
        if wrong_on.any():
            i, j = (int(v) for v in np.argwhere(wrong_on)[0])
            raise Feedback(f"on the support of S (where S ≠ 0) the projection must be λ·sign(S) = ±{lam}; "
                           f"at index {(i, j)} S = {S[i, j]:.4g} but you return {P[i, j]:.4g}.")
        if np.abs(P[~on]).max() > lam + 1e-12:
            raise Feedback(f"off the support every entry must satisfy |Y_ij| ≤ λ = {lam}; your largest is "
                           f"{np.abs(P[~on]).max():.4g}: clip Y there to [−λ, λ].")
        expect_close(P, _proj_ref(Y, S, lam), f"project_l1_subdiff_np(Y, S, {lam})", rtol=1e-10, atol=1e-12,
                     hint="Off the support, the nearest point keeps every |Y_ij| ≤ λ unchanged and moves the "
                          "others to ±λ (np.clip), rather than zeroing them.")
        # a projection is idempotent
        expect_close(f(P, S, lam), P, "projecting twice", rtol=1e-10, atol=1e-12,
                     hint="A projection must leave points of the set unchanged.")


@_test_proj.wrong
def _proj_ignores_support(Y, S, lam):
    return np.clip(Y, -lam, lam)


@_test_proj.wrong
def _proj_zeroes_off_support(Y, S, lam):
    return np.where(S != 0, lam * np.sign(S), 0.0)


@_test_proj.wrong
def _proj_forgets_lambda(Y, S, lam):
    return np.where(S != 0, np.sign(S), np.clip(Y, -lam, lam))
