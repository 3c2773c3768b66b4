"""Checks of lesson 00's exercise (introduction)."""
import numpy as np

from ..registry import exercise, expect, expect_array, expect_close

LESSON = "00_introduction"


@exercise("00.evr", lesson=LESSON, function="explained_variance_ratio", title="explained variance")
def _test_evr(f):
    for s in (np.array([3.0, 2.0, 1.0]), np.array([5.0]), np.linspace(4, 0.5, 10)):
        out = expect_array(f(s.copy()), "the returned ratios", shape=s.shape)
        expect(abs(out.sum() - 1) < 1e-9, f"the ratios should sum to 1, got {out.sum():.6g}.")
        expect_close(out, s**2 / (s**2).sum(), "the ratios", rtol=1e-9,
                     hint="Variance is proportional to the *squared* singular values.")


@_test_evr.wrong
def _evr_not_squared(s):
    return s / s.sum()


@_test_evr.wrong
def _evr_not_normalised(s):
    return s**2


@_test_evr.wrong
def _evr_cumulative(s):
    return np.cumsum(s**2) / (s**2).sum()
