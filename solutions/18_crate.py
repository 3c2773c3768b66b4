"""Solutions to the exercises of lesson 18 (white-box transformers, CRATE)."""
import numpy as np


def mssa_np(Z, U, eps):
    """Exercise 18.mssa: multi-head subspace self-attention (lesson 18, Eq. (5)) in NumPy.

    Z: (N, d) tokens as rows, U: (K, d, p) subspace bases. For each head, project the tokens, A = Z U_k
    (N, p); form the token Gram A Aᵀ (N, N) and its row-wise softmax S; the head's output is S A U_kᵀ (N, d).
    Sum over heads and multiply by β = p / (N ε²). The row maximum is subtracted before exponentiating.
    """
    Z, U = np.asarray(Z, dtype=np.float64), np.asarray(U, dtype=np.float64)
    N, p = Z.shape[0], U.shape[2]
    beta = p / (N * eps ** 2)
    out = np.zeros_like(Z)
    for Uk in U:
        A = Z @ Uk                                   # (N, p) projected tokens
        G = A @ A.T                                  # (N, N) similarities
        G = G - G.max(axis=1, keepdims=True)         # stable softmax over each row
        S = np.exp(G)
        S /= S.sum(axis=1, keepdims=True)
        out += S @ A @ Uk.T
    return beta * out


def grad_second_order_np(Z, U, eps):
    """Exercise 18.neumann: the gradient of R^c with the inverse (I + βG)⁻¹ expanded to second order,
    I − βG + β²G² (G = A Aᵀ the token Gram of head k): Σ_k β (A − βGA + β²G²A) U_kᵀ, an (N, d) array."""
    Z, U = np.asarray(Z, dtype=np.float64), np.asarray(U, dtype=np.float64)
    N, p = Z.shape[0], U.shape[2]
    beta = p / (N * eps ** 2)
    out = np.zeros_like(Z)
    for Uk in U:
        A = Z @ Uk
        GA = A @ (A.T @ A)                           # G A without forming G (N p² instead of N² p)
        G2A = A @ (A.T @ GA)                         # G² A
        out += (A - beta * GA + beta ** 2 * G2A) @ Uk.T
    return beta * out


def lambda_for_sparsity(Z, D, eta, target):
    """Exercise 18.lambda: the smallest λ ≥ 0 at which the ISTA block ReLU(V − ηλ), V = Z + η (Z − Z Dᵀ) D,
    leaves at most a fraction `target` of its entries non-zero.

    The output is non-zero exactly where V > ηλ, so the count of non-zeros falls as ηλ passes the sorted
    entries of V: λ is the (1 − target) quantile of V divided by η — the k-th largest entry, k = ⌊target·n⌋,
    no search needed (and 0 if already sparse enough).
    """
    Z, D = np.asarray(Z, dtype=np.float64), np.asarray(D, dtype=np.float64)
    V = (Z + eta * (Z - Z @ D.T) @ D).ravel()
    k = int(np.floor(target * V.size))               # at most k entries may stay positive
    v = np.sort(V)[::-1]
    if k >= V.size or v[k] <= 0:                     # already at most k positive entries with λ = 0
        return 0.0
    return float(v[k] / eta)                         # ReLU(V − v[k]) keeps only the k entries above v[k]
