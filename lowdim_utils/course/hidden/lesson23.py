"""Instructor-only: plausible wrong answers of lesson 23 (fed to the checks by the test suite)."""
import numpy as np

from ..registry import wrong


def _svd_r(X, r):
    Xc, Yc = X[:-1].T, X[1:].T
    U, s, Vh = np.linalg.svd(Xc, full_matrices=False)
    return Yc, U[:, :r], s[:r], Vh[:r].conj().T


# ------------------------------------------------------------------ 23.dmd

@wrong("23.dmd")
def _dmd_sigma_not_inverted(X, r):
    Yc, U, s, V = _svd_r(X, r)
    lam, W = np.linalg.eig(U.T @ Yc @ V * s)            # Σ instead of Σ⁻¹
    return lam, Yc @ V * s @ W


@wrong("23.dmd")
def _dmd_x_instead_of_y(X, r):
    Yc, U, s, V = _svd_r(X, r)
    Xc = X[:-1].T
    lam, W = np.linalg.eig(U.T @ Xc @ V / s)           # maps X onto itself: every eigenvalue 1
    return lam, U @ W


@wrong("23.dmd")
def _dmd_modes_are_w(X, r):
    Yc, U, s, V = _svd_r(X, r)
    lam, W = np.linalg.eig(U.T @ Yc @ V / s)
    return lam, np.vstack([W, np.zeros((X.shape[1] - r, r))])   # reduced eigenvectors, not lifted


# ------------------------------------------------------------------ 23.observables

@wrong("23.observables")
def _obs_state_and_squares(X):
    return np.column_stack([X[:, 0], X[:, 1], X[:, 0] ** 2])          # the slow-manifold answer, copied


@wrong("23.observables")
def _obs_all_quadratics(X):
    x, y = X[:, 0], X[:, 1]
    return np.column_stack([x, y, x * x, x * y, y * y])


@wrong("23.observables")
def _obs_cube_of_x2(X):
    return np.column_stack([X[:, 0], X[:, 1], X[:, 1] ** 3])


# ------------------------------------------------------------------ 23.period

def _hankel_modes(x, q=40, r=10):
    x = np.asarray(x, float) - np.mean(x)
    H = np.lib.stride_tricks.sliding_window_view(x, q)
    Xc, Yc = H[:-1].T, H[1:].T
    U, s, Vh = np.linalg.svd(Xc, full_matrices=False)
    U, s, V = U[:, :r], s[:r], Vh[:r].T
    lam, W = np.linalg.eig(U.T @ Yc @ V / s)
    Phi = Yc @ V / s @ W
    b = np.linalg.lstsq(Phi, Xc[:, 0], rcond=None)[0]
    return lam, np.abs(b) * np.linalg.norm(Phi, axis=0)


@wrong("23.period")
def _period_largest_modulus(x, dt):
    lam, _ = _hankel_modes(x)
    osc = np.abs(np.angle(lam)) > 1e-6
    j = np.flatnonzero(osc)[np.argmax(np.abs(lam[osc]))]             # the least damped, not the strongest
    return 2 * np.pi * dt / abs(np.angle(lam[j]))


@wrong("23.period")
def _period_ignores_dt(x, dt):
    lam, amp = _hankel_modes(x)
    osc = np.abs(np.angle(lam)) > 1e-6
    j = np.flatnonzero(osc)[np.argmax(amp[osc])]
    return 2 * np.pi / abs(np.angle(lam[j]))                          # in steps, not in time units
