"""Graph embeddings (lesson 11): random walks on a graph and their exact law, skip-gram on the walks,
and the evaluation of node embeddings (node classification and link prediction).

A graph is a :class:`CSRGraph`: undirected, with positive edge weights, in compressed sparse row form
(``indptr: (n + 1,)``, ``indices: (m,)`` with the columns sorted within each row, ``weights: (m,)``). Every
undirected edge is stored in both directions, so ``m`` is twice the number of edges. :func:`csr_graph` builds
one from a dense ``(n, n)`` matrix, a SciPy sparse matrix or a torch sparse tensor.

* :func:`random_walks` — DeepWalk's first-order walk (``p = q = 1``: the next node is a neighbour drawn with
  probability proportional to the edge weight, lesson 11, Eq. (1)) and node2vec's biased second-order walk
  (Eqs. (6)–(7)). All walks advance one step at a time as one batch. node2vec's step is drawn by **rejection
  sampling** (lesson 11, Eq. (8)): propose a first-order step ``x``, accept it with probability
  ``α_pq(t, x) / max(1/p, 1, 1/q)``. It draws from the exact law, needs no tables (node2vec's reference code
  precomputes an alias table for every directed edge, ``Σ_v deg(v)²`` entries), and a proposal costs two
  binary searches whatever the degree.
* :func:`transition_probabilities` — that exact law; :func:`walk_chi2` — Pearson's χ² test of the observed
  transitions against it (Anderson & Goodman 1957; lesson 11, Eq. (9)).
* :func:`embed_walks`, :func:`deepwalk`, :func:`node2vec` — skip-gram with negative sampling on the walks,
  with lesson 09's :func:`~lowdim_utils.sgns.window_pairs` (windows never cross from one walk into the next),
  :class:`~lowdim_utils.sgns.NegativeSampler` and :func:`~lowdim_utils.sgns.train_sgns`.
* :func:`window_pair_matrix` — the law of a window pair of a long stationary walk (lesson 11, Eq. (4)), the
  matrix DeepWalk implicitly factorises.
* Link prediction: :func:`split_edges` (held-out edges; what remains stays connected), :func:`negative_edges`
  (uniform non-edges), :func:`edge_features` (Hadamard products) and :func:`auc` (Eq. (10)); :func:`link_auc`
  trains a logistic regression on the features of the training edges and scores the held-out ones.
* Node classification: :func:`classification_f1`, the macro-F1 of a logistic-regression probe on the embedding.
  (Both probes are scikit-learn's ``LogisticRegression``, imported when called, run single-threaded.)

Spectral embedding is :func:`lowdim_utils.manifold.spectral_embedding` (lesson 07) and FastRP
:func:`lowdim_utils.projections.fastrp` (lesson 02); :meth:`CSRGraph.to_dense` and
:meth:`CSRGraph.to_torch_sparse` hand a graph to them. Randomness follows :mod:`lowdim_utils.rng`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from . import sgns
from .device import threads, threads_for
from .rng import as_generator
from .validate import (as_matrix, as_tensor, check_bool, check_choice, check_int, check_interval, check_positive,
                       to_numpy)

__all__ = ["CSRGraph", "csr_graph", "random_walks", "transition_probabilities", "walk_chi2", "embed_walks",
           "deepwalk", "node2vec", "window_pair_matrix", "split_edges", "negative_edges", "edge_features", "auc",
           "classification_f1", "link_auc"]


# ----------------------------------------------------------------------------- the graph

@dataclass(frozen=True)
class CSRGraph:
    """An undirected weighted graph in CSR form: ``indptr: (n + 1,)`` int64, ``indices: (m,)`` int64 (sorted
    within each row), ``weights: (m,)`` float64 > 0; each edge is stored in both directions. Build it with
    :func:`csr_graph`. ``degree: (n,)`` holds the weighted degrees ``d_v = Σ_u w_vu``."""

    indptr: torch.Tensor
    indices: torch.Tensor
    weights: torch.Tensor
    degree: torch.Tensor = field(init=False, repr=False)
    _cum: torch.Tensor = field(init=False, repr=False)      # (m + 1,) cumulative weights
    _keys: torch.Tensor = field(init=False, repr=False)     # (m,) row * n + column, increasing
    _uniform: bool = field(init=False, repr=False)          # all weights equal: no binary search needed

    def __post_init__(self):
        n = self.indptr.numel() - 1
        rows = torch.repeat_interleave(torch.arange(n, device=self.indptr.device), self.indptr.diff())
        cum = torch.cat([torch.zeros(1, dtype=torch.float64, device=self.weights.device), self.weights.cumsum(0)])
        object.__setattr__(self, "degree", cum[self.indptr[1:]] - cum[self.indptr[:-1]])
        object.__setattr__(self, "_cum", cum)
        object.__setattr__(self, "_keys", rows * n + self.indices)
        object.__setattr__(self, "_uniform", bool((self.weights == self.weights[0]).all()))

    @property
    def n(self) -> int:
        """Number of nodes."""
        return self.indptr.numel() - 1

    @property
    def n_edges(self) -> int:
        """Number of undirected edges (half the stored entries)."""
        return self.indices.numel() // 2

    @property
    def device(self) -> torch.device:
        return self.indices.device

    def to(self, device) -> "CSRGraph":
        return CSRGraph(self.indptr.to(device), self.indices.to(device), self.weights.to(device))

    def has_edge(self, src, dst) -> torch.Tensor:
        """Whether ``(src[i], dst[i])`` is an edge, for two int64 tensors of one shape (a binary search each)."""
        key = src * self.n + dst
        pos = torch.searchsorted(self._keys, key).clamp(max=self._keys.numel() - 1)
        return self._keys[pos] == key

    def edges(self) -> torch.Tensor:
        """The undirected edges ``(n_edges, 2)`` int64 with ``u < v``, in CSR order."""
        rows = self._keys // self.n
        keep = rows < self.indices
        return torch.stack([rows[keep], self.indices[keep]], 1)

    def to_dense(self, dtype=torch.float64) -> torch.Tensor:
        """The ``(n, n)`` weight matrix (for :func:`lowdim_utils.manifold.spectral_embedding`)."""
        W = torch.zeros(self.n, self.n, dtype=dtype, device=self.device)
        W.view(-1)[self._keys] = self.weights.to(dtype)
        return W

    def to_torch_sparse(self, dtype=torch.float64) -> torch.Tensor:
        """The weight matrix as a sparse COO tensor (for :func:`lowdim_utils.projections.fastrp`)."""
        idx = torch.stack([self._keys // self.n, self.indices])
        return torch.sparse_coo_tensor(idx, self.weights.to(dtype), (self.n, self.n), check_invariants=False).coalesce()


def csr_graph(W, *, device=None) -> CSRGraph:
    """The :class:`CSRGraph` of a symmetric non-negative weight matrix ``W: (n, n)`` — a dense tensor or array,
    a SciPy sparse matrix or a torch sparse tensor. Zero entries are not edges; the diagonal must be zero (no
    self-loops) and every node needs an edge (a walk could not leave an isolated node)."""
    import scipy.sparse as sp
    if sp.issparse(W):
        A = sp.csr_matrix(W, dtype=np.float64)
    elif isinstance(W, torch.Tensor) and W.layout != torch.strided:
        A = sp.csr_matrix(W.detach().to_dense().cpu().double().numpy())
    else:
        A = sp.csr_matrix(as_matrix(W, "W", dtype=torch.float64).detach().cpu().numpy())
    if A.shape[0] != A.shape[1]:
        raise ValueError(f"W must be a square (n, n) matrix, got shape {A.shape}.")
    if A.shape[0] < 2:
        raise ValueError(f"W must have at least 2 nodes, got {A.shape[0]}.")
    A.sum_duplicates()
    if not np.isfinite(A.data).all():
        raise ValueError("W contains NaN or infinite values; expected finite edge weights.")
    if (A.data < 0).any():
        raise ValueError("W must hold non-negative edge weights; it has negative entries.")
    A.eliminate_zeros()
    asym = abs(A - A.T).max() if A.nnz else 0.0
    if asym > 1e-10 * (A.data.max() if A.nnz else 1.0):
        raise ValueError(f"W must be symmetric (an undirected graph), but max |W - W.T| = {asym:.3g}; "
                         "symmetrise it first, e.g. W + W.T.")
    if A.diagonal().any():
        raise ValueError(f"W must have a zero diagonal (no self-loops); {int((A.diagonal() != 0).sum())} nodes "
                         "have one.")
    deg = np.diff(A.indptr)
    if (deg == 0).any():
        raise ValueError(f"W has {int((deg == 0).sum())} isolated nodes (first: {int(np.flatnonzero(deg == 0)[0])}); "
                         "a walk cannot leave them: drop them or connect them.")
    A.sort_indices()
    dev = torch.device("cpu") if device is None else torch.device(device)
    if device is None and isinstance(W, torch.Tensor):
        dev = W.device
    return CSRGraph(torch.from_numpy(A.indptr.astype(np.int64)).to(dev),
                    torch.from_numpy(A.indices.astype(np.int64)).to(dev),
                    torch.from_numpy(A.data.astype(np.float64)).to(dev))


def _graph(G) -> CSRGraph:
    if not isinstance(G, CSRGraph):
        raise TypeError(f"G must be a CSRGraph (build it with graphs.csr_graph(W)), got {type(G).__name__}.")
    return G


def _nodes(x, name, n, device):
    """A 1-D int64 tensor of node indices in [0, n)."""
    t = x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    if t.dtype.is_floating_point or t.is_complex() or t.dtype == torch.bool:
        raise TypeError(f"{name} must hold integer node indices, got dtype {t.dtype}.")
    if t.dim() != 1:
        raise ValueError(f"{name} must be 1-D, got shape {tuple(t.shape)}.")
    t = t.long().to(device)
    if t.numel() and (int(t.min()) < 0 or int(t.max()) >= n):
        raise ValueError(f"{name} must hold node indices in [0, {n}), got values in [{int(t.min())}, {int(t.max())}].")
    return t


def _pq(p, q):
    return check_positive(p, "p"), check_positive(q, "q")


# ----------------------------------------------------------------------------- walks

def _uniform(k, gen, device):
    return torch.rand(k, generator=gen, dtype=torch.float64, device=gen.device).to(device)


def _invert(C, lo, hi, u):
    """The slot ``e`` in ``[lo, hi)`` with ``C[e] <= C[lo] + u (C[hi] − C[lo]) < C[e + 1]``: slot e is drawn with
    probability proportional to ``C[e + 1] − C[e]`` (a binary search per row; rows are ranges of ``C``)."""
    e = torch.searchsorted(C, C[lo] + u * (C[hi] - C[lo]), right=True) - 1
    return torch.maximum(torch.minimum(e, hi - 1), lo)        # rounding at the ends of a row


def _first_order(G, cur, u):
    """The next node from ``cur`` for uniforms ``u``: neighbour x with probability w_vx / d_v (Eq. (1))."""
    lo, hi = G.indptr[cur], G.indptr[cur + 1]
    if G._uniform:
        return G.indices[torch.minimum(lo + (u * (hi - lo)).long(), hi - 1)]
    return G.indices[_invert(G._cum, lo, hi, u)]


def _alpha(G, prev, x, p, q):
    """node2vec's bias α_pq(t, x) (lesson 11, Eq. (6)): 1/p back to t, 1 to a neighbour of t, 1/q further."""
    one = torch.ones(x.shape, dtype=torch.float64, device=x.device)
    return torch.where(x == prev, one / p, torch.where(G.has_edge(prev, x), one, one / q))


def _node2vec_step(G, prev, cur, p, q, gen, max_rounds=100_000):
    """One second-order step for every walk by rejection (lesson 11, Eq. (8)); returns (next, proposals)."""
    amax = max(1.0 / p, 1.0, 1.0 / q)
    nxt = torch.empty_like(cur)
    tries = torch.zeros_like(cur)
    todo = torch.arange(cur.numel(), device=cur.device)
    for _ in range(max_rounds):
        if todo.numel() == 0:
            return nxt, tries
        x = _first_order(G, cur[todo], _uniform(todo.numel(), gen, cur.device))
        accept = _uniform(todo.numel(), gen, cur.device) * amax < _alpha(G, prev[todo], x, p, q)
        tries[todo] += 1
        nxt[todo[accept]] = x[accept]
        todo = todo[~accept]
    raise RuntimeError(f"rejection sampling did not finish in {max_rounds} rounds (p={p}, q={q}).")


def _node2vec_exact(G, prev, cur, p, q, gen):
    """One second-order step for every walk by exact normalisation: weigh every neighbour x of each walk's
    node by α_pq(t, x) w_vx and invert the cumulative sum (Eq. (7)); work Σ_walks deg(v) per step."""
    state, nodes, w = _candidates(G, cur)
    w = w * _alpha(G, prev[state], nodes, p, q)
    C = torch.cat([torch.zeros(1, dtype=torch.float64, device=w.device), w.cumsum(0)])
    deg = G.indptr[cur + 1] - G.indptr[cur]
    lo = torch.cumsum(deg, 0) - deg
    return nodes[_invert(C, lo, lo + deg, _uniform(cur.numel(), gen, cur.device))]


def random_walks(G: CSRGraph, length: int, *, walks_per_node: int = 10, starts=None, p: float = 1.0,
                 q: float = 1.0, method: str = "rejection", generator=None, return_proposals: bool = False):
    """Random walks on ``G``, all advancing one step at a time as one batch.

    ``p = q = 1``: DeepWalk's first-order walk (lesson 11, Eq. (1)). Otherwise node2vec's second-order walk
    (Eqs. (6)–(7)): from ``v``, reached from ``t``, the next node ``x`` has probability ∝ ``α_pq(t, x) w_vx``,
    drawn by rejection (Eq. (8)); the first step of a walk is first-order. ``p`` is the return parameter
    (large ``p``: rarely go back), ``q`` the in-out parameter (``q < 1``: move outward, DFS-like; ``q > 1``:
    stay near ``t``, BFS-like).

    Args:
        G: the graph (:func:`csr_graph`).
        length: nodes per walk (``length − 1`` steps).
        walks_per_node: walks from every node (walk ``i`` starts at node ``i mod n``), unless ``starts``
            (``(n_walks,)`` node indices) is given.
        method: node2vec's step by ``"rejection"`` (Eq. (8): about ``α_max/α_min`` proposals at most, each
            two binary searches) or ``"exact"`` normalisation over all neighbours (``deg(v)`` work per
            walk and step: slow at hubs). Both draw from Eq. (7).
        generator: the randomness (:mod:`lowdim_utils.rng`); pass a CUDA generator to draw on the GPU.
        return_proposals: also return ``(n_walks, length − 1)`` int64, the proposals each step needed
            (always 1 for ``p = q = 1``), whose mean Eq. (8) predicts.

    Returns:
        ``walks: (n_walks, length)`` int64 on ``G``'s device (and the proposals).
    """
    G = _graph(G)
    length = check_int(length, "length", low=1)
    p, q = _pq(p, q)
    return_proposals = check_bool(return_proposals, "return_proposals")
    check_choice(method, "method", ["rejection", "exact"])
    if starts is None:
        walks_per_node = check_int(walks_per_node, "walks_per_node", low=1)
        cur = torch.arange(G.n, device=G.device).repeat(walks_per_node)
    else:
        cur = _nodes(starts, "starts", G.n, G.device)
    gen = as_generator(generator)
    first_order = p == 1.0 and q == 1.0
    out = torch.empty(cur.numel(), length, dtype=torch.long, device=G.device)
    tries = torch.ones(cur.numel(), max(length - 1, 0), dtype=torch.long, device=G.device)
    out[:, 0] = cur
    with threads(threads_for(40.0 * cur.numel(), G.device)):
        for i in range(1, length):
            if first_order or i == 1:
                out[:, i] = _first_order(G, out[:, i - 1], _uniform(cur.numel(), gen, G.device))
            elif method == "exact":
                out[:, i] = _node2vec_exact(G, out[:, i - 2], out[:, i - 1], p, q, gen)
            else:
                out[:, i], tries[:, i - 1] = _node2vec_step(G, out[:, i - 2], out[:, i - 1], p, q, gen)
    return (out, tries) if return_proposals else out


# ----------------------------------------------------------------------------- the exact law and the χ² test

def _candidates(G, cur):
    """Every neighbour of every node in ``cur: (k,)``, flat: ``(state, nodes, weights)``, each ``(Σ deg(cur),)``."""
    lo, deg = G.indptr[cur], G.indptr[cur + 1] - G.indptr[cur]
    state = torch.repeat_interleave(torch.arange(cur.numel(), device=G.device), deg)
    start = torch.cumsum(deg, 0) - deg
    e = lo[state] + torch.arange(state.numel(), device=G.device) - start[state]
    return state, G.indices[e], G.weights[e]


def transition_probabilities(G: CSRGraph, cur, prev=None, *, p: float = 1.0, q: float = 1.0):
    """The exact law of the next node of walks at ``cur: (k,)`` that came from ``prev: (k,)``:
    ``P(x | t, v) = α_pq(t, x) w_vx / Z(t, v)`` (lesson 11, Eq. (7)); ``prev=None``: first-order,
    ``w_vx / d_v`` (Eq. (1)).

    Returns three ``(E,)`` tensors, ``E = Σ_i deg(cur[i])``: ``state`` (which of the k walks), ``nodes`` (a
    neighbour x of ``cur[state]``) and ``probs`` (its probability, float64; they sum to 1 per state).
    """
    G = _graph(G)
    cur = _nodes(cur, "cur", G.n, G.device)
    p, q = _pq(p, q)
    state, nodes, w = _candidates(G, cur)
    if prev is not None:
        prev = _nodes(prev, "prev", G.n, G.device)
        if prev.shape != cur.shape:
            raise ValueError(f"prev and cur must have the same shape, got {tuple(prev.shape)} and {tuple(cur.shape)}.")
        if not bool(G.has_edge(prev, cur).all()):
            raise ValueError("every (prev[i], cur[i]) must be an edge of G: a walk only reaches cur from a neighbour.")
        w = w * _alpha(G, prev[state], nodes, p, q)
    Z = torch.zeros(cur.numel(), dtype=torch.float64, device=G.device).index_add_(0, state, w)
    return state, nodes, w / Z[state]


def walk_chi2(G: CSRGraph, walks, *, p: float = 1.0, q: float = 1.0, order: int = 2, cells: str = "nodes",
              min_expected: float = 5.0) -> dict:
    """Pearson's χ² test of the transitions in ``walks: (n_walks, length)`` against the exact law
    (Anderson & Goodman 1957; lesson 11, Eq. (9)).

    ``order=2`` (node2vec, any p and q): the state of a transition ``t → v → x`` is the pair ``(t, v)`` and
    the first step of each walk is left out; ``order=1`` (only for ``p = q = 1``): the state is ``v``. Given
    its state, each transition is an independent draw from ``P(· | state)`` (Markov property), so
    ``X² = Σ_s Σ_x (N_sx − N_s P_sx)² / (N_s P_sx)`` is approximately χ² with ``Σ_s (k_s − 1)`` degrees of
    freedom (``k_s``: the neighbours of the state's current node). States whose smallest expected count
    ``N_s min_x P_sx`` is below ``min_expected`` are left out (the approximation needs it).

    ``cells="distance"`` (``order=2`` only) pools the next nodes of a state ``(t, v)`` by their distance from
    ``t`` — back to ``t``, a common neighbour of ``t`` and ``v``, further away — the three classes node2vec's
    bias α_pq tells apart, with the exact class probabilities summed from Eq. (7): fewer, fuller cells, so that
    states of high-degree nodes can be tested too.

    Returns a dict: ``statistic``, ``df``, ``pvalue``, ``n_transitions`` (all), ``tested`` (the fraction of
    them in the states tested), ``n_states`` (tested) and ``impossible`` (transitions that are not along an
    edge of G: any makes ``pvalue`` 0).
    """
    from scipy.stats import chi2
    G = _graph(G)
    if not isinstance(walks, torch.Tensor):
        walks = torch.as_tensor(np.asarray(walks))
    if walks.dim() != 2 or walks.dtype.is_floating_point:
        raise ValueError(f"walks must be a 2-D integer tensor (n_walks, length), got shape {tuple(walks.shape)} "
                         f"and dtype {walks.dtype}.")
    walks = walks.long().to(G.device)
    check_int(order, "order", low=1, high=2)
    check_choice(cells, "cells", ["nodes", "distance"])
    if cells == "distance" and order != 2:
        raise ValueError("cells='distance' needs order=2: the classes are distances from the previous node t.")
    p, q = _pq(p, q)
    min_expected = check_positive(min_expected, "min_expected", allow_zero=True)
    if order == 1 and not (p == 1.0 and q == 1.0):
        raise ValueError(f"order=1 tests a first-order walk: it needs p = q = 1, got p={p}, q={q} (use order=2).")
    if walks.numel() and (int(walks.min()) < 0 or int(walks.max()) >= G.n):
        raise ValueError(f"walks must hold node indices in [0, {G.n}).")
    n = G.n
    if order == 1:
        t, v, x = None, walks[:, :-1].reshape(-1), walks[:, 1:].reshape(-1)
        s = v
    else:
        t, v, x = walks[:, :-2].reshape(-1), walks[:, 1:-1].reshape(-1), walks[:, 2:].reshape(-1)
        s = t * n + v
    n_trans = int(x.numel())
    if n_trans == 0:
        raise ValueError("walks must have at least 2 nodes (order=1) or 3 nodes (order=2) each.")
    valid = G.has_edge(v, x) if t is None else G.has_edge(v, x) & G.has_edge(t, v)
    impossible = int((~valid).sum())
    s, x = s[valid], x[valid]
    states, inv, N_s = torch.unique(s, return_inverse=True, return_counts=True)
    cur = states % n
    prev = None if order == 1 else states // n
    state, nodes, probs = transition_probabilities(G, cur, prev, p=p, q=q)
    expected = N_s[state].double() * probs
    # observed counts of every (state, x) cell, matched to the cells by their keys (both sorted)
    obs_keys, obs_counts = torch.unique(inv * n + x, return_counts=True)
    cell_keys = state * n + nodes
    pos = torch.searchsorted(obs_keys, cell_keys).clamp(max=max(obs_keys.numel() - 1, 0))
    observed = torch.where(obs_keys[pos] == cell_keys, obs_counts[pos], torch.zeros_like(pos)).double()
    if cells == "distance":       # pool the cells of each state into back / common neighbour / further
        t_cell = prev[state]
        cls = torch.where(nodes == t_cell, 0, torch.where(G.has_edge(t_cell, nodes), 1, 2))
        group = state * 3 + cls
        pooled_e = torch.zeros(3 * len(states), dtype=torch.float64, device=G.device).index_add_(0, group, expected)
        pooled_o = torch.zeros_like(pooled_e).index_add_(0, group, observed)
        used = pooled_e > 0
        state = torch.arange(len(states), device=G.device).repeat_interleave(3)[used]
        expected, observed = pooled_e[used], pooled_o[used]
    min_exp = torch.full((len(states),), math.inf, dtype=torch.float64, device=G.device).scatter_reduce_(
        0, state, expected, reduce="amin")
    ok = min_exp >= min_expected
    keep = ok[state]
    stat = float(((observed - expected) ** 2 / expected)[keep].sum())
    k_s = torch.bincount(state, minlength=len(states))
    df = int((k_s[ok] - 1).sum())
    pvalue = 0.0 if impossible else (float(chi2.sf(stat, df)) if df > 0 else 1.0)
    return {"statistic": stat, "df": df, "pvalue": pvalue, "n_transitions": n_trans,
            "tested": float(N_s[ok].sum()) / n_trans, "n_states": int(ok.sum()), "impossible": impossible}


# ----------------------------------------------------------------------------- skip-gram on the walks

def embed_walks(walks, n: int, dim: int = 64, *, window: int = 5, negatives: int = 5, epochs: int = 1,
                lr: float = 0.025, batch_size: int | None = None, generator=None, device=None,
                progress: bool = False, return_model: bool = False):
    """Node vectors ``(n, dim)`` float32 from skip-gram with negative sampling on ``walks: (n_walks, length)``
    (lesson 09's SGNS): (center, context) pairs within ``window`` steps of the same walk, word2vec's dynamic
    windows, negatives from ``P_n(u) ∝ count(u)^0.75`` (node visit counts), ``epochs`` passes over the pairs.
    A node no walk visits keeps its random initial vector. ``return_model``: return the trained
    :class:`~lowdim_utils.sgns.SGNS` (both tables) instead."""
    n = check_int(n, "n", low=1)
    dim = check_int(dim, "dim", low=1)
    if not isinstance(walks, torch.Tensor):
        walks = torch.as_tensor(np.asarray(walks))
    dev = walks.device if device is None else torch.device(device)
    stream = sgns.token_stream(walks, device=dev)
    if len(stream) and int(stream.ids.max()) >= n:
        raise ValueError(f"walks hold node {int(stream.ids.max())} but n = {n}.")
    gen = as_generator(generator)
    pairs = sgns.window_pairs(stream, window, generator=gen)
    counts = torch.bincount(stream.ids, minlength=n)
    model = sgns.SGNS(n, n, dim, generator=gen, device=dev)
    sgns.train_sgns(model, pairs, sgns.NegativeSampler(counts, device=dev), negatives=negatives, epochs=epochs,
                    batch_size=batch_size, lr=lr, generator=gen, progress=progress, desc="SGNS on walks")
    return model if check_bool(return_model, "return_model") else model.center.data.clone()


def node2vec(G: CSRGraph, dim: int = 64, *, p: float = 1.0, q: float = 1.0, walks_per_node: int = 10,
             length: int = 40, window: int = 5, negatives: int = 5, epochs: int = 1, lr: float = 0.025,
             generator=None, progress: bool = False) -> torch.Tensor:
    """node2vec (Grover & Leskovec 2016): :func:`random_walks` with ``(p, q)`` and :func:`embed_walks`.
    Returns ``(n, dim)`` float32 on ``G``'s device."""
    gen = as_generator(generator)
    walks = random_walks(_graph(G), length, walks_per_node=walks_per_node, p=p, q=q, generator=gen)
    return embed_walks(walks, G.n, dim, window=window, negatives=negatives, epochs=epochs, lr=lr, generator=gen,
                       progress=progress)


def deepwalk(G: CSRGraph, dim: int = 64, **kwargs) -> torch.Tensor:
    """DeepWalk (Perozzi et al. 2014) with negative sampling: :func:`node2vec` with ``p = q = 1``
    (first-order walks, lesson 11, Eq. (1)). Takes the same keyword arguments but ``p`` and ``q``."""
    if "p" in kwargs or "q" in kwargs:
        raise TypeError("deepwalk takes no p or q (it is node2vec with p = q = 1): call node2vec instead.")
    return node2vec(G, dim, **kwargs)


def window_pair_matrix(W, window: int) -> torch.Tensor:
    """The law ``M: (n, n)`` of a (center, context) pair drawn from the fixed windows of a long walk started in
    its stationary distribution (lesson 11, Eq. (4)): ``M = Σ_{r=1..T} D P^r / (T vol)``, ``P = D⁻¹W``,
    ``vol = Σ_v d_v``, ``T = window``. Symmetric, non-negative, sums to 1 (float64)."""
    W = as_matrix(W, "W", dtype=torch.float64)
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"W must be a square (n, n) matrix, got shape {tuple(W.shape)}.")
    if bool((W < 0).any()) or float((W - W.T).abs().max()) > 1e-10 * float(W.abs().max() or 1.0):
        raise ValueError("W must be a symmetric non-negative weight matrix.")
    T = check_int(window, "window", low=1)
    d = W.sum(1)
    if bool((d <= 0).any()):
        raise ValueError("W has isolated nodes (zero rows): the walk is not defined there.")
    P = W / d[:, None]
    Pr, acc = torch.eye(W.shape[0], dtype=W.dtype, device=W.device), torch.zeros_like(W)
    for _ in range(T):
        Pr = Pr @ P
        acc += Pr
    M = d[:, None] * acc / (T * d.sum())
    return (M + M.T) / 2          # exact symmetry (D P^r is symmetric in exact arithmetic)


# ----------------------------------------------------------------------------- link prediction

def split_edges(G: CSRGraph, fraction: float, *, generator=None):
    """Hold out ``round(fraction · n_edges)`` edges of a connected graph ``G`` for link prediction, keeping the
    rest connected (node2vec's protocol): a random spanning tree (the minimum spanning tree of random edge
    weights) is kept, and the held-out edges are drawn uniformly from the edges not in it.

    Returns ``(G_train, held_out)``: the graph without them (same weights otherwise) and ``(k, 2)`` int64
    pairs with ``u < v``.
    """
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
    G = _graph(G)
    fraction = check_interval(fraction, "fraction", 0.0, 1.0, closed="neither")
    gen = as_generator(generator)
    E = G.edges().cpu()
    w = G.weights[(G._keys // G.n) < G.indices].cpu()
    m, n = E.shape[0], G.n
    k = int(round(fraction * m))
    S = sp.coo_matrix((np.ones(m), (E[:, 0].numpy(), E[:, 1].numpy())), shape=(n, n))
    if connected_components(S, directed=False)[0] > 1:
        raise ValueError("G must be connected: split_edges keeps the training graph connected.")
    r = torch.rand(m, generator=gen, device=gen.device).cpu().double().numpy() + 1.0     # > 0: all are edges
    T = minimum_spanning_tree(sp.csr_matrix((r, (E[:, 0].numpy(), E[:, 1].numpy())), shape=(n, n))).tocoo()
    tree = set(zip(np.minimum(T.row, T.col).tolist(), np.maximum(T.row, T.col).tolist()))
    free = torch.tensor([i for i, (a, b) in enumerate(E.tolist()) if (a, b) not in tree], dtype=torch.long)
    if k > free.numel():
        raise ValueError(f"fraction={fraction} asks for {k} held-out edges, but only {free.numel()} of the "
                         f"{m} edges lie off a spanning tree: at most fraction={free.numel() / m:.3f} keeps G "
                         "connected.")
    if k == 0:
        raise ValueError(f"fraction={fraction} holds out no edge of the {m}: increase it.")
    pick = free[torch.randperm(free.numel(), generator=gen, device=gen.device).cpu()[:k]]
    keep = torch.ones(m, dtype=torch.bool)
    keep[pick] = False
    Ek, wk = E[keep], w[keep]
    A = sp.coo_matrix((np.r_[wk.numpy(), wk.numpy()], (np.r_[Ek[:, 0].numpy(), Ek[:, 1].numpy()],
                                                      np.r_[Ek[:, 1].numpy(), Ek[:, 0].numpy()])), shape=(n, n))
    return csr_graph(A, device=G.device), E[pick].to(G.device)


def negative_edges(G: CSRGraph, k: int, *, generator=None) -> torch.Tensor:
    """``k`` distinct node pairs ``(k, 2)`` int64, ``u < v``, drawn uniformly from the pairs that are *not* edges
    of ``G`` (pass the full graph, so that no held-out edge is drawn as a negative): uniform pairs ``u ≠ v``,
    rejecting edges and repeats."""
    G = _graph(G)
    k = check_int(k, "k", low=1)
    n = G.n
    free = n * (n - 1) // 2 - G.n_edges
    if k > free:
        raise ValueError(f"k={k} negative pairs requested but G has only {free} non-adjacent pairs.")
    gen = as_generator(generator)
    found = torch.zeros(0, dtype=torch.long, device=G.device)
    while found.numel() < k:
        draw = torch.randint(0, n, (2, 2 * (k - found.numel()) + 16), generator=gen, device=gen.device).to(G.device)
        u, v = draw.min(0).values, draw.max(0).values
        ok = (u != v) & ~G.has_edge(u, v)
        new = u[ok] * n + v[ok]
        # keep the first occurrence of each new pair, in the order drawn (uniform without replacement)
        allk = torch.cat([found, new])
        uniq, inv = torch.unique(allk, return_inverse=True)
        first = torch.full((uniq.numel(),), allk.numel(), dtype=torch.long, device=G.device).scatter_reduce_(
            0, inv, torch.arange(allk.numel(), device=G.device), reduce="amin")
        found = allk[first.sort().values][:k]
    return torch.stack([found // n, found % n], 1)


def edge_features(E, pairs) -> torch.Tensor:
    """Hadamard features ``(k, d)`` of node pairs ``pairs: (k, 2)``: ``E[u] ∘ E[v]`` for embeddings ``E: (n, d)``
    — node2vec's best operator for link prediction (a classifier on them scores each pair; symmetric in u, v)."""
    E = as_matrix(E, "E")
    pairs = pairs if isinstance(pairs, torch.Tensor) else torch.as_tensor(np.asarray(pairs))
    if pairs.dim() != 2 or pairs.shape[1] != 2 or pairs.dtype.is_floating_point:
        raise ValueError(f"pairs must be (k, 2) integer node pairs, got shape {tuple(pairs.shape)}, "
                         f"dtype {pairs.dtype}.")
    pairs = pairs.long().to(E.device)
    if pairs.numel() and (int(pairs.min()) < 0 or int(pairs.max()) >= E.shape[0]):
        raise ValueError(f"pairs must hold node indices in [0, {E.shape[0]}).")
    return E[pairs[:, 0]] * E[pairs[:, 1]]


def auc(pos, neg) -> float:
    """Area under the ROC curve of scores ``pos: (a,)`` (true edges) against ``neg: (b,)`` (non-edges): the
    probability that a random positive outscores a random negative, ties counting one half (lesson 11,
    Eq. (10)); the Mann–Whitney statistic over ``a b``."""
    pos = as_tensor(pos, "pos", ndim=1, dtype=torch.float64).detach().cpu()
    neg = as_tensor(neg, "neg", ndim=1, dtype=torch.float64).detach().cpu()
    allv = torch.cat([pos, neg])
    order = torch.argsort(allv)
    vals = allv[order]
    _, inv, cnt = torch.unique_consecutive(vals, return_inverse=True, return_counts=True)
    ends = torch.cumsum(cnt, 0).double()
    mid = ends - (cnt.double() - 1) / 2                # average rank of each group of ties
    ranks = torch.empty_like(allv)
    ranks[order] = mid[inv]
    a, b = pos.numel(), neg.numel()
    return float((ranks[:a].sum() - a * (a + 1) / 2) / (a * b))


def _probe():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))


def classification_f1(E, y, *, splits: int = 5, test_size: float = 0.5, seed: int = 0) -> float:
    """The macro-F1 of a logistic-regression probe predicting the labels ``y: (n,)`` from the embedding
    ``E: (n, d)``: standardised coordinates, scikit-learn's ``LogisticRegression`` (L2, C = 1), averaged over
    ``splits`` stratified random splits with ``test_size`` of the nodes held out (split seed ``seed``).
    Nodes with ``y < 0`` are left out (e.g. classes too small to split). Macro-F1 is the unweighted mean of
    the per-class F1 scores: every class counts alike, however small."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedShuffleSplit
    X = to_numpy(as_matrix(E, "E")).astype(np.float64)
    y = np.asarray(to_numpy(y))
    if y.ndim != 1 or y.shape[0] != X.shape[0] or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be ({X.shape[0]},) integer labels, one per row of E, got shape {y.shape}, "
                         f"dtype {y.dtype}.")
    splits = check_int(splits, "splits", low=1)
    test_size = check_interval(test_size, "test_size", 0.0, 1.0, closed="neither")
    seed = check_int(seed, "seed", low=0)
    keep = y >= 0
    X, y = X[keep], y[keep]
    if np.bincount(y).max(initial=0) < 2 or (np.bincount(y)[np.bincount(y) > 0] < 2).any():
        raise ValueError("every class of y needs at least 2 nodes (mark smaller ones -1 to leave them out).")
    scores = []
    with threads(1):
        for tr, te in StratifiedShuffleSplit(splits, test_size=test_size, random_state=seed).split(X, y):
            pred = _probe().fit(X[tr], y[tr]).predict(X[te])
            scores.append(f1_score(y[te], pred, average="macro"))
    return float(np.mean(scores))


def link_auc(E, train_pos, train_neg, test_pos, test_neg) -> float:
    """Link prediction with node2vec's protocol: a logistic regression on the Hadamard features
    (:func:`edge_features`) of the training edges ``train_pos: (a, 2)`` against non-edges ``train_neg: (b, 2)``,
    then the AUC (Eq. (10)) of its scores on the held-out edges ``test_pos`` against other non-edges ``test_neg``."""
    feats = [to_numpy(edge_features(E, P)).astype(np.float64) for P in (train_pos, train_neg, test_pos, test_neg)]
    with threads(1):
        clf = _probe().fit(np.vstack(feats[:2]), np.r_[np.ones(len(feats[0])), np.zeros(len(feats[1]))])
        return auc(clf.decision_function(feats[2]), clf.decision_function(feats[3]))
