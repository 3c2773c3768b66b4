"""Solutions to the exercises of lesson 07 (manifold learning)."""
import numpy as np
import scipy.linalg


def double_center_np(D):
    """Exercise 07.double_center: the Gram matrix B = -1/2 J (D∘D) J of a distance matrix D (n, n)."""
    n = D.shape[0]
    J = np.eye(n) - np.ones((n, n)) / n
    return -0.5 * J @ (D**2) @ J


def classical_mds_np(D, k):
    """Exercise 07.mds: classical MDS of a distance matrix D (n, n) into k dimensions, (n, k),
    columns ordered by decreasing eigenvalue."""
    B = double_center_np(D)
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
