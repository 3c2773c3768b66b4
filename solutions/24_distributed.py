"""Solutions to the exercises of lesson 24 (distributed representation learning)."""
import numpy as np


def allgather_time(nbytes, p, alpha, beta):
    """Exercise 24.gather: seconds of a ring all-gather in which each of p workers contributes nbytes.

    The result (p·nbytes) travels around the ring in p − 1 steps; in each step every worker sends one
    block of nbytes to its neighbour (all links busy at once), costing α + nbytes/β. Hence
    (p − 1)(α + nbytes/β); 0 for p = 1. Half of a ring all-reduce of p·nbytes, which also reduce-scatters."""
    p = np.asarray(p, dtype=float)
    return (p - 1) * (alpha + np.asarray(nbytes, dtype=float) / beta)


def merge_subspaces_np(bases, weights, k):
    """Exercise 24.merge: the top-k eigenvectors (d, k) of Σ_r w_r V_r V_rᵀ with w normalised to sum 1
    (lesson 24, Eq. (6)); bases: list of (d, k_r) arrays with orthonormal columns."""
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    M = sum(wr * V @ V.T for wr, V in zip(w, bases))
    _, E = np.linalg.eigh(M)
    return E[:, ::-1][:, :k]


def hard_split(X, p):
    """Exercise 24.split: a split of the rows of X (n, d) over p ranks that fools projector averaging.

    Give rank 0 the n/p rows with the largest |score| on the first principal component, the others the rest.
    Rank 0's top-k subspace contains PC1; the other ranks' do not. The projector average counts votes
    (one per rank), not variance: PC1 gets the weight of one rank, the directions all ranks share get
    more, so the merged subspace drops the leading direction of the data."""
    Xc = X - X.mean(axis=0)
    _, _, Vt = np.linalg.svd(Xc, full_matrices=False)
    order = np.argsort(-np.abs(Xc @ Vt[0]))
    head, rest = order[: len(order) // p], order[len(order) // p:]
    return [head] + [rest[r::p - 1] for r in range(p - 1)]      # the others share the rows of small |score|
