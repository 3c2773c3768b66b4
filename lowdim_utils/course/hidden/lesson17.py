"""Instructor-only: plausible wrong answers of lesson 17 (fed to the checks by the test suite)."""
import numpy as np

from ..registry import wrong


# ------------------------------------------------------------------ 17.rate

@wrong("17.rate")
def _rate_naive_det(Z, eps):
    Z = np.asarray(Z, float)
    n, d = Z.shape
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return float(0.5 * np.log(np.linalg.det(np.eye(d) + d / (n * eps ** 2) * Z.T @ Z)))   # overflows


@wrong("17.rate")
def _rate_swapped_scale(Z, eps):
    Z = np.asarray(Z, float)
    n, d = Z.shape
    return float(0.5 * np.linalg.slogdet(np.eye(d) + n / (d * eps ** 2) * Z.T @ Z)[1])


@wrong("17.rate")
def _rate_no_half(Z, eps):
    Z = np.asarray(Z, float)
    n, d = Z.shape
    return float(np.linalg.slogdet(np.eye(d) + d / (n * eps ** 2) * Z.T @ Z)[1])


@wrong("17.rate")
def _rate_wrong_gram_scale(Z, eps):
    Z = np.asarray(Z, float)
    n, d = Z.shape
    if d <= n:
        return float(0.5 * np.linalg.slogdet(np.eye(d) + d / (n * eps ** 2) * Z.T @ Z)[1])
    return float(0.5 * np.linalg.slogdet(np.eye(n) + n / (d * eps ** 2) * Z @ Z.T)[1])   # scale swapped when wide


# ------------------------------------------------------------------ 17.orth

@wrong("17.orth")
def _orth_no_weight(counts, dims, d, eps):
    c, m = np.asarray(counts, float), np.asarray(dims, float)
    n = c.sum()
    return float(np.sum(m / 2 * np.log1p(d * c / (n * eps ** 2 * m))) - np.sum(m / 2 * np.log1p(d / (eps ** 2 * m))))


@wrong("17.orth")
def _orth_total_count(counts, dims, d, eps):
    c, m = np.asarray(counts, float), np.asarray(dims, float)
    n = c.sum()
    R = np.sum(m / 2 * np.log1p(d * c / (n * eps ** 2 * m)))
    return float(R - np.sum(c / n * m / 2 * np.log1p(d * c / (n * eps ** 2 * m))))   # n instead of m_j inside


@wrong("17.orth")
def _orth_equal_classes_only(counts, dims, d, eps):
    c, m = np.asarray(counts, float), np.asarray(dims, float)
    k, n, dm = len(c), c.sum(), m.mean()
    return float(k * dm / 2 * np.log1p(d / (k * eps ** 2 * dm)) - dm / 2 * np.log1p(d / (eps ** 2 * dm)))


# ------------------------------------------------------------------ 17.linear

@wrong("17.linear")
def _linear_identity(X, y, generator):
    import torch
    return torch.eye(X.shape[1], dtype=torch.float64)


@wrong("17.linear")
def _linear_rotation(X, y, generator):
    import torch
    Q, _ = torch.linalg.qr(torch.randn(X.shape[1], X.shape[1], generator=generator, dtype=torch.float64))
    return 3.0 * Q                                   # rotations and scalings keep every angle
