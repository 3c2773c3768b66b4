"""Solutions to the exercises of lesson 06 (low-rank adaptation)."""
import torch


def lora_forward(x, W0, b0, A, B, alpha):
    """Exercise 06.forward: x (n, d_in) -> x W0ᵀ + b0 + (alpha/r)·(x Aᵀ) Bᵀ, shape (n, d_out).

    W0: (d_out, d_in), b0: (d_out,), A: (r, d_in), B: (d_out, r). The two thin products never
    form the d_out × d_in matrix B A.
    """
    r = A.shape[0]
    return x @ W0.T + b0 + (alpha / r) * ((x @ A.T) @ B.T)


def lora_grads(G, A, B, scaling):
    """Exercise 06.grads: the gradients of the loss with respect to A (r, d_in) and B (d_out, r),
    given G = dL/dW (d_out, d_in) for the effective weight W = W0 + scaling·B A."""
    grad_A = scaling * B.T @ G
    grad_B = scaling * G @ A.T
    return grad_A, grad_B


def intruder_dimensions(W0, W, k=10, eps=0.5):
    """Exercise 06.intruders: how many of the top-k left singular vectors of W have
    |cos| < eps with every left singular vector of W0."""
    U0 = torch.linalg.svd(W0, full_matrices=False)[0]
    U = torch.linalg.svd(W, full_matrices=False)[0][:, :k]
    best = (U.T @ U0).abs().max(dim=1).values   # best match of each new direction among the old ones
    return int((best < eps).sum())
