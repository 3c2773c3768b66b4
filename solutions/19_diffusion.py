"""Solutions to the exercises of lesson 19 (diffusion on low-dimensional data)."""
import numpy as np


def optimal_denoiser_np(y, sigma, bases, weights):
    """Exercise 19.denoiser: the posterior mean E[x0 | y] of the mixture Σ_k π_k N(0, U_k U_kᵀ) observed as
    y = x0 + σε (lesson 19, Eqs. (4)–(5)). y (n, D); bases: a list of (D, d_k) orthonormal matrices; → (n, D).

    Responsibilities: logits_k = log π_k + ‖U_kᵀy‖² / (2σ²(1+σ²)) − (d_k/2) log(1+σ²) − ((D−d_k)/2) log σ²
    (the terms common to every k dropped), softmax with the maximum subtracted; then a shrinkage by 1/(1+σ²)
    of each projection U_kU_kᵀy.
    """
    y = np.asarray(y, dtype=np.float64)
    D = y.shape[1]
    s2 = float(sigma) ** 2
    logits, projections = [], []
    for U, w in zip(bases, weights):
        U = np.asarray(U, dtype=np.float64)
        c = y @ U                                                   # (n, d_k): U_kᵀy
        d_k = U.shape[1]
        logits.append(np.log(w) + (c ** 2).sum(1) / (2 * s2 * (1 + s2))
                      - 0.5 * d_k * np.log1p(s2) - 0.5 * (D - d_k) * np.log(s2))
        projections.append(c @ U.T / (1 + s2))                      # U_kU_kᵀy / (1 + σ²)
    L = np.stack(logits, axis=1)                                    # (n, K)
    L = L - L.max(axis=1, keepdims=True)
    g = np.exp(L)
    g /= g.sum(axis=1, keepdims=True)
    return np.einsum("nk,knD->nD", g, np.stack(projections))


def mmse_subspace(d, s, sigma):
    """Exercise 19.mmse: the minimum mean squared error E‖E[x0|y] − x0‖² for x0 = s·U a (U: D×d orthonormal,
    a ~ N(0, I_d)) and y = x0 + σε.

    Along the subspace each coordinate is a scalar Gaussian problem: a ~ N(0, s²) seen through noise σ² has
    posterior variance s²σ²/(s² + σ²); off the subspace x0 is 0 and the posterior mean is exactly 0 (no error).
    Summing over the d coordinates: d s² σ² / (s² + σ²).
    """
    s2, v = float(s) ** 2, float(sigma) ** 2
    return d * s2 * v / (s2 + v)


def is_memorised(samples, train):
    """Exercise 19.memorised: flag the generated samples (n, D) that are copies of a training point (N, D).

    A scale-free test: a sample is a copy when its nearest training point is much closer than the second
    nearest (distance ratio below 1/3, a threshold used in the memorisation literature). An exact copy has ratio 0; a new sample from the distribution has ratio near 1 in more than
    a couple of intrinsic dimensions. Returns a boolean array (n,).
    """
    S = np.asarray(samples, dtype=np.float64)
    T = np.asarray(train, dtype=np.float64)
    d2 = (S ** 2).sum(1)[:, None] - 2 * S @ T.T + (T ** 2).sum(1)[None, :]
    d = np.sqrt(np.maximum(d2, 0.0))
    two = np.sort(d, axis=1)[:, :2]
    return two[:, 0] < two[:, 1] / 3
