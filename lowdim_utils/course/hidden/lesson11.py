"""Instructor-only: plausible wrong answers of lesson 11 (fed to the checks by the test suite) and a hidden
part of 11.pairs (the exact law, for grading)."""
import numpy as np

from ..registry import Feedback, hidden_part, wrong


# ------------------------------------------------------------------ 11.walk

@wrong("11.walk")
def _walk_uniform_neighbour(indptr, indices, weights, starts, length, rng):
    walks = np.empty((len(starts), length), dtype=np.int64)
    walks[:, 0] = starts
    for i in range(1, length):
        v = walks[:, i - 1]
        deg = indptr[v + 1] - indptr[v]
        walks[:, i] = indices[indptr[v] + (rng.random(len(v)) * deg).astype(np.int64)]   # ignores the weights
    return walks


@wrong("11.walk")
def _walk_slice_one_too_far(indptr, indices, weights, starts, length, rng):
    walks = np.empty((len(starts), length), dtype=np.int64)
    walks[:, 0] = starts
    for i in range(1, length):
        v = walks[:, i - 1]
        deg = indptr[v + 1] - indptr[v]
        e = np.minimum(indptr[v] + (rng.random(len(v)) * (deg + 1)).astype(np.int64), len(indices) - 1)
        walks[:, i] = indices[e]                       # reaches into the next node's neighbours
    return walks


@wrong("11.walk")
def _walk_global_random(indptr, indices, weights, starts, length, rng):
    cum = np.concatenate([[0.0], np.cumsum(weights)])
    walks = np.empty((len(starts), length), dtype=np.int64)
    walks[:, 0] = starts
    for i in range(1, length):
        v = walks[:, i - 1]
        lo, hi = indptr[v], indptr[v + 1]
        target = cum[lo] + np.random.random(len(v)) * (cum[hi] - cum[lo])     # not from rng
        walks[:, i] = indices[np.clip(np.searchsorted(cum, target, side="right") - 1, lo, hi - 1)]
    return walks


@wrong("11.walk")
def _walk_steps_not_nodes(indptr, indices, weights, starts, length, rng):
    cum = np.concatenate([[0.0], np.cumsum(weights)])
    walks = [np.asarray(starts)]
    for _ in range(length):                           # length steps: length + 1 nodes
        v = walks[-1]
        lo, hi = indptr[v], indptr[v + 1]
        target = cum[lo] + rng.random(len(v)) * (cum[hi] - cum[lo])
        walks.append(indices[np.clip(np.searchsorted(cum, target, side="right") - 1, lo, hi - 1)])
    return np.stack(walks, 1)


# ------------------------------------------------------------------ 11.pairs

def _law(W, window, length, *, dynamic=True, finite=True, stationary=True):
    W = np.asarray(W, dtype=np.float64)
    d = W.sum(1)
    P = W / d[:, None]
    M, Pr, total = np.zeros_like(W), np.eye(len(W)), 0.0
    for r in range(1, min(window, length - 1) + 1):
        Pr = Pr @ P
        c = ((window - r + 1) / window if dynamic else 1.0) * ((length - r) if finite else 1.0)
        M += c * (d[:, None] * Pr if stationary else Pr)
        total += c
    return M / M.sum() if not stationary else M / (d.sum() * total)


@wrong("11.pairs")
def _pairs_fixed_window(W, window, length):
    return _law(W, window, length, dynamic=False)


@wrong("11.pairs")
def _pairs_infinite_walk(W, window, length):
    return _law(W, window, length, finite=False)


@wrong("11.pairs")
def _pairs_without_degrees(W, window, length):
    return _law(W, window, length, stationary=False)


@wrong("11.pairs")
def _pairs_unnormalised(W, window, length):
    return _law(W, window, length) * 2 * sum((length - r) * (window - r + 1) / window for r in range(1, window + 1))


@hidden_part("11.pairs", "equals the exact law (to 1e-9)", weight=1)
def _pairs_exact(f):
    for seed, (n, T, L) in enumerate([(5, 2, 5), (8, 4, 7), (6, 3, 3)]):
        rng = np.random.default_rng(100 + seed)
        W = np.triu(rng.uniform(0.1, 2.0, (n, n)), 1)
        W = W + W.T
        M = np.asarray(f(W.copy(), T, L), dtype=np.float64)
        ref = _law(W, T, L)
        ref = (ref + ref.T) / 2
        if M.shape != ref.shape or not np.allclose(M, ref, rtol=1e-9, atol=1e-12):
            raise Feedback(f"the law differs from the exact one for n={n}, window={T}, length={L}.")


# ------------------------------------------------------------------ 11.graph

@wrong("11.graph")
def _graph_partners(A):
    return (A + A.T).astype(np.float64)


@wrong("11.graph")
def _graph_binary_partners(A):
    return ((A + A.T) > 0).astype(np.float64)


@wrong("11.graph")
def _graph_directed(A):
    return A.astype(np.float64)


@wrong("11.graph")
def _graph_keeps_diagonal(A):
    A = A.astype(np.float64)
    return A @ A.T + A.T @ A
