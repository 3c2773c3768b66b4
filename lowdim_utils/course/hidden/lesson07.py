"""Instructor-only: plausible wrong answers of lesson 07 (fed to the checks by the test suite)."""
import numpy as np
import scipy.linalg

from ..registry import wrong


def _gram(D):
    n = D.shape[0]
    J = np.eye(n) - 1.0 / n
    return -0.5 * J @ (D**2) @ J


# ------------------------------------------------------------------ 07.mds

@wrong("07.mds")
def _mds_unscaled(D, k):
    lam, V = np.linalg.eigh(_gram(D))
    return V[:, ::-1][:, :k]


@wrong("07.mds")
def _mds_smallest(D, k):
    lam, V = np.linalg.eigh(_gram(D))
    return V[:, :k] * np.sqrt(np.abs(lam[:k]))


@wrong("07.mds")
def _mds_lambda_not_sqrt(D, k):
    lam, V = np.linalg.eigh(_gram(D))
    return V[:, ::-1][:, :k] * lam[::-1][:k]


@wrong("07.mds")
def _mds_not_squared(D, k):
    n = D.shape[0]
    J = np.eye(n) - 1.0 / n
    lam, V = np.linalg.eigh(-0.5 * J @ D @ J)
    return V[:, ::-1][:, :k] * np.sqrt(np.maximum(lam[::-1][:k], 0))


# ------------------------------------------------------------------ 07.laplacian

@wrong("07.laplacian")
def _le_keeps_trivial(W, k):
    d = W.sum(1)
    _, Y = scipy.linalg.eigh(np.diag(d) - W, np.diag(d))
    return Y[:, :k]


@wrong("07.laplacian")
def _le_standard_problem(W, k):
    d = W.sum(1)
    _, Y = np.linalg.eigh(np.diag(d) - W)
    return Y[:, 1:k + 1]


@wrong("07.laplacian")
def _le_largest(W, k):
    d = W.sum(1)
    _, Y = scipy.linalg.eigh(np.diag(d) - W, np.diag(d))
    return Y[:, ::-1][:, :k]


@wrong("07.mds")
def _mds_no_half(D, k):  # J D∘D J without the factor −½: its top eigenvectors are B's bottom ones
    n = D.shape[0]
    J = np.eye(n) - 1.0 / n
    lam, V = np.linalg.eigh(J @ (D ** 2) @ J)
    return V[:, ::-1][:, :k] * np.sqrt(np.maximum(lam[::-1][:k], 0))


@wrong("07.mds")
def _mds_matrix_square(D, k):  # D @ D instead of the entrywise square D∘D
    n = D.shape[0]
    J = np.eye(n) - 1.0 / n
    lam, V = np.linalg.eigh(-0.5 * J @ (D @ D) @ J)
    return V[:, ::-1][:, :k] * np.sqrt(np.maximum(lam[::-1][:k], 0))


# ------------------------------------------------------------------ 07.new_point

def _mu_lam(Y, D):
    return (D ** 2).mean(axis=0), (Y ** 2).sum(axis=0)


@wrong("07.new_point")
def _new_no_half(Y, D, delta):
    mu, lam = _mu_lam(Y, D)
    return (mu - delta ** 2) @ Y / lam


@wrong("07.new_point")
def _new_not_squared(Y, D, delta):  # plain distances instead of squared ones
    lam = (Y ** 2).sum(axis=0)
    return 0.5 * (D.mean(axis=0) - delta) @ Y / lam


@wrong("07.new_point")
def _new_sqrt_lambda(Y, D, delta):  # divides by √λ as for the eigenvectors V, but multiplies by Y
    mu, lam = _mu_lam(Y, D)
    return 0.5 * (mu - delta ** 2) @ Y / np.sqrt(lam)


@wrong("07.new_point")
def _new_sign(Y, D, delta):
    mu, lam = _mu_lam(Y, D)
    return 0.5 * (delta ** 2 - mu) @ Y / lam


@wrong("07.new_point")
def _new_own_mean(Y, D, delta):  # centres δ² by its own mean instead of the training means μ
    lam = (Y ** 2).sum(axis=0)
    d2 = delta ** 2
    return -0.5 * (d2 - d2.mean(axis=1, keepdims=True)) @ Y / lam


# ------------------------------------------------------------------ 07.neighbors

def _unrolls(X, t, k):
    from scipy.stats import spearmanr

    from ...manifold import DisconnectedGraphError, isomap
    try:
        z = isomap(X, 2, n_neighbors=k).embedding[:, 0].numpy()
    except DisconnectedGraphError:
        return False
    return abs(spearmanr(z, t)[0]) >= 0.99


def _scan(X, t):
    k = 3
    while not _unrolls(X, t, k):
        k += 1
    lo = k
    while _unrolls(X, t, k + 1):
        k += 1
    return lo, k


@wrong("07.neighbors")
def _range_off_by_one(X, t):  # returns the first failing value as k_max
    lo, hi = _scan(X, t)
    return lo, hi + 1


@wrong("07.neighbors")
def _range_hardcoded(X, t):  # the lesson roll's answer, whatever the data
    return 5, 11


@wrong("07.neighbors")
def _range_connectivity_only(X, t):  # "works" = the graph is connected
    from ...manifold import connected_components
    from ...neighbors import knn
    ks = [k for k in range(3, 41) if connected_components(knn(X, k)[1])[0] == 1]
    return ks[0], ks[-1]


@wrong("07.neighbors")
def _range_starts_too_low(X, t):  # counts each point as its own neighbour
    lo, hi = _scan(X, t)
    return lo - 1, hi
