"""Solutions to the exercises of lesson 07 (manifold learning)."""
import numpy as np
import scipy.linalg
from scipy.stats import spearmanr

from lowdim_utils import manifold as mf


def classical_mds_np(D, k):
    """Exercise 07.mds: classical MDS of a distance matrix D (n, n) into k dimensions, (n, k),
    columns ordered by decreasing eigenvalue."""
    n = D.shape[0]
    J = np.eye(n) - np.ones((n, n)) / n
    B = -0.5 * J @ (D**2) @ J                # double centring of the squared distances
    lam, V = np.linalg.eigh(B)              # ascending order
    lam, V = lam[::-1][:k], V[:, ::-1][:, :k]
    return V * np.sqrt(np.maximum(lam, 0))


def laplacian_eigenmaps_np(W, k):
    """Exercise 07.laplacian: the k non-trivial solutions of L y = λ D y with the smallest λ, (n, k),
    for a symmetric affinity matrix W (n, n) of a connected graph."""
    d = W.sum(axis=1)
    L = np.diag(d) - W
    lam, Y = scipy.linalg.eigh(L, np.diag(d))   # generalised problem, ascending λ
    return Y[:, 1:k + 1]                         # column 0 is the constant vector (λ = 0)


def mds_new_points_np(Y, D, delta):
    """Exercise 07.new_point: coordinates (m, k) of m new points with distances delta (m, n) to the n points
    whose classical-MDS embedding of D (n, n) is Y (n, k).

    Derivation: with centred coordinates c_i (so Σ c_i = 0) and the new point c,
    δ_i² = ‖c‖² + ‖c_i‖² − 2 c_iᵀc and μ_i = mean_j D_ij² = ‖c_i‖² + mean_j ‖c_j‖², so
    μ − δ² = 2 X_c c + (constant)·1. Multiply by Yᵀ: Yᵀ1 = 0 removes the constant and
    Yᵀ X_c c = Λ y (X_c = Y Qᵀ, YᵀY = Λ), hence y = ½ Λ⁻¹ Yᵀ (μ − δ²).
    """
    mu = (D ** 2).mean(axis=0)               # (n,) mean squared distance from each point
    lam = (Y ** 2).sum(axis=0)               # (k,) the eigenvalues: YᵀY = Λ_k
    return 0.5 * (mu[None, :] - delta ** 2) @ Y / lam


def neighbor_range(X, t):
    """Exercise 07.neighbors: (k_min, k_max), the interval of n_neighbors (from 3 on) for which Isomap's
    first coordinate orders the roll, |Spearman ρ(z_1, t)| ≥ 0.99."""
    def unrolls(k):
        try:
            z1 = mf.isomap(X, 2, n_neighbors=k).embedding[:, 0]
        except mf.DisconnectedGraphError:
            return False
        return abs(spearmanr(np.asarray(z1.cpu()), t)[0]) >= 0.99

    k = 3
    while not unrolls(k) and k < 40:         # below the range: disconnected or folded
        k += 1
    k_min = k
    while unrolls(k + 1):
        k += 1
    return k_min, k
