"""Solutions to the exercises of lesson 03 (sparse coding and dictionary learning)."""
import numpy as np


def soft_threshold_np(v, t):
    """Exercise 03.soft: the proximal operator of t‖·‖₁, sign(v)·max(|v| − t, 0), entrywise."""
    return np.sign(v) * np.maximum(np.abs(v) - t, 0.0)


def ista_np(x, D, lam, n_iter=500):
    """Exercise 03.ista: n_iter ISTA steps from z = 0 for min_z ½‖x − Dz‖² + λ‖z‖₁, step 1/L, L = ‖D‖₂²."""
    L = np.linalg.norm(D, 2) ** 2
    z = np.zeros(D.shape[1])
    for _ in range(n_iter):
        grad = D.T @ (D @ z - x)
        z = soft_threshold_np(z - grad / L, lam / L)
    return z


def fista_np(x, D, lam, n_iter=200):
    """Exercise 03.fista: n_iter FISTA steps (Beck & Teboulle 2009) from z = 0, step 1/L, L = ‖D‖₂²."""
    L = np.linalg.norm(D, 2) ** 2
    z = np.zeros(D.shape[1])
    y, t = z.copy(), 1.0
    for _ in range(n_iter):
        z_new = soft_threshold_np(y - D.T @ (D @ y - x) / L, lam / L)
        t_new = (1.0 + np.sqrt(1.0 + 4.0 * t * t)) / 2.0
        y = z_new + (t - 1.0) / t_new * (z_new - z)
        z, t = z_new, t_new
    return z
