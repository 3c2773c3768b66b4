"""Instructor-only: plausible wrong answers of lesson 03 (fed to the checks by the test suite)."""
import numpy as np
import torch

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


# ------------------------------------------------------------------ 03.cert

def _support(D, z0):
    return D[:, z0 != 0], np.sign(z0[z0 != 0])


@wrong("03.cert")
def _cert_no_gram(D, z0):              # w = D_S σ: right span, but D_Sᵀw = Gσ ≠ σ
    D_S, sigma = _support(D, z0)
    return D_S @ sigma


@wrong("03.cert")
def _cert_values_not_signs(D, z0):     # interpolates the values of z0 instead of their signs
    D_S, _ = _support(D, z0)
    return D_S @ np.linalg.solve(D_S.T @ D_S, z0[z0 != 0])


@wrong("03.cert")
def _cert_all_columns(D, z0):          # least squares over every atom: Dᵀw ≈ sign(z0), exact nowhere
    return np.linalg.lstsq(D.T, np.sign(z0), rcond=None)[0]


@wrong("03.cert")
def _cert_not_smallest(D, z0):         # a valid certificate plus a null-space component: not the shortest
    D_S, sigma = _support(D, z0)
    w = np.linalg.pinv(D_S.T) @ sigma
    Q, _ = np.linalg.qr(D_S)
    r = np.ones(D.shape[0])
    return w + r - Q @ (Q.T @ r)


# ------------------------------------------------------------------ 03.edge

def _first_d(m, k, trials, seed, target):
    from ...sparse import basis_pursuit
    rng = np.random.default_rng(seed)
    for d in range(k + 1, m + 1):
        hits = 0
        for _ in range(trials):
            A = rng.standard_normal((d, m)) / np.sqrt(d)
            c = np.zeros(m)
            c[rng.choice(m, k, replace=False)] = rng.standard_normal(k)
            c_hat = basis_pursuit(torch.from_numpy(A @ c), torch.from_numpy(A)).numpy()
            hits += np.linalg.norm(c_hat - c) <= 1e-5 * np.linalg.norm(c)
        if hits >= target * trials:
            return d
    return m


@wrong("03.edge")
def _edge_l0_bound(m, k, trials=20, seed=0):      # the l0 identifiability bound 2k: fine for l0, too few for l1
    return 2 * k


@wrong("03.edge")
def _edge_no_scan(m, k, trials=20, seed=0):       # "enough" but far from the smallest
    return m


@wrong("03.edge")
def _edge_half(m, k, trials=20, seed=0):          # stops at 50 % success: the boundary, not 90 %
    return _first_d(m, k, trials, seed, 0.5)
