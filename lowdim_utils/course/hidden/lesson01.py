"""Instructor-only: plausible wrong answers of lesson 01 (fed to the checks by the test suite)."""
import numpy as np

from ..registry import wrong


# ------------------------------------------------------------------ 01.pca

@wrong("01.pca")
def _pca_uncentred(X, k):
    _, s, Vt = np.linalg.svd(X, full_matrices=False)
    return Vt[:k], s[:k] ** 2 / (X.shape[0] - 1)


@wrong("01.pca")
def _pca_biased(X, k):
    Xc = X - X.mean(axis=0)
    _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    return Vt[:k], s[:k] ** 2 / X.shape[0]


@wrong("01.pca")
def _pca_columns_of_vt(X, k):
    Xc = X - X.mean(axis=0)
    _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    return Vt[:, :k].T, s[:k] ** 2 / (X.shape[0] - 1)


@wrong("01.pca")
def _pca_inplace(X, k):
    X -= X.mean(axis=0)
    _, s, Vt = np.linalg.svd(X, full_matrices=False)
    return Vt[:k], s[:k] ** 2 / (X.shape[0] - 1)


# ------------------------------------------------------------------ 01.power

@wrong("01.power")
def _power_unnormalised(A, n_iter=50, tol=1e-10):
    v = np.ones(A.shape[0])
    for _ in range(n_iter):
        v = A @ v
    return float(v @ A @ v / (v @ v)), v


@wrong("01.power")
def _power_too_few(A, n_iter=3, tol=1e-10):
    v = np.ones(A.shape[0]) / np.sqrt(A.shape[0])
    for _ in range(n_iter):
        v = A @ v
        v /= np.linalg.norm(v)
    return float(v @ A @ v), v


@wrong("01.power")
def _power_never_stops(A, n_iter=500, tol=1e-10):
    v = np.ones(A.shape[0]) / np.sqrt(A.shape[0])
    while True:  # the tolerance test is missing: this loop never ends
        v = A @ v
        v /= np.linalg.norm(v)


# ------------------------------------------------------------------ 01.range

@wrong("01.range")
def _range_no_qr(X, size, n_iter, rng):
    return X @ rng.standard_normal((X.shape[1], size))


@wrong("01.range")
def _range_ignores_q(X, size, n_iter, rng):
    Q, _ = np.linalg.qr(X @ rng.standard_normal((X.shape[1], size)))
    return Q


@wrong("01.range")
def _range_uniform_sketch(X, size, n_iter, rng):
    Q, _ = np.linalg.qr(X[:, :size])   # a fixed column subset, not a random sketch
    return Q


@wrong("01.power")
def _power_fixed_start_ones(A, n_iter=500, tol=1e-10):
    v = np.ones(A.shape[0]) / np.sqrt(A.shape[0])     # the obvious start: orthogonal to v₁ for some A
    for _ in range(n_iter):
        w = A @ v
        w /= np.linalg.norm(w)
        done = np.linalg.norm(w - v) < tol
        v = w
        if done:
            break
    return float(v @ A @ v), v


@wrong("01.power")
def _power_first_basis_vector(A, n_iter=500, tol=1e-10):
    v = np.eye(A.shape[0])[0]
    for _ in range(n_iter):
        w = A @ v
        w /= np.linalg.norm(w)
        done = np.linalg.norm(w - v) < tol
        v = w
        if done:
            break
    return float(v @ A @ v), v


@wrong("01.range")
def _range_orthonormalise_once(X, size, n_iter, rng):
    Y = X @ rng.standard_normal((X.shape[1], size))   # HMT Alg. 4.3 as written: rounding loses directions
    for _ in range(n_iter):
        Y = X @ (X.T @ Y)
    return np.linalg.qr(Y)[0]


@wrong("01.range")
def _range_column_normalised(X, size, n_iter, rng):
    Y = X @ rng.standard_normal((X.shape[1], size))
    for _ in range(n_iter):
        Y = X @ (X.T @ Y)
        Y /= np.linalg.norm(Y, axis=0)                 # rescales, but does not keep directions apart
    return np.linalg.qr(Y)[0]
