"""Instructor-only: plausible wrong answers of lesson 18 (fed to the checks by the test suite)."""
import numpy as np

from ..registry import wrong


def _heads(Z, U, eps, beta_dim=None):
    Z, U = np.asarray(Z, float), np.asarray(U, float)
    N, p = Z.shape[0], U.shape[2]
    return Z, U, (beta_dim or p) / (N * eps ** 2)


def _softmax(G, axis=1):
    G = G - G.max(axis=axis, keepdims=True)
    S = np.exp(G)
    return S / S.sum(axis=axis, keepdims=True)


# ------------------------------------------------------------------ 18.mssa

@wrong("18.mssa")
def _mssa_beta_with_d(Z, U, eps):
    Z, U, b = _heads(Z, U, eps, beta_dim=np.asarray(Z).shape[1])
    return b * sum(_softmax((Z @ Uk) @ (Z @ Uk).T) @ (Z @ Uk) @ Uk.T for Uk in U)


@wrong("18.mssa")
def _mssa_softmax_over_columns(Z, U, eps):
    Z, U, b = _heads(Z, U, eps)
    return b * sum(_softmax((Z @ Uk) @ (Z @ Uk).T, axis=0) @ (Z @ Uk) @ Uk.T for Uk in U)


@wrong("18.mssa")
def _mssa_first_head_only(Z, U, eps):
    Z, U, b = _heads(Z, U, eps)
    Uk = U[0]
    return b * _softmax((Z @ Uk) @ (Z @ Uk).T) @ (Z @ Uk) @ Uk.T


@wrong("18.mssa")
def _mssa_no_max_subtraction(Z, U, eps):
    Z, U, b = _heads(Z, U, eps)
    out = 0
    for Uk in U:
        A = Z @ Uk
        S = np.exp(A @ A.T)
        out = out + (S / S.sum(1, keepdims=True)) @ A @ Uk.T
    return b * out


# ------------------------------------------------------------------ 18.neumann

@wrong("18.neumann")
def _neumann_first_order_only(Z, U, eps):
    Z, U, b = _heads(Z, U, eps)
    return b * sum((Z @ Uk - b * (Z @ Uk) @ (Z @ Uk).T @ (Z @ Uk)) @ Uk.T for Uk in U)


@wrong("18.neumann")
def _neumann_wrong_sign(Z, U, eps):
    Z, U, b = _heads(Z, U, eps)
    out = 0
    for Uk in U:
        A = Z @ Uk
        G = A @ A.T
        out = out + (A - b * G @ A - b ** 2 * G @ G @ A) @ Uk.T
    return b * out


@wrong("18.neumann")
def _neumann_one_beta(Z, U, eps):
    Z, U, b = _heads(Z, U, eps)
    out = 0
    for Uk in U:
        A = Z @ Uk
        G = A @ A.T
        out = out + (A - b * G @ A + b * G @ G @ A) @ Uk.T
    return b * out


# ------------------------------------------------------------------ 18.lambda

def _v(Z, D, eta):
    Z, D = np.asarray(Z, float), np.asarray(D, float)
    return (Z + eta * (Z - Z @ D.T) @ D).ravel()


@wrong("18.lambda")
def _lambda_forgets_eta(Z, D, eta, target):
    v = np.sort(_v(Z, D, eta))[::-1]
    k = int(np.floor(target * v.size))
    return 0.0 if k >= v.size or v[k] <= 0 else float(v[k])


@wrong("18.lambda")
def _lambda_quantile_of_input(Z, D, eta, target):
    z = np.sort(np.asarray(Z, float).ravel())[::-1]
    k = int(np.floor(target * z.size))
    return 0.0 if k >= z.size or z[k] <= 0 else float(z[k] / eta)


@wrong("18.lambda")
def _lambda_target_as_zeros(Z, D, eta, target):
    v = np.sort(_v(Z, D, eta))[::-1]
    k = int(np.floor((1 - target) * v.size))
    return 0.0 if k >= v.size or v[k] <= 0 else float(v[k] / eta)


@wrong("18.lambda")
def _lambda_loose_grid(Z, D, eta, target):
    v = _v(Z, D, eta)
    for lam in np.linspace(0, v.max() / eta, 20):
        if (np.maximum(v - eta * lam, 0) > 0).mean() <= target:
            return float(lam)
    return float(v.max() / eta)
