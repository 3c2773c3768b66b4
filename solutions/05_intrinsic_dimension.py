"""Solutions to the exercises of lesson 05 (intrinsic dimension)."""
import numpy as np

from lowdim_utils.neighbors import knn


def twonn_censored(log_mu, n):
    """Exercise 05.censored: the bias-corrected maximum-likelihood estimate of d from the m smallest
    of n log-ratios log(r2/r1) (sorted ascending), a censored sample of Exp(d) variables."""
    m = len(log_mu)
    total = np.sum(log_mu) + (n - m) * log_mu[-1]   # the total time on test T
    return float((m - 1) / total)                    # the MLE m / T is biased up by m / (m - 1)


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


def smallest_good_k(X, d, tol=0.1, k_max=150):
    """Exercise 05.scale: the smallest k in 2..k_max whose estimate (7) is within tol*d of d (None if none)."""
    k_max = min(k_max, len(X) - 1)
    logT = np.log(knn(X, k_max)[0].double().cpu().numpy())     # (n, k_max), one neighbour search
    csum = np.cumsum(logT, axis=1)
    for k in range(2, k_max + 1):
        S = (k - 1) * logT[:, k - 1] - csum[:, k - 2]            # sum_{j<k} log(T_k / T_j), every point
        if abs((k - 1) / S.mean() - d) <= tol * d:                # Eq. (7)
            return k
    return None
