"""Instructor-only: plausible wrong answers of lesson 04 (fed to the checks by the test suite)."""
import math

import numpy as np
import torch

from ..registry import wrong


# ------------------------------------------------------------------ 04.svt

@wrong("04.svt")
def _svt_hard(X, tau):
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    return (U * np.where(s > tau, s, 0.0)) @ Vt


@wrong("04.svt")
def _svt_no_clip(X, tau):
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    return (U * (s - tau)) @ Vt


@wrong("04.svt")
def _svt_entrywise(X, tau):
    return np.sign(X) * np.maximum(np.abs(X) - tau, 0.0)


@wrong("04.svt")
def _svt_transposed_v(X, tau):
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    return (U * np.maximum(s - tau, 0.0)) @ Vt.T    # numpy already returns Vᵀ


# ------------------------------------------------------------------ 04.proj

@wrong("04.proj")
def _proj_ignores_support(Y, S, lam):
    return np.clip(Y, -lam, lam)


@wrong("04.proj")
def _proj_zeroes_off_support(Y, S, lam):
    return np.where(S != 0, lam * np.sign(S), 0.0)


@wrong("04.proj")
def _proj_forgets_lambda(Y, S, lam):
    return np.where(S != 0, np.sign(S), np.clip(Y, -lam, lam))


# ------------------------------------------------------------------ 04.gap

def _primal(M, L, lam):
    return np.linalg.norm(L, "nuc") + lam * np.abs(M - L).sum()


@wrong("04.gap")
def _gap_no_rescaling(M, L, Y, lam):          # weak duality needs a dual-feasible Y
    return _primal(M, L, lam) - np.sum(Y * M)


@wrong("04.gap")
def _gap_spectral_only(M, L, Y, lam):         # forgets the constraint ‖Y‖_∞ ≤ λ
    return _primal(M, L, lam) - np.sum(Y * M) / max(1.0, np.linalg.norm(Y, 2))


@wrong("04.gap")
def _gap_frobenius(M, L, Y, lam):             # a valid but loose bound: ‖Y‖_F ≥ ‖Y‖₂ shrinks Y too much
    return _primal(M, L, lam) - np.sum(Y * M) / max(1.0, np.linalg.norm(Y), np.abs(Y).max() / lam)


@wrong("04.gap")
def _gap_forgets_lambda(M, L, Y, lam):        # primal value without the weight λ
    scale = max(1.0, np.linalg.norm(Y, 2), np.abs(Y).max() / lam)
    return np.linalg.norm(L, "nuc") + np.abs(M - L).sum() - np.sum(Y * M) / scale


# ------------------------------------------------------------------ 04.lam

def _scan(M, L0, cs, scale, tol):
    from ...robust import robust_pca
    good = []
    for c in cs:
        L_hat = robust_pca(M, lam=c / scale, tol_dual=None, max_iter=400).L
        if float(torch.linalg.norm(L_hat - L0) / torch.linalg.norm(L0)) < tol:
            good.append(float(c))
    return min(good), max(good)


@wrong("04.lam")
def _lam_no_scan(M, L0):                      # takes "no tuning" literally: the universal value only
    return 1.0, 1.0


@wrong("04.lam")
def _lam_wrong_scale(M, L0):                  # λ = c/√(mn) instead of c/√max(m, n)
    m, n = M.shape
    return _scan(M, L0, np.geomspace(0.05, 20, 41), math.sqrt(m * n), 1e-3)


@wrong("04.lam")
def _lam_loose_success(M, L0):                # calls a 10% error a success
    return _scan(M, L0, np.geomspace(0.05, 20, 41), math.sqrt(max(M.shape)), 1e-1)
