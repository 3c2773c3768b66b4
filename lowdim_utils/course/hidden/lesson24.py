"""Instructor-only: plausible wrong answers of lesson 24 (fed to the checks by the test suite)."""
import numpy as np

from ..registry import wrong

# ------------------------------------------------------------------ 24.gather


@wrong("24.gather")
def _gather_allreduce_formula(nbytes, p, alpha, beta):
    p = np.asarray(p, dtype=float)
    return 2 * (p - 1) * (alpha + np.asarray(nbytes, float) / beta)      # the all-reduce's 2(p − 1) steps


@wrong("24.gather")
def _gather_p_steps(nbytes, p, alpha, beta):
    p = np.asarray(p, dtype=float)
    return p * (alpha + np.asarray(nbytes, float) / beta)                  # counts its own block too


@wrong("24.gather")
def _gather_whole_result_each_step(nbytes, p, alpha, beta):
    p = np.asarray(p, dtype=float)
    return (p - 1) * alpha + (p - 1) * p * np.asarray(nbytes, float) / beta   # sends the whole result each step


# ------------------------------------------------------------------ 24.merge


@wrong("24.merge")
def _merge_average_bases(bases, weights, k):
    w = np.asarray(weights, float) / np.sum(weights)
    kk = min(b.shape[1] for b in bases)
    A = sum(wr * b[:, :kk] for wr, b in zip(w, bases))                      # sign-dependent
    Q = np.linalg.qr(np.concatenate([A, bases[0]], 1))[0]
    return Q[:, :k]


@wrong("24.merge")
def _merge_unweighted(bases, weights, k):
    M = sum(V @ V.T for V in bases)
    return np.linalg.eigh(M)[1][:, ::-1][:, :k]


@wrong("24.merge")
def _merge_smallest(bases, weights, k):
    w = np.asarray(weights, float) / np.sum(weights)
    M = sum(wr * V @ V.T for wr, V in zip(w, bases))
    return np.linalg.eigh(M)[1][:, :k]                                      # eigh sorts ascending


# ------------------------------------------------------------------ 24.split


@wrong("24.split")
def _split_random(X, p):
    return np.array_split(np.random.default_rng(0).permutation(X.shape[0]), p)


@wrong("24.split")
def _split_sorted_pc1(X, p):
    Xc = X - X.mean(0)
    v = np.linalg.svd(Xc, full_matrices=False)[2][0]
    return np.array_split(np.argsort(Xc @ v), p)     # sorted along PC1: about the global mean, every shard keeps PC1


@wrong("24.split")
def _split_not_partition(X, p):
    return [np.arange(X.shape[0])] * p
