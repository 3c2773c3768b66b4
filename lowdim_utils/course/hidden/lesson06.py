"""Instructor-only: plausible wrong answers of lesson 06 (fed to the checks by the test suite)."""
import torch

from ..registry import wrong


# ------------------------------------------------------------------ 06.forward

@wrong("06.forward")
def _forward_unscaled(x, W0, b0, A, B, alpha):
    return x @ W0.T + b0 + (x @ A.T) @ B.T


@wrong("06.forward")
def _forward_alpha_not_over_r(x, W0, b0, A, B, alpha):
    return x @ W0.T + b0 + alpha * (x @ A.T) @ B.T


@wrong("06.forward")
def _forward_inverted_scale(x, W0, b0, A, B, alpha):
    return x @ W0.T + b0 + (A.shape[0] / alpha) * (x @ A.T) @ B.T


@wrong("06.forward")
def _forward_no_bias(x, W0, b0, A, B, alpha):
    return x @ (W0 + alpha / A.shape[0] * B @ A).T


# ------------------------------------------------------------------ 06.grads

@wrong("06.grads")
def _grads_unscaled(G, A, B, scaling):
    return B.T @ G, G @ A.T


@wrong("06.grads")
def _grads_scaled_twice(G, A, B, scaling):
    return scaling ** 2 * B.T @ G, scaling ** 2 * G @ A.T


@wrong("06.grads")
def _grads_transposed_G(G, A, B, scaling):
    # G transposed: fits the shapes only for square layers
    return scaling * B.T @ G.T, scaling * G.T @ A.T


# ------------------------------------------------------------------ 06.intruders

@wrong("06.intruders")
def _intruders_signed(W0, W, k=10, eps=0.5):
    U0 = torch.linalg.svd(W0, full_matrices=False)[0]
    U = torch.linalg.svd(W, full_matrices=False)[0]
    return int(((U[:, :k].T @ U0).max(dim=1).values < eps).sum())


@wrong("06.intruders")
def _intruders_topk_only(W0, W, k=10, eps=0.5):
    U0 = torch.linalg.svd(W0, full_matrices=False)[0][:, :k]
    U = torch.linalg.svd(W, full_matrices=False)[0]
    return int(((U[:, :k].T @ U0).abs().max(dim=1).values < eps).sum())


@wrong("06.intruders")
def _intruders_rows(W0, W, k=10, eps=0.5):
    U0 = torch.linalg.svd(W0, full_matrices=False)[0]
    U = torch.linalg.svd(W, full_matrices=False)[0]
    return int(((U[:k] @ U0.T).abs().max(dim=1).values < eps).sum())
