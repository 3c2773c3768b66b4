"""Solutions to the exercises of lesson 20 (comparing representations)."""
import numpy as np


def linear_cka_np(X, Y):
    """Exercise 20.cka: biased linear CKA of X (n, p) and Y (n, q) in feature space,
    ‖Ycᵀ Xc‖_F² / (‖Xcᵀ Xc‖_F ‖Ycᵀ Yc‖_F) with column-centred Xc, Yc (lesson 20, Eq. (4))."""
    Xc = X - X.mean(axis=0)
    Yc = Y - Y.mean(axis=0)
    cross = np.linalg.norm(Yc.T @ Xc) ** 2
    return float(cross / (np.linalg.norm(Xc.T @ Xc) * np.linalg.norm(Yc.T @ Yc)))


def cka_breaking_map(X):
    """Exercise 20.break: an invertible (d, d) map A with CKA(X, XA) small.

    Whiten: with Xc = U S Vᵀ, A = V S⁻¹ Vᵀ · s₁ gives XcA = s₁ U Vᵀ, whose singular values are all equal.
    CCA cannot tell (A is invertible); CKA = Σσᵢ² / sqrt(d Σσᵢ⁴), small when a few directions dominate X."""
    Xc = X - X.mean(axis=0)
    _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    return Vt.T @ np.diag(s[0] / s) @ Vt


def translate(anchors_a, anchors_b, Z_a):
    """Exercise 20.translate: map points of space A into space B with the similarity transform
    (shift, one scale, orthogonal map) that best matches the paired anchors (lesson 20, Eq. (7))."""
    mu_a, mu_b = anchors_a.mean(axis=0), anchors_b.mean(axis=0)
    Ac, Bc = anchors_a - mu_a, anchors_b - mu_b
    U, s, Vt = np.linalg.svd(Ac.T @ Bc)
    R = U @ Vt                                   # argmin ‖Ac R − Bc‖_F over orthogonal R
    scale = s.sum() / (Ac ** 2).sum()            # the best single scale given R
    return (Z_a - mu_a) @ R * scale + mu_b
