"""Instructor-only: plausible wrong answers of lesson 00 (fed to the check by the test suite)."""
import numpy as np

from ..registry import wrong


@wrong("00.evr")
def _evr_not_squared(s):
    return s / s.sum()


@wrong("00.evr")
def _evr_not_normalised(s):
    return s**2


@wrong("00.evr")
def _evr_cumulative(s):
    return np.cumsum(s**2) / (s**2).sum()


# ------------------------------------------------------------------ 00.dc

@wrong("00.dc")
def _dc_forgets_d(X):
    return float(X.mean(axis=1).var() / X.var(axis=0).sum())


@wrong("00.dc")
def _dc_uncentred_means(X):
    return float(X.shape[1] * np.mean(X.mean(axis=1) ** 2) / X.var(axis=0).sum())


@wrong("00.dc")
def _dc_mixed_ddof(X):
    return float(X.shape[1] * X.mean(axis=1).var() / X.var(axis=0, ddof=1).sum())


# ------------------------------------------------------------------ 00.curve

@wrong("00.curve")
def _curve_as_in_the_lesson(n, rng):
    t = rng.uniform(0, 2 * np.pi, n)
    f = np.arange(1, 11)
    return np.concatenate([np.cos(np.outer(t, f)) / f, np.sin(np.outer(t, f)) / f], axis=1)


@wrong("00.curve")
def _curve_is_noise(n, rng):
    return rng.standard_normal((n, 40))


@wrong("00.curve")
def _curve_circle(n, rng):
    t = rng.uniform(0, 2 * np.pi, n)
    return np.stack([np.cos(t), np.sin(t)], axis=1)
