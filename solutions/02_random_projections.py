"""Solutions to the exercises of lesson 02 (random projections)."""
import numpy as np


def gaussian_rp_np(X, k, rng):
    """Exercise 02.gaussian: project the rows of X (n, D) to k dimensions with a matrix of
    i.i.d. N(0, 1/k) entries drawn from the NumPy generator rng; returns (n, k)."""
    R = rng.standard_normal((k, X.shape[1])) / np.sqrt(k)
    return X @ R.T


def sparse_rp_matrix_np(D, k, density, rng):
    """Exercise 02.sparse: a dense (k, D) array whose entries are +1/sqrt(density k) and
    -1/sqrt(density k) with probability density/2 each, and 0 otherwise."""
    nonzero = rng.random((k, D)) < density
    signs = np.where(rng.random((k, D)) < 0.5, 1.0, -1.0)
    return nonzero * signs / np.sqrt(density * k)


def sq_norm_variance(u, s, k):
    """Exercise 02.variance: Var(||R u||^2) for a (k, D) matrix R with i.i.d. entries of
    mean 0, variance 1/k and fourth moment s/k^2 (s = 1/density; s = 3 for Gaussian)."""
    u = np.asarray(u, dtype=np.float64)
    norm2 = np.sum(u ** 2)
    return float((2 * norm2 ** 2 + (s - 3) * np.sum(u ** 4)) / k)


def smallest_k(X, eps, delta, rng):
    """Exercise 02.kmin: the smallest k at which a Gaussian projection keeps every pairwise squared
    distance of the rows of X within 1 ± eps in at least a fraction 1 − delta of the draws, found by
    bisection over 100 draws. The first k columns of X Ωᵀ (Ω with many rows), divided by √k, are a
    k-dimensional Gaussian projection, so one set of draws serves every candidate k."""
    from scipy.spatial.distance import pdist
    X = np.asarray(X, dtype=np.float64)
    Xc = X - X.mean(axis=0)
    n, D = X.shape
    k_hi = int(np.ceil((4 * np.log(n) + 2 * np.log(1 / delta)) / (eps ** 2 / 2 - eps ** 3 / 3)))
    sketches = [Xc @ rng.standard_normal((D, k_hi)) for _ in range(100)]
    d_x = pdist(Xc) ** 2

    def success_rate(k):
        return np.mean([np.abs(pdist(Y[:, :k]) ** 2 / (k * d_x) - 1).max() <= eps for Y in sketches])

    lo, hi = 1, k_hi
    while lo < hi:
        mid = (lo + hi) // 2
        if success_rate(mid) >= 1 - delta:
            hi = mid
        else:
            lo = mid + 1
    return int(lo)
