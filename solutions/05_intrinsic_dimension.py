"""Solutions to the exercises of lesson 05 (intrinsic dimension)."""
import numpy as np


def pca_dimension_np(X, threshold=0.9):
    """Exercise 05.pca_dim: the smallest k whose top-k principal directions explain at least
    `threshold` of the variance of X (n, D)."""
    Xc = X - X.mean(axis=0)
    s = np.linalg.svd(Xc, compute_uv=False)
    cum = np.cumsum(s**2) / np.sum(s**2)
    return min(int(np.searchsorted(cum, threshold)) + 1, len(s))


def _sq_distances(X):
    """All squared distances (n, n) with the diagonal set to +inf (a point is not its own neighbour)."""
    sq = np.sum(X**2, axis=1)
    D2 = np.maximum(sq[:, None] + sq[None, :] - 2 * X @ X.T, 0.0)
    np.fill_diagonal(D2, np.inf)
    return D2


def twonn_np(X, discard_fraction=0.1):
    """Exercise 05.twonn: the TwoNN estimate (Facco et al. 2017) of the intrinsic dimension of X (n, D)."""
    X = X - X.mean(axis=0)
    D2 = _sq_distances(X)
    r = np.sqrt(np.sort(np.partition(D2, 1, axis=1)[:, :2], axis=1))  # (n, 2): r1, r2
    n = len(X)
    m = int(n * (1 - discard_fraction))
    x = np.sort(np.log(r[:, 1] / r[:, 0]))[:m]          # log mu, ascending, largest discarded
    y = -np.log(1 - np.arange(1, m + 1) / n)            # -log(1 - F_emp)
    return float(x @ y / (x @ x))                        # slope of the line through the origin


def mle_np(X, k):
    """Exercise 05.mle: the Levina–Bickel estimate with k neighbours, averaged as MacKay–Ghahramani suggest."""
    X = X - X.mean(axis=0)
    D2 = _sq_distances(X)
    T = np.sqrt(np.sort(np.partition(D2, k - 1, axis=1)[:, :k], axis=1))  # (n, k) ascending
    S = np.sum(np.log(T[:, -1:] / T[:, :-1]), axis=1)                      # sum_{j<k} log(T_k / T_j)
    inverse_local = S / (k - 1)                                            # 1 / m_k(x_i)
    return float(1.0 / np.mean(inverse_local))
