"""Instructor-only: plausible wrong answers of lesson 20 (fed to the checks by the test suite)."""
import numpy as np

from ..registry import wrong

# ------------------------------------------------------------------ 20.cka


@wrong("20.cka")
def _cka_not_centred(X, Y):
    return float(np.linalg.norm(Y.T @ X) ** 2 / (np.linalg.norm(X.T @ X) * np.linalg.norm(Y.T @ Y)))


@wrong("20.cka")
def _cka_unsquared(X, Y):
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    return float(np.linalg.norm(Yc.T @ Xc) / np.sqrt(np.linalg.norm(Xc.T @ Xc) * np.linalg.norm(Yc.T @ Yc)))


@wrong("20.cka")
def _cka_rv_of_norms(X, Y):
    """Normalises by the squared Frobenius norms of the data, not of the Gram-like products."""
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    return float(np.linalg.norm(Yc.T @ Xc) ** 2 / (np.linalg.norm(Xc) ** 2 * np.linalg.norm(Yc) ** 2))


# ------------------------------------------------------------------ 20.break

@wrong("20.break")
def _break_rotation(X):
    q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((X.shape[1], X.shape[1])))
    return q                                  # orthogonal: CKA does not move


@wrong("20.break")
def _break_scaling(X):
    return 5.0 * np.eye(X.shape[1])           # isotropic scaling: CKA does not move


@wrong("20.break")
def _break_projection(X):
    A = np.eye(X.shape[1])
    A[0, 0] = 0.0                             # kill the loudest coordinate: not invertible
    return A


@wrong("20.break")
def _break_mild_diagonal(X):
    return np.diag(np.random.default_rng(1).uniform(0.5, 2.0, X.shape[1]))   # invertible but too gentle


# ------------------------------------------------------------------ 20.translate

@wrong("20.translate")
def _translate_identity(anchors_a, anchors_b, Z_a):
    return Z_a.copy()


@wrong("20.translate")
def _translate_no_centring(anchors_a, anchors_b, Z_a):
    U, s, Vt = np.linalg.svd(anchors_a.T @ anchors_b)
    return Z_a @ (U @ Vt) * (s.sum() / (anchors_a ** 2).sum())


@wrong("20.translate")
def _translate_no_scale(anchors_a, anchors_b, Z_a):
    mu_a, mu_b = anchors_a.mean(0), anchors_b.mean(0)
    U, _, Vt = np.linalg.svd((anchors_a - mu_a).T @ (anchors_b - mu_b))
    return (Z_a - mu_a) @ (U @ Vt) + mu_b
