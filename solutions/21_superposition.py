"""Solutions to the exercises of lesson 21 (superposition, sparse autoencoders, neural collapse)."""
import numpy as np


def simplex_etf_np(K):
    """Exercise 21.etf: K unit vectors with pairwise inner products -1/(K-1) (lesson 21, Eq. (11)).

    Centre the standard basis: the columns of I - 11ᵀ/K sum to zero, have equal norms sqrt((K-1)/K) and
    inner products -1/K; rescaling by sqrt(K/(K-1)) makes them unit vectors with inner products -1/(K-1).
    They cannot be orthonormal: K unit vectors summing to zero have Σ_{k≠l} v_kᵀv_l = -K, the most negative
    total possible, which is why the ETF is the most spread-out configuration (and lives in K-1 dimensions)."""
    return np.sqrt(K / (K - 1)) * (np.eye(K) - np.ones((K, K)) / K)


def antipodal_loss(p, r, a):
    """Exercise 21.antipodal: expected loss (3) of W = (1, -a), b = 0, 0 < a <= 1, importances (1, r), density p.

    Only x1 active: x' = (x1, 0), exact. Only x2 active: x'_2 = a² x2, error r(1-a²)² x2², mean r(1-a²)²/3.
    Both active, x1 > a x2: errors (a x2)² and r x2²; x1 < a x2: errors x1² and r((1-a²) x2 + a x1)².
    Integrating over the unit square (x1 < a x2 is the triangle below the line x1 = a x2):
    E[(a x2)²; x1 > a x2] = a²/3 - a³/4, E[x1²; x1 < a x2] = a³/12, E[x2²; x1 > a x2] = 1/3 - a/4,
    E[((1-a²) x2 + a x1)²; x1 < a x2] = (1 - (1-a²)³) / (12 a)."""
    c = 1.0 - a * a
    one = p * (1 - p) * r * c * c / 3
    both = a * a / 3 - a ** 3 / 6 + r * (1 / 3 - a / 4 + (1 - c ** 3) / (12 * a))
    return float(one + p * p * both)


def pentagon_density():
    """Exercise 21.pentagon: a density at which five features of equal importance in two dimensions are all
    represented. Scanning p in 0.05 ... 0.3 with the check's settings: five of five in every seed at p = 0.1,
    in two of three seeds at 0.12 and 0.15, and four of five in two seeds at 0.2 (an antipodal pair and
    a feature dropped). 0.1 is on the safe side of a transition that other seeds move a little."""
    return 0.1
