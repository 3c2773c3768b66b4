"""Solutions to the exercises of lesson 00 (introduction)."""
import numpy as np


def explained_variance_ratio(s):
    """Exercise 00.evr: the share of the total variance carried by each singular direction."""
    power = np.asarray(s, dtype=float) ** 2
    return power / power.sum()
