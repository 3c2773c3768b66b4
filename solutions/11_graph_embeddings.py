"""Solutions to the exercises of lesson 11 (graph embeddings)."""
import numpy as np


def deepwalk_np(indptr, indices, weights, starts, length, rng):
    """Exercise 11.walk: first-order random walks (len(starts), length) on a CSR graph, all walks one step at a
    time: from v, the neighbour x with probability w_vx / d_v (lesson 11, Eq. (1)).

    The cumulative sum of all edge weights, ``cum``, lists the rows one after the other, so a uniform number
    in ``[cum[indptr[v]], cum[indptr[v + 1]])`` falls into the slot of edge e with probability w_e / d_v; a
    binary search finds the slot, for every walk at once."""
    cum = np.concatenate([[0.0], np.cumsum(weights, dtype=np.float64)])
    walks = np.empty((len(starts), length), dtype=np.int64)
    walks[:, 0] = starts
    for i in range(1, length):
        v = walks[:, i - 1]
        lo, hi = indptr[v], indptr[v + 1]
        target = cum[lo] + rng.random(len(v)) * (cum[hi] - cum[lo])
        e = np.clip(np.searchsorted(cum, target, side="right") - 1, lo, hi - 1)
        walks[:, i] = indices[e]
    return walks


def pair_law_np(W, window, length):
    """Exercise 11.pairs: the law (n, n) of a (center, context) pair from walks of ``length`` nodes started in the
    stationary distribution, with word2vec's dynamic windows of at most ``window`` steps.

    In a stationary walk the pair at offset r is (v, u) with probability (D P^r)_vu / vol at every position
    (lesson 11, Eq. (3)). Offset r fits at length − r positions and a dynamic window (b uniform on 1..T) reaches
    it with probability (T − r + 1)/T, in both directions. So the expected count of (v, u) is proportional to
    Σ_r c_r (D P^r)_vu with c_r = (length − r)(T − r + 1)/T, and the total to vol Σ_r c_r."""
    W = np.asarray(W, dtype=np.float64)
    d = W.sum(axis=1)
    P = W / d[:, None]
    T = window
    M, Pr, total = np.zeros_like(W), np.eye(W.shape[0]), 0.0
    for r in range(1, min(T, length - 1) + 1):
        Pr = Pr @ P
        c = (length - r) * (T - r + 1) / T
        M += c * d[:, None] * Pr
        total += c
    M /= d.sum() * total
    return (M + M.T) / 2


def connectome_graph(A):
    """Exercise 11.graph: a symmetric weight matrix (n, n) from the directed synapse counts A (n, n).

    A + Aᵀ joins each neuron to its synaptic partners and forgets the direction; but the cell types differ in
    *whom they share* inputs and targets with: projection neurons and input neurons both synapse onto Kenyon
    cells, output neurons receive from them. The co-connectivity A Aᵀ (synapses onto the same targets) plus
    Aᵀ A (synapses from the same inputs) is symmetric, keeps both directions' information, and joins neurons of
    one type to each other; the diagonal (a neuron with itself) is dropped."""
    A = np.asarray(A, dtype=np.float64)
    C = A @ A.T + A.T @ A
    np.fill_diagonal(C, 0.0)
    return C
