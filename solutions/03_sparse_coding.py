"""Solutions to the exercises of lesson 03 (sparse coding and dictionary learning)."""
import numpy as np
import torch

from lowdim_utils import sparse


def soft_threshold_np(v, t):
    """Exercise 03.soft: the proximal operator of t‖·‖₁, sign(v)·max(|v| − t, 0), entrywise."""
    return np.sign(v) * np.maximum(np.abs(v) - t, 0.0)


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


def l1_certificate(D, z0):
    """Exercise 03.cert: the smallest-norm w with D_Sᵀw = sign(z0_S) (lemma of Fuchs, lesson 03).

    The solutions of D_Sᵀw = σ are w_min + (null space of D_Sᵀ); the shortest is orthogonal to that null space,
    i.e. w = D_S c, and then D_SᵀD_S c = σ.
    """
    S = np.flatnonzero(z0)
    D_S = D[:, S]
    return D_S @ np.linalg.solve(D_S.T @ D_S, np.sign(z0[S]))


def min_measurements(m, k, trials=20, seed=0):
    """Exercise 03.edge: the smallest d for which basis pursuit (Eq. (10)) recovers a random k-sparse code in R^m
    from d Gaussian measurements in at least 90% of `trials` problems, scanning d upwards from k + 1."""
    draws = np.random.default_rng(seed)
    for d in range(k + 1, m + 1):
        recovered = 0
        for _ in range(trials):
            D = draws.standard_normal((d, m)) / np.sqrt(d)
            z0 = np.zeros(m)
            z0[draws.choice(m, k, replace=False)] = draws.standard_normal(k)
            z = sparse.basis_pursuit(torch.from_numpy(D @ z0), torch.from_numpy(D)).numpy()
            recovered += np.linalg.norm(z - z0) <= 1e-5 * np.linalg.norm(z0)
        if recovered >= 0.9 * trials:
            return d
    return m
