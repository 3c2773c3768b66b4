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
