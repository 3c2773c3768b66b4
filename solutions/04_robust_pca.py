"""Solutions to the exercises of lesson 04 (low-rank plus sparse: robust PCA)."""
import numpy as np


def svt_np(X, tau):
    """Exercise 04.svt: singular value thresholding U diag(max(σ − τ, 0)) Vᵀ of X (m, n), Eq. (4)."""
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    return (U * np.maximum(s - tau, 0.0)) @ Vt


def alm_step_np(M, L, S, Y, mu, lam):
    """Exercise 04.step: one inexact-ALM iteration, Eqs. (6)–(8); returns (L, S, Y) of shape (m, n)."""
    L_new = svt_np(M - S + Y / mu, 1.0 / mu)
    R = M - L_new + Y / mu
    S_new = np.sign(R) * np.maximum(np.abs(R) - lam / mu, 0.0)
    Y_new = Y + mu * (M - L_new - S_new)
    return L_new, S_new, Y_new


def project_l1_subdiff_np(Y, S, lam):
    """Exercise 04.proj: the Euclidean projection of Y onto λ∂‖S‖₁ (the second set of Eq. (9))."""
    return np.where(S != 0, lam * np.sign(S), np.clip(Y, -lam, lam))
