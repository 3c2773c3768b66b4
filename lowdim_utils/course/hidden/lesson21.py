"""Instructor-only: plausible wrong answers of lesson 21 (fed to the checks by the test suite)."""
import numpy as np

from ..registry import wrong


@wrong("21.etf")
def _orthonormal(K):
    return np.eye(K)


@wrong("21.etf")
def _centred_not_rescaled(K):
    return np.eye(K) - np.ones((K, K)) / K


@wrong("21.antipodal")
def _forgot_only_x2(p, r, a):
    c = 1.0 - a * a
    return p * p * (a * a / 3 - a ** 3 / 6 + r * (1 / 3 - a / 4 + (1 - c ** 3) / (12 * a)))


@wrong("21.antipodal")
def _density_not_squared(p, r, a):
    return (1 + r) * p / 6


@wrong("21.pentagon")
def _dense():
    return 0.5


@wrong("21.pentagon")
def _too_sparse():
    return 0.01                       # surely a pentagon, but below the density the check asks for
