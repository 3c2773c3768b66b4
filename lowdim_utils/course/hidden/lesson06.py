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


# ------------------------------------------------------------------ 06.memory

def _rank_from(shapes, budget_bytes, bytes_per_number, frozen, per_number):
    per_rank = sum(d_out + d_in for d_out, d_in in shapes)
    r = (budget_bytes // bytes_per_number - frozen) // (per_number * per_rank)
    r = min(r, min(min(s) for s in shapes))
    return int(r) if r >= 1 else None


@wrong("06.memory")
def _memory_forgets_frozen_weights(shapes, budget_bytes, bytes_per_number=4):
    return _rank_from(shapes, budget_bytes, bytes_per_number, 0, 4)


@wrong("06.memory")
def _memory_forgets_gradients(shapes, budget_bytes, bytes_per_number=4):
    frozen = sum(d_out * d_in + d_out for d_out, d_in in shapes)
    return _rank_from(shapes, budget_bytes, bytes_per_number, frozen, 3)      # parameter + two moments only


@wrong("06.memory")
def _memory_forgets_biases(shapes, budget_bytes, bytes_per_number=4):
    frozen = sum(d_out * d_in for d_out, d_in in shapes)
    return _rank_from(shapes, budget_bytes, bytes_per_number, frozen, 4)


@wrong("06.memory")
def _memory_adam_for_everything(shapes, budget_bytes, bytes_per_number=4):
    frozen = sum(d_out * d_in + d_out for d_out, d_in in shapes)
    return _rank_from(shapes, budget_bytes, bytes_per_number, 3 * frozen, 4)   # moments for the frozen weights too


# ------------------------------------------------------------------ 06.allocate

@wrong("06.allocate")
def _allocate_uniform(spectra, costs, budget):
    r = budget // sum(costs)                                  # the same rank everywhere
    return [int(min(r, len(s))) for s in spectra]


@wrong("06.allocate")
def _allocate_energy_not_per_cost(spectra, costs, budget):
    ranks, left = [0] * len(spectra), budget
    while True:
        options = [(s[r] ** 2, i) for i, (s, r, c) in enumerate(zip(spectra, ranks, costs)) if r < len(s) and c <= left]
        if not options:
            return ranks
        _, i = max(options)                                    # largest singular value, whatever it costs
        ranks[i] += 1
        left -= costs[i]


@wrong("06.allocate")
def _allocate_overspends(spectra, costs, budget):
    ranks, left = [0] * len(spectra), budget
    while left > 0:
        options = [(s[r] ** 2 / c, i) for i, (s, r, c) in enumerate(zip(spectra, ranks, costs)) if r < len(s)]
        if not options:
            break
        _, i = max(options)
        ranks[i] += 1                                          # the last one may not fit
        left -= costs[i]
    return ranks


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
