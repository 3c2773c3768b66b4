"""Instructor-only: plausible wrong answers of lesson 05 (fed to the checks by the test suite)."""
import numpy as np

from ..registry import wrong


def _dist2(X):
    sq = np.sum(X**2, axis=1)
    return np.maximum(sq[:, None] + sq[None, :] - 2 * X @ X.T, 0.0)


# ----------------------------------------------------------------------------- 05.pca_dim

@wrong("05.pca_dim")
def _pca_dim_uncentred(X, threshold=0.9):
    s = np.linalg.svd(X, compute_uv=False)
    return int(np.searchsorted(np.cumsum(s**2) / np.sum(s**2), threshold)) + 1


@wrong("05.pca_dim")
def _pca_dim_unsquared(X, threshold=0.9):
    s = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    return int(np.searchsorted(np.cumsum(s) / np.sum(s), threshold)) + 1


@wrong("05.pca_dim")
def _pca_dim_off_by_one(X, threshold=0.9):
    s = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    return int(np.searchsorted(np.cumsum(s**2) / np.sum(s**2), threshold))


# ----------------------------------------------------------------------------- 05.twonn

def _twonn_xy(X, discard_fraction, *, inverted=False, exclude_self=True):
    """The TwoNN regression data x = sorted log(mu), y = -log(1 - i/n), with optional mistakes."""
    D2 = _dist2(X)
    if exclude_self:
        np.fill_diagonal(D2, np.inf)
    r = np.sqrt(np.sort(D2, axis=1)[:, :2])
    n = len(X)
    m = int(n * (1 - discard_fraction))
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.sort(np.log(r[:, 0] / r[:, 1]) if inverted else np.log(r[:, 1] / r[:, 0]))[:m]
    return x, -np.log(1 - np.arange(1, m + 1) / n)


@wrong("05.twonn")
def _twonn_inverted_ratio(X, discard_fraction=0.1):
    x, y = _twonn_xy(X, discard_fraction, inverted=True)
    return float(x @ y / (x @ x))


@wrong("05.twonn")
def _twonn_swapped_regression(X, discard_fraction=0.1):
    x, y = _twonn_xy(X, discard_fraction)
    return float(x @ y / (y @ y))


@wrong("05.twonn")
def _twonn_self_neighbour(X, discard_fraction=0.1):
    x, y = _twonn_xy(X, discard_fraction, exclude_self=False)   # the point itself is its "first neighbour"
    with np.errstate(invalid="ignore"):
        return float(x @ y / (x @ x))


@wrong("05.twonn")
def _twonn_with_intercept(X, discard_fraction=0.1):
    x, y = _twonn_xy(X, discard_fraction)
    return float(np.polyfit(x, y, 1)[0])


# ----------------------------------------------------------------------------- 05.mle

def _local_sums(X, k):
    D2 = _dist2(np.asarray(X, dtype=np.float64) - np.mean(X, axis=0))
    np.fill_diagonal(D2, np.inf)
    T = np.sqrt(np.sort(D2, axis=1)[:, :k])
    return np.sum(np.log(T[:, -1:] / T[:, :-1]), axis=1)


@wrong("05.mle")
def _mle_mean_of_local(X, k):
    S = _local_sums(X, k)
    return float(np.mean((k - 1) / S))


@wrong("05.mle")
def _mle_divide_by_k(X, k):
    S = _local_sums(X, k)
    return float(k / np.mean(S))


@wrong("05.mle")
def _mle_wrong_sign(X, k):
    S = _local_sums(X, k)
    return float(-(k - 1) / np.mean(S))


@wrong("05.mle")
def _mle_self_neighbour(X, k):
    D2 = _dist2(X)                     # the diagonal (distance 0 to itself) was not excluded
    T = np.sqrt(np.sort(D2, axis=1)[:, :k])
    with np.errstate(divide="ignore"):
        S = np.sum(np.log(T[:, -1:] / T[:, :-1]), axis=1)
    return float((k - 1) / np.mean(S))
