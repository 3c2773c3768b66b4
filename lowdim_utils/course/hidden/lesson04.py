"""Instructor-only: plausible wrong answers of lesson 04 (fed to the checks by the test suite)."""
import numpy as np

from ..registry import wrong


def _svt(X, tau):
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    return (U * np.maximum(s - tau, 0.0)) @ Vt


def _shrink(R, t):
    return np.sign(R) * np.maximum(np.abs(R) - t, 0.0)


# ------------------------------------------------------------------ 04.svt

@wrong("04.svt")
def _svt_hard(X, tau):
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    return (U * np.where(s > tau, s, 0.0)) @ Vt


@wrong("04.svt")
def _svt_no_clip(X, tau):
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    return (U * (s - tau)) @ Vt


@wrong("04.svt")
def _svt_entrywise(X, tau):
    return np.sign(X) * np.maximum(np.abs(X) - tau, 0.0)


@wrong("04.svt")
def _svt_transposed_v(X, tau):
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    return (U * np.maximum(s - tau, 0.0)) @ Vt.T    # numpy already returns Vᵀ


# ------------------------------------------------------------------ 04.step

@wrong("04.step")
def _step_swapped_thresholds(M, L, S, Y, mu, lam):
    L1 = _svt(M - S + Y / mu, lam / mu)
    S1 = _shrink(M - L1 + Y / mu, 1.0 / mu)
    return L1, S1, Y + mu * (M - L1 - S1)


@wrong("04.step")
def _step_old_L(M, L, S, Y, mu, lam):
    L1 = _svt(M - S + Y / mu, 1.0 / mu)
    S1 = _shrink(M - L + Y / mu, lam / mu)            # Jacobi-style: uses the old L
    return L1, S1, Y + mu * (M - L1 - S1)


@wrong("04.step")
def _step_dual_sign(M, L, S, Y, mu, lam):
    L1 = _svt(M - S + Y / mu, 1.0 / mu)
    S1 = _shrink(M - L1 + Y / mu, lam / mu)
    return L1, S1, Y - mu * (M - L1 - S1)


@wrong("04.step")
def _step_no_multiplier(M, L, S, Y, mu, lam):
    L1 = _svt(M - S, 1.0 / mu)
    S1 = _shrink(M - L1, lam / mu)
    return L1, S1, Y + mu * (M - L1 - S1)


# ------------------------------------------------------------------ 04.proj

@wrong("04.proj")
def _proj_ignores_support(Y, S, lam):
    return np.clip(Y, -lam, lam)


@wrong("04.proj")
def _proj_zeroes_off_support(Y, S, lam):
    return np.where(S != 0, lam * np.sign(S), 0.0)


@wrong("04.proj")
def _proj_forgets_lambda(Y, S, lam):
    return np.where(S != 0, np.sign(S), np.clip(Y, -lam, lam))
