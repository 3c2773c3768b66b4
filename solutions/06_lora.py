"""Solutions to the exercises of lesson 06 (low-rank adaptation)."""
import torch


def lora_forward(x, W0, b0, A, B, alpha):
    """Exercise 06.forward: x (n, d_in) -> x W0ᵀ + b0 + (alpha/r)·(x Aᵀ) Bᵀ, shape (n, d_out).

    W0: (d_out, d_in), b0: (d_out,), A: (r, d_in), B: (d_out, r). The two thin products never
    form the d_out × d_in matrix B A.
    """
    r = A.shape[0]
    return x @ W0.T + b0 + (alpha / r) * ((x @ A.T) @ B.T)


def largest_rank(shapes, budget_bytes, bytes_per_number=4):
    """Exercise 06.memory: the largest rank r whose LoRA training state (frozen weights and biases,
    plus A and B with their gradients and Adam's two moments) fits in budget_bytes; None if r = 1 does not."""
    frozen = sum(d_out * d_in + d_out for d_out, d_in in shapes)         # weights and biases, stored once
    per_rank = sum(d_out + d_in for d_out, d_in in shapes)               # numbers of A and B per unit of rank
    # bytes(r) = b (frozen + 4 r per_rank): parameter, gradient and two Adam moments per trained number
    r = (budget_bytes // bytes_per_number - frozen) // (4 * per_rank)
    r = min(r, min(min(s) for s in shapes))
    return int(r) if r >= 1 else None


def allocate_ranks(spectra, costs, budget):
    """Exercise 06.allocate: ranks per layer within a budget of trainable numbers that keep as much of
    the updates' energy (squared singular values) as possible: greedy by energy per number."""
    ranks = [0] * len(spectra)
    left = budget
    while True:
        best, best_gain = None, 0.0
        for layer, (sv, cost) in enumerate(zip(spectra, costs)):
            r = ranks[layer]
            if r < len(sv) and cost <= left and sv[r] ** 2 / cost > best_gain:
                best, best_gain = layer, sv[r] ** 2 / cost
        if best is None:
            return ranks
        ranks[best] += 1
        left -= costs[best]


def intruder_dimensions(W0, W, k=10, eps=0.5):
    """Exercise 06.intruders: how many of the top-k left singular vectors of W have
    |cos| < eps with every left singular vector of W0."""
    U0 = torch.linalg.svd(W0, full_matrices=False)[0]
    U = torch.linalg.svd(W, full_matrices=False)[0][:, :k]
    best = (U.T @ U0).abs().max(dim=1).values   # best match of each new direction among the old ones
    return int((best < eps).sum())
