"""Solutions to the exercises of lesson 00 (introduction)."""
import numpy as np


def explained_variance_ratio(s):
    """Exercise 00.evr: the share of the total variance carried by each singular direction."""
    power = np.asarray(s, dtype=float) ** 2
    return power / power.sum()


def dc_share(X):
    """Exercise 00.dc: the share of the total variance of X (n, d) along the unit vector 1/sqrt(d),
    from the row means (its projection is sqrt(d) times the row mean) and the column variances."""
    X = np.asarray(X, dtype=float)
    d = X.shape[1]
    return float(d * X.mean(axis=1).var() / X.var(axis=0).sum())


def curve_fooling_pca(n, rng):
    """Exercise 00.curve: n points (n, 30) of one closed curve whose 15 frequency pairs
    (cos f t, sin f t) all have the same amplitude, so PCA spreads the variance over 30 directions."""
    t = rng.uniform(0, 2 * np.pi, n)
    f = np.arange(1, 16)
    return np.concatenate([np.cos(np.outer(t, f)), np.sin(np.outer(t, f))], axis=1) / np.sqrt(len(f))
