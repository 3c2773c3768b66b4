"""Instructor-only: plausible wrong answers of lesson 13 (fed to the checks by the test suite)."""
import math

import numpy as np
from scipy.special import log_ndtr, ndtr

from ..registry import wrong


# ------------------------------------------------------------------ 13.hrr

@wrong("13.hrr")
def _hrr_correlation(a, b):
    """Circular correlation (the unbinding operation) instead of convolution."""
    d = np.shape(a)[-1]
    return np.fft.irfft(np.conj(np.fft.rfft(a, axis=-1)) * np.fft.rfft(b, axis=-1), n=d, axis=-1)


@wrong("13.hrr")
def _hrr_complex(a, b):
    """Forgets to take the real part."""
    return np.fft.ifft(np.fft.fft(a, axis=-1) * np.fft.fft(b, axis=-1), axis=-1)


@wrong("13.hrr")
def _hrr_no_n(a, b):
    """np.fft.irfft without n: right for even d only."""
    return np.fft.irfft(np.fft.rfft(a, axis=-1) * np.fft.rfft(b, axis=-1), axis=-1)


@wrong("13.hrr")
def _hrr_linear(a, b):
    """Linear convolution cut to d entries (no wrap-around)."""
    a, b = np.asarray(a), np.asarray(b)
    return np.stack([np.convolve(x, y)[:a.shape[-1]] for x, y in zip(a, b)])


# ------------------------------------------------------------------ 13.capacity

def _quad(n, d, m, arg, power):
    if m == 1:
        return 1.0
    z, w = np.polynomial.hermite_e.hermegauss(96)
    return float(np.sum(w * np.exp(power(m) * log_ndtr(arg(n, d, z)))) / math.sqrt(2 * math.pi))


@wrong("13.capacity")
def _cap_wrong_items_variance(n, d, m):
    """Forgets that a wrong item also meets v_j itself: its variance taken as (n−1)d, not nd."""
    if n == 1:
        return 1.0
    return _quad(n, d, m, lambda n, d, z: z + math.sqrt(d / (n - 1)), lambda m: m - 1)


@wrong("13.capacity")
def _cap_m_not_m_minus_1(n, d, m):
    """m wrong items instead of m − 1."""
    return _quad(n, d, m, lambda n, d, z: (math.sqrt(d) + math.sqrt(n - 1) * z) / math.sqrt(n), lambda m: m)


@wrong("13.capacity")
def _cap_plug_in_mean(n, d, m):
    """Treats the right item's score as its mean: Φ(√(d/n))^(m−1), no integral."""
    return float(ndtr(math.sqrt(d / n)) ** (m - 1))


# ------------------------------------------------------------------ 13.dimension

@wrong("13.dimension")
def _dim_ignores_m(n, m, target):
    """Only one wrong item considered: Φ(√(d/(n−1))) ≥ target."""
    from scipy.stats import norm
    return max(1, math.ceil((n - 1) * norm.ppf(target) ** 2))


@wrong("13.dimension")
def _dim_always_10000(n, m, target):
    """Kanerva's 10 000 whatever the task."""
    return 10000


@wrong("13.dimension")
def _dim_equal_n(n, m, target):
    return n
