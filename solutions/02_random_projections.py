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
