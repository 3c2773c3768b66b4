"""Instructor-only: plausible wrong answers of lesson 05 (fed to the checks by the test suite)."""
import numpy as np

from ..registry import wrong


def _dist2(X):
    sq = np.sum(X**2, axis=1)
    return np.maximum(sq[:, None] + sq[None, :] - 2 * X @ X.T, 0.0)


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


# ----------------------------------------------------------------------------- 05.censored

@wrong("05.censored")
def _censored_mle_proper(log_mu, n):
    m = len(log_mu)
    return float(m / (np.sum(log_mu) + (n - m) * log_mu[-1]))      # the MLE, not bias-corrected


@wrong("05.censored")
def _censored_ignores_censoring(log_mu, n):
    return float((len(log_mu) - 1) / np.sum(log_mu))             # the n - m larger values forgotten


@wrong("05.censored")
def _censored_n_instead_of_m(log_mu, n):
    m = len(log_mu)
    return float((n - 1) / (np.sum(log_mu) + (n - m) * log_mu[-1]))


# ----------------------------------------------------------------------------- 05.scale

def _curve(X, k_max, average="inverse"):
    from lowdim_utils.neighbors import knn
    k_max = min(k_max, len(X) - 1)
    logT = np.log(knn(X, k_max)[0].double().numpy())
    csum = np.cumsum(logT, axis=1)
    ks = np.arange(2, k_max + 1)
    S = (ks - 1) * logT[:, ks - 1] - csum[:, ks - 2]
    est = (ks - 1) / S.mean(axis=0) if average == "inverse" else ((ks - 1) / S).mean(axis=0)
    return ks, est


@wrong("05.scale")
def _scale_best_not_smallest(X, d, tol=0.1, k_max=150):
    ks, est = _curve(X, k_max)
    i = int(np.argmin(np.abs(est - d)))
    return int(ks[i]) if abs(est[i] - d) <= tol * d else None


@wrong("05.scale")
def _scale_plain_mean(X, d, tol=0.1, k_max=150):
    ks, est = _curve(X, k_max, average="mean")                   # Levina–Bickel's plain average
    good = np.flatnonzero(np.abs(est - d) <= tol * d)
    return int(ks[good[0]]) if len(good) else None


@wrong("05.scale")
def _scale_off_by_one(X, d, tol=0.1, k_max=150):
    ks, est = _curve(X, k_max)
    good = np.flatnonzero(np.abs(est - d) <= tol * d)
    return int(good[0]) + 1 if len(good) else None               # an index, not k


@wrong("05.scale")
def _scale_never_none(X, d, tol=0.1, k_max=150):
    ks, est = _curve(X, k_max)
    good = np.flatnonzero(np.abs(est - d) <= tol * d)
    return int(ks[good[0]]) if len(good) else int(ks[np.argmin(np.abs(est - d))])
