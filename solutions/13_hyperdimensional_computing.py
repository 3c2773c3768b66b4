"""Solutions to the exercises of lesson 13 (hyperdimensional computing)."""
import math

import numpy as np
from scipy.special import log_ndtr


def hrr_bind_np(a, b):
    """Exercise 13.hrr: circular convolution of matching rows of a and b, (n, d) → (n, d), Eq. (2),
    by the convolution theorem: F(a ⊛ b) = F(a) · F(b)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    d = a.shape[-1]
    return np.fft.irfft(np.fft.rfft(a, axis=-1) * np.fft.rfft(b, axis=-1), n=d, axis=-1)


def predicted_accuracy_np(n, d, m):
    """Exercise 13.capacity: P(right item wins) = ∫ φ(z) Φ((√d + √(n−1) z)/√n)^(m−1) dz, Eq. (7).

    Unbinding leaves v_j plus n − 1 random crosstalk vectors. The right item scores d + N(0, (n−1)d)
    (its own d, plus the crosstalk); a wrong item scores N(0, nd) (it meets v_j and the crosstalk,
    n random vectors). Condition on the right item's noise z: each of the m − 1 wrong ones stays
    below with probability Φ((d + √((n−1)d) z)/√(nd)); average over z.
    """
    if m == 1:
        return 1.0
    z, w = np.polynomial.hermite_e.hermegauss(96)
    arg = (math.sqrt(d) + math.sqrt(n - 1) * z) / math.sqrt(n)
    return float(np.sum(w * np.exp((m - 1) * log_ndtr(arg))) / math.sqrt(2 * math.pi))


def dimension_for(n, m, target):
    """Exercise 13.dimension: the smallest d at which a MAP record of n pairs returns the right one of
    m values with probability >= target — Eq. (7) is increasing in d, so bisect on it."""
    lo, hi = 1, 2
    while predicted_accuracy_np(n, hi, m) < target:
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if predicted_accuracy_np(n, mid, m) >= target:
            hi = mid
        else:
            lo = mid
    return hi
