"""Checks of lesson 11's exercises (graph embeddings).

References: the exact first-order law ``w_vx / d_v`` through the course's χ² test
(:func:`lowdim_utils.graphs.walk_chi2`, Anderson & Goodman's test of a Markov chain's transitions) on a
weighted graph whose weights differ a lot (11.walk); the pair frequencies *measured* on many stationary walks
with word2vec's dynamic windows (:func:`lowdim_utils.graphs.random_walks`,
:func:`lowdim_utils.sgns.window_pairs`), against which a law is judged by its total variation distance
(11.pairs); FastRP (:func:`lowdim_utils.projections.fastrp`) and the lesson's logistic-regression probe
(:func:`lowdim_utils.graphs.classification_f1`) on both hemispheres of the mushroom-body connectome (11.graph).
"""
import numpy as np
import torch

from ..registry import Feedback, exercise, expect, expect_array, part
from ._common import later

LESSON = "11_graph_embeddings"


def _csr(W):
    import scipy.sparse as sp
    A = sp.csr_matrix(W)
    A.sort_indices()
    return A.indptr.astype(np.int64), A.indices.astype(np.int64), A.data.astype(np.float64)


def _weighted_graph(seed, n=7):
    """A small connected graph whose edge weights span a factor of 30 (uniform choices are easy to catch)."""
    rng = np.random.default_rng(seed)
    W = np.triu(rng.choice([0.2, 1.0, 6.0], (n, n)) * (rng.random((n, n)) < 0.55), 1)
    for i in range(n - 1):                    # a path keeps it connected
        W[i, i + 1] = W[i, i + 1] or 1.0
    return W + W.T


# ------------------------------------------------------------------ 11.walk

_WALK = ("returns (len(starts), length) integer walks that begin at starts",
         "every step follows an edge",
         "the next node is drawn in proportion to the edge weights (χ² test)",
         "the randomness comes from rng")


@exercise("11.walk", lesson=LESSON, function="deepwalk_np", title="DeepWalk's walk in NumPy",
          parts=dict(zip(_WALK, (1, 1, 2, 1))))
def _test_walk(f):
    from ...graphs import csr_graph, walk_chi2
    W = _weighted_graph(0)
    indptr, indices, weights = _csr(W)
    n, length = W.shape[0], 30
    starts = np.arange(n).repeat(300)
    arrays = (indptr.copy(), indices.copy(), weights.copy())
    runs = [f(*arrays, starts.copy(), length, np.random.default_rng(s)) for s in (1, 2)]
    again = f(*arrays, starts.copy(), length, np.random.default_rng(1))

    def walks(out):
        Wk = expect_array(out, "walks", shape=(len(starts), length))
        expect(np.array_equal(Wk, np.round(Wk)), "walks should hold integer node indices.")
        return Wk.astype(np.int64)

    with part(_WALK[0]):
        for out in runs:
            Wk = walks(out)
            expect(np.array_equal(Wk[:, 0], starts), "column 0 of the walks should be `starts` (walk i begins at "
                                                      "starts[i]); each row is one walk.")
            expect(Wk.min() >= 0 and Wk.max() < n, f"walks hold indices outside 0..{n - 1}.")
    G = csr_graph(W)
    with part(_WALK[1]):
        for out in runs:
            Wk = later(walks, out)
            a, b = Wk[:, :-1].ravel(), Wk[:, 1:].ravel()
            bad = np.flatnonzero(W[a, b] == 0)
            if bad.size:
                raise Feedback(f"{bad.size} of {a.size} steps do not follow an edge, e.g. {a[bad[0]]} → {b[bad[0]]}. "
                               "The neighbours of v are indices[indptr[v]:indptr[v + 1]] (indptr[v + 1] excluded): "
                               "check the end of the slice and the rounding of the random position in it.")
    with part(_WALK[2]):
        res = [walk_chi2(G, torch.from_numpy(later(walks, out)), order=1) for out in runs]
        # a correct walk fails a level-0.001 test with both generators with probability 1e-6
        if max(r["pvalue"] for r in res) < 1e-3:
            r = min(res, key=lambda r: r["pvalue"])
            raise Feedback(f"the transitions do not follow w_vx / d_v: Pearson's χ² = {r['statistic']:.1f} on "
                           f"{r['df']} degrees of freedom (p = {r['pvalue']:.2g} < 0.001, with both generators). "
                           "Draw the neighbour x of v with probability proportional to its edge weight "
                           "weights[indptr[v] + j], not uniformly (e.g. a uniform number on [0, d_v) against the "
                           "cumulative weights of the row).")
    with part(_WALK[3]):
        A1, A2, A3 = (later(walks, out) for out in (*runs, again))
        expect(np.array_equal(A1, A3), "two calls with generators seeded alike gave different walks: draw every random "
                                       "number from the `rng` argument (rng.random(...)), not from np.random.")
        expect(not np.array_equal(A1, A2), "generators with different seeds gave the same walks: the steps must be "
                                           "drawn from `rng`.")


# ------------------------------------------------------------------ 11.pairs

_PAIRS = ("returns a symmetric, non-negative (n, n) law that sums to 1",
          "matches the measured pair frequencies (window 2, walks of 4 nodes)",
          "matches the measured pair frequencies (window 3, walks of 6 nodes)")
_PAIR_CASES = ((1, 2, 4), (2, 3, 6))
_TV_TOL = 0.01          # the measured frequencies are ~0.002 from the truth (TV), the usual slips 0.03 or more


def _pair_frequencies(W, window, length, seed, n_walks=200_000):
    """Pair frequencies (n, n) of stationary walks with dynamic windows, measured with the course's code."""
    from ...graphs import csr_graph, random_walks
    from ...sgns import token_stream, window_pairs
    g = torch.Generator().manual_seed(seed)
    d = torch.from_numpy(W.sum(1))
    starts = torch.multinomial(d / d.sum(), n_walks, replacement=True, generator=g)
    walks = random_walks(csr_graph(W), length, starts=starts, generator=g)
    pairs = window_pairs(token_stream(walks), window, generator=g)
    n = W.shape[0]
    C = torch.bincount(pairs[:, 0] * n + pairs[:, 1], minlength=n * n).reshape(n, n).double().numpy()
    return C / C.sum()


@exercise("11.pairs", lesson=LESSON, function="pair_law_np", title="the law of a window pair",
          parts=dict(zip(_PAIRS, (1, 1, 1))))
def _test_pairs(f):
    cases = []
    for seed, T, L in _PAIR_CASES:
        W = _weighted_graph(seed, n=6)
        cases.append((W, T, L, f(W.copy(), T, L)))

    def law(W, T, L, out):
        n = W.shape[0]
        return expect_array(out, f"pair_law_np(W, window={T}, length={L})", shape=(n, n))

    with part(_PAIRS[0]):
        for W, T, L, out in cases:
            M = law(W, T, L, out)
            expect(M.min() >= -1e-12, f"the law has negative entries (min {M.min():.3g}) for window={T}, length={L}.")
            expect(abs(M.sum() - 1) < 1e-9, f"the law sums to {M.sum():.6g}, not 1 (window={T}, length={L}): divide "
                                            "the expected count of each pair by the expected number of pairs.")
            asym = np.abs(M - M.T).max()
            expect(asym < 1e-9 * M.max(), f"the law is not symmetric (max |M − Mᵀ| = {asym:.2g}): every window gives "
                                          "the pair in both directions, and D Pʳ is symmetric — did you forget D "
                                          "(the walk starts in the stationary distribution d_v / vol)?")
    for title, (seed, T, L), (W, _, _, out) in zip(_PAIRS[1:], _PAIR_CASES, cases):
        with part(title):
            M = later(law, W, T, L, out)
            F = _pair_frequencies(W, T, L, seed)
            tv = 0.5 * np.abs(M - F).sum()
            expect(tv <= _TV_TOL,
                   f"your law is {tv:.3f} (total variation) from the pair frequencies measured on 200 000 stationary "
                   f"walks of {L} nodes with dynamic windows of at most {T} steps; expected at most {_TV_TOL} (the "
                   "measurement's own error is about 0.002). Which offsets r does a dynamic window reach, with what "
                   "probability? And at how many positions of a walk of length L does offset r fit?")


# ------------------------------------------------------------------ 11.graph

_GRAPH = ("returns a symmetric, non-negative (n, n) weight matrix",
          "zero diagonal and no isolated neuron",
          "FastRP separates the cell types of the left hemisphere (macro-F1 ≥ 0.80)",
          "... and of the right hemisphere (macro-F1 ≥ 0.80)")
_F1_MIN = 0.80
_FASTRP_DIM = 32


def connectome_f1(W, y, seeds=(0, 1, 2)):
    """Mean macro-F1 of the lesson's probe on FastRP embeddings (dim 32, the default weights, one random matrix
    per seed) of the graph with weights W: (n, n)."""
    from ...graphs import classification_f1, csr_graph
    from ...projections import fastrp
    G = csr_graph(W)
    return float(np.mean([classification_f1(fastrp(G.to_torch_sparse(), _FASTRP_DIM, generator=s), y, seed=s)
                          for s in seeds]))


@exercise("11.graph", lesson=LESSON, function="connectome_graph", title="from synapses to a graph",
          parts=dict(zip(_GRAPH, (1, 1, 2, 2))), timeout=60)
def _test_graph(f):
    from ...data import load
    hemis = {h: load("mushroom_body", hemisphere=h) for h in ("left", "right")}
    outs = {}
    for h, mb in hemis.items():
        A = mb.A.copy()
        outs[h] = (f(A), np.array_equal(A, mb.A))

    def weights(h):
        n = hemis[h].A.shape[0]
        return expect_array(outs[h][0], f"connectome_graph(A) ({h} hemisphere)", shape=(n, n))

    with part(_GRAPH[0]):
        for h in hemis:
            expect(outs[h][1], "your function changed A in place: build a new matrix.")
            W = weights(h)
            expect(W.min() >= 0, f"the weights must be non-negative ({h} hemisphere: min {W.min():.3g}).")
            asym = np.abs(W - W.T).max()
            expect(asym <= 1e-9 * max(np.abs(W).max(), 1e-300),
                   f"the weights are not symmetric ({h} hemisphere: max |W − Wᵀ| = {asym:.3g}); A itself is directed "
                   "(A[i, j]: synapses from i onto j): combine it with its transpose.")
    with part(_GRAPH[1]):
        for h in hemis:
            W = later(weights, h)
            expect(not np.diag(W).any(), f"the diagonal must be zero (no neuron linked to itself; {h} hemisphere has "
                                         f"{int((np.diag(W) != 0).sum())} non-zero diagonal entries).")
            iso = np.flatnonzero(W.sum(1) == 0)
            expect(iso.size == 0, f"{iso.size} neurons of the {h} hemisphere have no link at all (first: "
                                  f"{iso[0] if iso.size else ''}); a walk or FastRP cannot place them.")
    for title, h in zip(_GRAPH[2:], ("left", "right")):
        with part(title):
            W = later(weights, h)
            if np.diag(W).any() or (W.sum(1) == 0).any() or np.abs(W - W.T).max() > 1e-9 * np.abs(W).max():
                raise Feedback("not checked until the weights are symmetric with a zero diagonal (see above).")
            score = connectome_f1(W, hemis[h].y)
            expect(score >= _F1_MIN,
                   f"FastRP on your graph gives macro-F1 {score:.3f} on the {h} hemisphere (mean of 3 random "
                   f"matrices); expected at least {_F1_MIN}. A + Aᵀ gives about 0.6: it links each neuron to its "
                   "partners and forgets the direction, and projection, input and output neurons all have Kenyon "
                   "cells as partners. What do two neurons of one type have in common?")
