"""Instructor-only: plausible wrong answers of lesson 02 (fed to the checks by the test suite)."""
import numpy as np

from ..registry import wrong


# ----------------------------------------------------------------------------- 02.gaussian

@wrong("02.gaussian")
def _gauss_unscaled(X, k, rng):
    return X @ rng.standard_normal((X.shape[1], k))


@wrong("02.gaussian")
def _gauss_scaled_by_D(X, k, rng):
    return X @ rng.standard_normal((X.shape[1], k)) / np.sqrt(X.shape[1])


@wrong("02.gaussian")
def _gauss_ignores_rng(X, k, rng):
    return X @ np.random.default_rng(0).standard_normal((X.shape[1], k)) / np.sqrt(k)


@wrong("02.gaussian")
def _gauss_rademacher(X, k, rng):
    return X @ rng.choice([-1.0, 1.0], size=(X.shape[1], k)) / np.sqrt(k)


# ----------------------------------------------------------------------------- 02.sparse

@wrong("02.sparse")
def _sparse_forgets_density(D, k, density, rng):
    nz = rng.random((k, D)) < density
    return nz * np.where(rng.random((k, D)) < 0.5, 1.0, -1.0) / np.sqrt(k)


@wrong("02.sparse")
def _sparse_forgets_k(D, k, density, rng):
    nz = rng.random((k, D)) < density
    return nz * np.where(rng.random((k, D)) < 0.5, 1.0, -1.0) / np.sqrt(density)


@wrong("02.sparse")
def _sparse_double_density(D, k, density, rng):
    u = rng.random((k, D))
    return ((u < density).astype(float) - (u > 1 - density)) / np.sqrt(density * k)


@wrong("02.sparse")
def _sparse_no_signs(D, k, density, rng):
    return (rng.random((k, D)) < density) / np.sqrt(density * k)


# ----------------------------------------------------------------------------- 02.variance

@wrong("02.variance")
def _var_gaussian_only(u, s, k):
    return float(2 * np.sum(u ** 2) ** 2 / k)


@wrong("02.variance")
def _var_s_minus_1(u, s, k):
    return float((2 * np.sum(u ** 2) ** 2 + (s - 1) * np.sum(u ** 4)) / k)


@wrong("02.variance")
def _var_no_k(u, s, k):
    return float(2 * np.sum(u ** 2) ** 2 + (s - 3) * np.sum(u ** 4))


# ----------------------------------------------------------------------------- 02.kmin

@wrong("02.kmin")
def _kmin_the_guarantee(X, eps, delta, rng):
    n = X.shape[0]
    return int(np.ceil(4 * np.log(n) / (eps ** 2 / 2 - eps ** 3 / 3)))     # (7): safe, far from the smallest


@wrong("02.kmin")
def _kmin_median_not_delta(X, eps, delta, rng):
    from scipy.spatial.distance import pdist
    Xc = X - X.mean(axis=0)
    d = pdist(Xc) ** 2
    for k in range(10, 2000, 5):        # the first k where ONE draw succeeds: ignores delta
        Y = Xc @ rng.standard_normal((X.shape[1], k)) / np.sqrt(k)
        if np.abs(pdist(Y) ** 2 / d - 1).max() <= eps:
            return k


@wrong("02.kmin")
def _kmin_percentile_distortion(X, eps, delta, rng):
    from scipy.spatial.distance import pdist
    Xc = X - X.mean(axis=0)
    d = pdist(Xc) ** 2
    for k in range(5, 2000, 5):         # the 99th percentile pair instead of the worst pair
        rates = [np.quantile(np.abs(pdist(Xc @ rng.standard_normal((X.shape[1], k)) / np.sqrt(k)) ** 2 / d - 1),
                             0.99) <= eps for _ in range(20)]
        if np.mean(rates) >= 1 - delta:
            return k
