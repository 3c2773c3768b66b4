"""Solutions to the exercises of lesson 04 (low-rank plus sparse: robust PCA)."""
import numpy as np
import torch

from lowdim_utils import robust


def svt_np(X, tau):
    """Exercise 04.svt: singular value thresholding U diag(max(σ − τ, 0)) Vᵀ of X (m, n), Eq. (4)."""
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    return (U * np.maximum(s - tau, 0.0)) @ Vt


def project_l1_subdiff_np(Y, S, lam):
    """Exercise 04.proj: the Euclidean projection of Y onto λ∂‖S‖₁ (the second set of Eq. (9))."""
    return np.where(S != 0, lam * np.sign(S), np.clip(Y, -lam, lam))


def duality_gap_np(M, L, Y, lam):
    """Exercise 04.gap: a bound on ‖L‖_* + λ‖M − L‖₁ − P* from any Y (Eqs. (10), (12)).

    (L, M − L) is feasible for (1); Y divided by max(1, ‖Y‖₂, ‖Y‖_∞/λ) — the least shrinking that
    meets both constraints of the dual (10) — gives the lower bound ⟨Ŷ, M⟩ ≤ P* (weak duality).
    """
    scale = max(1.0, np.linalg.norm(Y, 2), np.abs(Y).max() / lam)
    primal = np.linalg.norm(L, "nuc") + lam * np.abs(M - L).sum()
    return primal - np.sum(Y * M) / scale


def lambda_interval(M, L0):
    """Exercise 04.lam: the widest (c_lo, c_hi) such that PCP with λ = c/√max(m, n) recovers L0 (error < 1e-3),
    from a geometric scan of c with ratio 400^(1/40) ≈ 1.16."""
    m, n = M.shape
    cs = np.geomspace(0.05, 20, 41)
    recovered = []
    for c in cs:
        res = robust.robust_pca(M, lam=c / np.sqrt(max(m, n)), tol_dual=None, max_iter=400)
        err = float(torch.linalg.norm(res.L - L0) / torch.linalg.norm(L0))
        recovered.append(err < 1e-3)
    good = cs[np.array(recovered)]
    return float(good.min()), float(good.max())
