"""Instructor-only: plausible wrong answers of lesson 16 (fed to the checks by the test suite)."""
import numpy as np

from ..registry import wrong


def _sq(A, B):
    return ((A[:, None, :] - B[None, :, :]) ** 2).sum(2)


# ------------------------------------------------------------------ 16.funnel

@wrong("16.funnel")
def _funnel_full_shortlist(Q, X, k, m, L):
    cand = np.argsort(_sq(Q, X), axis=1, kind="stable")[:, :L]          # shortlist with all d coordinates
    d_full = np.take_along_axis(_sq(Q, X), cand, 1)
    return np.take_along_axis(cand, np.argsort(d_full, axis=1, kind="stable")[:, :k], 1)


@wrong("16.funnel")
def _funnel_no_rerank(Q, X, k, m, L):
    return np.argsort(_sq(Q[:, :m], X[:, :m]), axis=1, kind="stable")[:, :k]   # prefix order only


@wrong("16.funnel")
def _funnel_local_indices(Q, X, k, m, L):
    cand = np.argsort(_sq(Q[:, :m], X[:, :m]), axis=1, kind="stable")[:, :L]
    d_full = ((Q[:, None, :] - X[cand]) ** 2).sum(2)
    return np.argsort(d_full, axis=1, kind="stable")[:, :k]                  # positions in the shortlist


# ------------------------------------------------------------------ 16.cost

@wrong("16.cost")
def _cost_non_strict(n, d, m):
    return n * (d - m) // d                   # L = n(d − m)/d costs exactly as much: does not pay off


@wrong("16.cost")
def _cost_float(n, d, m):
    return n * (d - m) / d


@wrong("16.cost")
def _cost_forgets_prefix_stage(n, d, m):
    return n - 1                              # as if the shortlist stage were free


# ------------------------------------------------------------------ 16.shortlist

@wrong("16.shortlist")
def _shortlist_whole_database(Q, X, k, m, target):
    return int(X.shape[0])                    # always enough, never economical


@wrong("16.shortlist")
def _shortlist_k(Q, X, k, m, target):
    return int(k)                             # no room for the prefix's mistakes


@wrong("16.shortlist")
def _shortlist_prefix_truth(Q, X, k, m, target):
    """Measures recall against the prefix neighbours instead of the exact ones: always satisfied at L = k."""
    truth = np.argsort(_sq(Q[:, :m], X[:, :m]), axis=1, kind="stable")[:, :k]
    for L in range(k, X.shape[0] + 1, 5):
        cand = np.argsort(_sq(Q[:, :m], X[:, :m]), axis=1, kind="stable")[:, :L]
        if np.mean([len(set(c) & set(t)) / k for c, t in zip(cand, truth)]) >= target:
            return int(L)
    return int(X.shape[0])
