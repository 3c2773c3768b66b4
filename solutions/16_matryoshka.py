"""Solutions to the exercises of lesson 16 (Matryoshka representations)."""
import numpy as np


def funnel_search_np(Q, X, k, m, L):
    """Exercise 16.funnel: the k nearest database rows of each query, by the full distance, among the
    L rows nearest in the first m coordinates (lesson 16, Eq. (3)); returns database indices (q, k)."""
    d_prefix = ((Q[:, None, :m] - X[None, :, :m]) ** 2).sum(2)            # (q, n) in R^m
    cand = np.argsort(d_prefix, axis=1, kind="stable")[:, :L]              # (q, L) the shortlist
    d_full = ((Q[:, None, :] - X[cand]) ** 2).sum(2)                        # (q, L) in R^d, shortlist only
    best = np.argsort(d_full, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(cand, best, 1)


def break_even_shortlist(n, d, m):
    """Exercise 16.cost: the largest shortlist L for which the funnel needs fewer multiply-adds than
    exact search, n·m + L·d < n·d  ⇔  L < n(d − m)/d (lesson 16, Eq. (4)); 0 when none does."""
    bound = n * (d - m)                       # L·d < bound, in integers
    return max(0, (bound - 1) // d) if bound > 0 else 0


def choose_shortlist(Q, X, k, m, target):
    """Exercise 16.shortlist: the smallest L whose funnel recall@k on the queries Q reaches target.

    Recall@k equals the fraction of the true k nearest neighbours that the prefix shortlist
    contains (the lesson's proposition), so it never decreases with L: bisect over L."""
    from lowdim_utils import matryoshka as mr
    _, truth = mr.exact_search(Q, X, k)

    def recall(L):
        return mr.recall_at_k(mr.adaptive_search(Q, X, k, shortlist_dims=m, shortlist_size=L)[1], truth)

    lo, hi = k, X.shape[0]                    # recall(hi) = 1 >= target
    while lo < hi:
        mid = (lo + hi) // 2
        if recall(mid) >= target:
            hi = mid
        else:
            lo = mid + 1
    return int(lo)
