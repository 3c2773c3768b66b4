"""Solutions to the exercises of lesson 01 (PCA and the SVD)."""
import numpy as np


def pca_np(X, k):
    """Exercise 01.pca: the top-k principal directions (k, d) and their variances (k,)."""
    Xc = X - X.mean(axis=0)
    _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    return Vt[:k], s[:k] ** 2 / (X.shape[0] - 1)


def power_iteration_np(A, n_iter=500, tol=1e-10):
    """Exercise 01.power: the top eigenvalue and unit eigenvector of a symmetric PSD matrix A.

    A random start has a non-zero component along the top eigenvector with probability 1 (a fixed
    vector is orthogonal to it for some A, and then A^t v never sees it); a seeded generator keeps
    the function deterministic."""
    v = np.random.default_rng(0).standard_normal(A.shape[0])
    v /= np.linalg.norm(v)
    for _ in range(n_iter):
        w = A @ v
        w /= np.linalg.norm(w)
        converged = np.linalg.norm(w - v) < tol
        v = w
        if converged:
            break
    return float(v @ A @ v), v


def range_finder_np(X, size, n_iter, rng):
    """Exercise 01.range: an orthonormal basis Q (n, size) of the approximate range of X,
    from a Gaussian sketch and n_iter power iterations, re-orthonormalised after every product
    (randomized subspace iteration, HMT Alg. 4.4): the singular values of (X Xᵀ)^q X Ω fall like
    σ_j^(2q+1) and would drop below machine precision if Y were formed first."""
    omega = rng.standard_normal((X.shape[1], size))
    Q, _ = np.linalg.qr(X @ omega)
    for _ in range(n_iter):
        Q, _ = np.linalg.qr(X.T @ Q)
        Q, _ = np.linalg.qr(X @ Q)
    return Q
