"""Instructor-only: plausible wrong answers of lesson 03 (fed to the checks by the test suite)."""
import numpy as np

from ..registry import wrong


def _st(v, t):
    return np.sign(v) * np.maximum(np.abs(v) - t, 0.0)


# ------------------------------------------------------------------ 03.soft

@wrong("03.soft")
def _soft_hard(v, t):  # hard thresholding keeps the surviving entries unchanged
    return v * (np.abs(v) > t)


@wrong("03.soft")
def _soft_relu_only(v, t):  # forgets the negative side
    return np.maximum(v - t, 0.0)


@wrong("03.soft")
def _soft_no_clip(v, t):  # shrinks but lets small entries cross zero
    return v - t * np.sign(v)


# ------------------------------------------------------------------ 03.ista

@wrong("03.ista")
def _ista_threshold_lam(x, D, lam, n_iter=500):  # thresholds at λ instead of λ/L
    L = np.linalg.norm(D, 2) ** 2
    z = np.zeros(D.shape[1])
    for _ in range(n_iter):
        z = _st(z - D.T @ (D @ z - x) / L, lam)
    return z


@wrong("03.ista")
def _ista_unsquared(x, D, lam, n_iter=500):  # L = ‖D‖₂ instead of ‖D‖₂²: the step is too long, ISTA diverges
    L = np.linalg.norm(D, 2)
    z = np.zeros(D.shape[1])
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(n_iter):
            z = _st(z - D.T @ (D @ z - x) / L, lam / L)
    return z


@wrong("03.ista")
def _ista_frobenius(x, D, lam, n_iter=500):  # L = ‖D‖_F²: a valid but too small step, different iterates
    L = np.linalg.norm(D) ** 2
    z = np.zeros(D.shape[1])
    for _ in range(n_iter):
        z = _st(z - D.T @ (D @ z - x) / L, lam / L)
    return z


# ------------------------------------------------------------------ 03.fista

@wrong("03.fista")
def _fista_is_ista(x, D, lam, n_iter=200):  # the momentum is forgotten
    L = np.linalg.norm(D, 2) ** 2
    z = np.zeros(D.shape[1])
    for _ in range(n_iter):
        z = _st(z - D.T @ (D @ z - x) / L, lam / L)
    return z


@wrong("03.fista")
def _fista_from_y(x, D, lam, n_iter=200):  # extrapolates from the previous y instead of the previous z
    L = np.linalg.norm(D, 2) ** 2
    y, t = np.zeros(D.shape[1]), 1.0
    z = y
    for _ in range(n_iter):
        z = _st(y - D.T @ (D @ y - x) / L, lam / L)
        t_new = (1 + np.sqrt(1 + 4 * t * t)) / 2
        y = z + (t - 1) / t_new * (z - y)
        t = t_new
    return z


@wrong("03.fista")
def _fista_constant_momentum(x, D, lam, n_iter=200):  # heavy ball with a fixed β = 0.9
    L = np.linalg.norm(D, 2) ** 2
    z = np.zeros(D.shape[1])
    y = z.copy()
    for _ in range(n_iter):
        z_new = _st(y - D.T @ (D @ y - x) / L, lam / L)
        y = z_new + 0.9 * (z_new - z)
        z = z_new
    return z
