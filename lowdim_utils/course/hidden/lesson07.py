"""Instructor-only: plausible wrong answers of lesson 07 (fed to the checks by the test suite)."""
import numpy as np
import scipy.linalg

from ..registry import wrong


def _gram(D):
    n = D.shape[0]
    J = np.eye(n) - 1.0 / n
    return -0.5 * J @ (D**2) @ J


# ------------------------------------------------------------------ 07.double_center

@wrong("07.double_center")
def _dc_not_squared(D):
    n = D.shape[0]
    J = np.eye(n) - np.ones((n, n)) / n
    return -0.5 * J @ D @ J


@wrong("07.double_center")
def _dc_one_side(D):
    n = D.shape[0]
    J = np.eye(n) - np.ones((n, n)) / n
    return -0.5 * J @ D**2


@wrong("07.double_center")
def _dc_no_half(D):
    n = D.shape[0]
    J = np.eye(n) - np.ones((n, n)) / n
    return J @ D**2 @ J


@wrong("07.double_center")
def _dc_matrix_square(D):
    n = D.shape[0]
    J = np.eye(n) - np.ones((n, n)) / n
    return -0.5 * J @ (D @ D) @ J


# ------------------------------------------------------------------ 07.mds

@wrong("07.mds")
def _mds_unscaled(D, k):
    lam, V = np.linalg.eigh(_gram(D))
    return V[:, ::-1][:, :k]


@wrong("07.mds")
def _mds_smallest(D, k):
    lam, V = np.linalg.eigh(_gram(D))
    return V[:, :k] * np.sqrt(np.abs(lam[:k]))


@wrong("07.mds")
def _mds_lambda_not_sqrt(D, k):
    lam, V = np.linalg.eigh(_gram(D))
    return V[:, ::-1][:, :k] * lam[::-1][:k]


@wrong("07.mds")
def _mds_not_squared(D, k):
    n = D.shape[0]
    J = np.eye(n) - 1.0 / n
    lam, V = np.linalg.eigh(-0.5 * J @ D @ J)
    return V[:, ::-1][:, :k] * np.sqrt(np.maximum(lam[::-1][:k], 0))


# ------------------------------------------------------------------ 07.laplacian

@wrong("07.laplacian")
def _le_keeps_trivial(W, k):
    d = W.sum(1)
    _, Y = scipy.linalg.eigh(np.diag(d) - W, np.diag(d))
    return Y[:, :k]


@wrong("07.laplacian")
def _le_standard_problem(W, k):
    d = W.sum(1)
    _, Y = np.linalg.eigh(np.diag(d) - W)
    return Y[:, 1:k + 1]


@wrong("07.laplacian")
def _le_largest(W, k):
    d = W.sum(1)
    _, Y = scipy.linalg.eigh(np.diag(d) - W, np.diag(d))
    return Y[:, ::-1][:, :k]
