"""Matryoshka representations (lesson 16): nested losses over prefixes, adaptive retrieval.

A *Matryoshka* embedding ``z ∈ R^D`` is trained so that every prefix ``z[:m]``, ``m`` in a
nesting ``M = (m₁ < m₂ < … < D)``, is a usable representation on its own (Kusupati et al. 2022).
The pieces here, in lesson order:

* :class:`MatryoshkaClassifier` — an MLP encoder to ``R^D`` with one linear head per prefix
  size; with ``nesting=(m,)`` it is the ordinary *fixed-feature* (FF) model of size ``m``;
* :func:`matryoshka_loss` — the nested loss ``Σ_m c_m · CE(W_m z[:m], y)`` (lesson 16, Eq. (1)),
  a loss for :func:`lowdim_utils.training.fit`;
* :func:`prefix_accuracy` and :func:`adaptive_classify` — accuracy of every head, and the
  confidence cascade that stops at the first prefix whose softmax is confident enough
  (lesson 16, Eq. (6));
* :func:`exact_search` — brute-force k nearest neighbours of queries in a database (the oracle);
* :func:`adaptive_search` — shortlist with the first ``m`` coordinates, re-rank the shortlist
  with all of them (lesson 16, Eq. (3)); :func:`recall_at_k` compares it with the exact answer;
* :func:`knn_accuracy` — the label of the nearest database point as a classifier;
* :func:`top_k_sparsify` and :func:`sparse_embedding` — k-sparse codes of an embedding in a
  learned dictionary (lesson 03's sparse coding), the alternative of Wen et al. (2025).

Everything is torch, batched, runs on the input's device and keeps float32/float64 (half
precision is computed in float32). Distances are squared Euclidean. Candidates are ranked by the product form
``‖x‖² − 2qᵀx`` (the distance minus ``‖q‖²``, one matrix product, data centred on the database
mean), and the distances returned are recomputed directly, ``‖q − x‖²``, for the chosen ones —
as lesson 05's k-NN does.
"""
from __future__ import annotations

import torch
from torch import nn

from .rng import as_generator
from .sparse import fista
from .training import _labels
from .validate import as_matrix, as_tensor, check_int, check_interval, check_positive, check_same_device

__all__ = ["default_nesting", "MatryoshkaClassifier", "matryoshka_loss", "prefix_accuracy",
           "adaptive_classify", "exact_search", "adaptive_search", "recall_at_k", "knn_accuracy",
           "top_k_sparsify", "sparse_embedding", "search_cost"]


def default_nesting(dim: int, smallest: int = 2) -> tuple[int, ...]:
    """The doubling nesting ``(smallest, 2·smallest, …, dim)`` of the MRL paper (``dim`` always last)."""
    dim = check_int(dim, "dim", low=1)
    smallest = check_int(smallest, "smallest", low=1, high=dim)
    out, m = [], smallest
    while m < dim:
        out.append(m)
        m *= 2
    return tuple(out + [dim])


def _nesting(nesting, dim=None, name="nesting"):
    try:
        ms = tuple(int(m) if not isinstance(m, bool) and float(m) == int(m) else None for m in nesting)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a sequence of increasing positive integers, got {nesting!r}.") from None
    if not ms or None in ms or any(m < 1 for m in ms) or any(a >= b for a, b in zip(ms, ms[1:])):
        raise ValueError(f"{name} must be a non-empty sequence of strictly increasing positive integers, "
                         f"got {tuple(nesting)}.")
    if dim is not None and ms[-1] > dim:
        raise ValueError(f"{name} must not exceed the embedding dimension {dim}, got {ms}.")
    return ms


class MatryoshkaClassifier(nn.Module):
    """An MLP encoder ``R^d_in → R^D`` with one linear head per prefix size (lesson 16, Eq. (1)).

    ``encoder``: ``d_in → hidden → … → D`` (ReLU between layers, none after the last);
    ``heads[i]``: ``Linear(nesting[i] → n_classes)`` applied to ``z[:, :nesting[i]]``.
    ``nesting=(D,)`` gives the fixed-feature (FF) model. ``forward(X: (n, d_in)) → z: (n, D)``.
    Initialisation follows ``generator`` (None, int seed or ``torch.Generator``).
    """

    def __init__(self, in_dim: int, dim: int, n_classes: int, nesting=None, *, hidden=(256,), generator=None):
        super().__init__()
        in_dim = check_int(in_dim, "in_dim", low=1)
        dim = check_int(dim, "dim", low=1)
        n_classes = check_int(n_classes, "n_classes", low=2)
        hidden = (hidden,) if isinstance(hidden, int) else tuple(hidden)
        for h in hidden:
            check_int(h, "hidden", low=1)
        self.nesting = default_nesting(dim) if nesting is None else _nesting(nesting, dim)
        if self.nesting[-1] != dim:
            raise ValueError(f"nesting must end with the embedding dimension {dim}, got {self.nesting}.")
        self.dim = dim
        sizes = (in_dim,) + hidden + (dim,)
        layers = []
        for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
            layers.append(nn.Linear(a, b))
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
        self.encoder = nn.Sequential(*layers)
        self.heads = nn.ModuleList(nn.Linear(m, n_classes) for m in self.nesting)
        gen = as_generator(generator)
        with torch.no_grad():
            for lin in [m for m in self.modules() if isinstance(m, nn.Linear)]:
                bound = lin.in_features ** -0.5          # PyTorch's default range, drawn from gen
                lin.weight.copy_(torch.rand(lin.weight.shape, generator=gen, device=gen.device) * 2 * bound - bound)
                lin.bias.copy_(torch.rand(lin.bias.shape, generator=gen, device=gen.device) * 2 * bound - bound)

    def forward(self, X):
        return self.encoder(X)

    def all_logits(self, X) -> list:
        """Logits of every head: a list of ``(n, n_classes)`` tensors, one per prefix size."""
        z = self.encoder(X)
        return [head(z[:, :m]) for m, head in zip(self.nesting, self.heads)]


def matryoshka_loss(model: MatryoshkaClassifier, X, y, weights=None) -> dict:
    """The nested loss ``Σ_m c_m · CE(W_m z[:m], y)`` (lesson 16, Eq. (1)), a loss for ``training.fit``.

    ``weights``: the ``c_m`` (default all 1, as in the paper). Returns a dict with ``"loss"`` and
    each head's cross-entropy under ``"ce_<m>"``.
    """
    if not isinstance(model, MatryoshkaClassifier):
        raise TypeError(f"model must be a MatryoshkaClassifier, got {type(model).__name__}.")
    logits = model.all_logits(X)
    c = torch.ones(len(logits)) if weights is None else as_tensor(weights, "weights", ndim=1)
    if c.shape[0] != len(logits):
        raise ValueError(f"weights must have one entry per prefix size ({len(logits)}), got {c.shape[0]}.")
    out, total = {}, 0.0
    for m, lg, cm in zip(model.nesting, logits, c.tolist()):
        ce = nn.functional.cross_entropy(lg, y)
        out[f"ce_{m}"] = ce
        total = total + cm * ce
    out["loss"] = total
    return out


@torch.no_grad()
def prefix_accuracy(model: MatryoshkaClassifier, X, y) -> torch.Tensor:
    """Accuracy of every head on ``(X: (n, d_in), y: (n,))``: a float64 tensor ``(len(nesting),)``."""
    X = as_matrix(X, "X")
    y = _labels(y, X)
    was = model.training
    model.eval()
    try:
        return torch.stack([(lg.argmax(1) == y).double().mean() for lg in model.all_logits(X)]).cpu()
    finally:
        model.train(was)


@torch.no_grad()
def adaptive_classify(logits, nesting, threshold: float):
    """The confidence cascade of MRL's adaptive classification (lesson 16, Eq. (6)).

    ``logits``: a list of ``(n, c)`` tensors, one per prefix size in ``nesting``. Each sample
    takes the prediction of the first prefix whose largest softmax probability is at least
    ``threshold`` (the last prefix if none is). Returns ``(predictions: (n,), dims: (n,))``,
    the class and the prefix size used per sample.
    """
    nesting = _nesting(nesting)
    if len(logits) != len(nesting):
        raise ValueError(f"logits must hold one tensor per prefix size ({len(nesting)}), got {len(logits)}.")
    threshold = check_interval(threshold, "threshold", 0.0, 1.0)
    L = torch.stack([as_matrix(lg, f"logits[{i}]") for i, lg in enumerate(logits)])      # (s, n, c)
    conf, pred = torch.softmax(L.float(), dim=2).max(dim=2)                                 # (s, n)
    ok = conf >= threshold
    ok[-1] = True
    first = ok.double().argmax(dim=0)                                                       # first confident stage
    n = L.shape[1]
    preds = pred[first, torch.arange(n, device=L.device)]
    dims = torch.tensor(nesting, device=L.device)[first]
    return preds, dims


# ------------------------------------------------------------------ search

def _pair(queries, database):
    Q = as_matrix(queries, "queries")
    if isinstance(database, torch.Tensor):
        check_same_device(queries=Q, database=database)
    Xd = as_matrix(database, "database", dtype=None if isinstance(database, torch.Tensor) else Q.dtype,
                   device=None if isinstance(database, torch.Tensor) else Q.device)
    if Xd.dtype != Q.dtype:
        Xd = Xd.to(Q.dtype)
    if Xd.shape[1] != Q.shape[1]:
        raise ValueError(f"database must have {Q.shape[1]} columns like queries, got {Xd.shape[1]}.")
    return Q.detach(), Xd.detach()


def _scores(Q, X, X_sq):
    """``‖x_j‖² − 2 qᵀx_j`` for centred ``Q: (q, d)``, ``X: (n, d)``: the squared distance minus
    ``‖q‖²``, which ranks the database like the distance does, in one ``addmm``."""
    return torch.addmm(X_sq[None, :], Q, X.T, alpha=-2.0)


def _direct(Q, X, idx):
    """Squared distances ``(q, c)`` from each query to its candidates ``X[idx]``, computed directly."""
    diff = X[idx] - Q[:, None, :]
    return (diff * diff).sum(2)


def _topk(d2, k):
    """The k smallest entries of each row, ascending: ``(values, indices)``."""
    return torch.topk(d2, k, dim=1, largest=False, sorted=True)


def _nearest(Q, X, k, chunk):
    """Indices ``(q, k)`` of the k best scores (unsorted distances); the data centred on X's mean."""
    mu = X.mean(0)
    Xc = X - mu
    X_sq = (Xc * Xc).sum(1)
    out = []
    for s in range(0, Q.shape[0], chunk):
        out.append(torch.topk(_scores(Q[s:s + chunk] - mu, Xc, X_sq), k, dim=1, largest=False, sorted=False)[1])
    return torch.cat(out)


def _exact(Q, X, k, chunk):
    idx = _nearest(Q, X, k, chunk)
    block = max(1, (1 << 24) // (k * X.shape[1]))
    d2 = torch.cat([_direct(Q[s:s + block], X, idx[s:s + block]) for s in range(0, Q.shape[0], block)])
    d2, order = torch.sort(d2, dim=1, stable=True)
    return d2, idx.gather(1, order)


def _chunk(chunk_size, n):
    if chunk_size is None:
        return max(1, (1 << 24) // max(n, 1))
    return check_int(chunk_size, "chunk_size", low=1)


def exact_search(queries, database, k: int, *, chunk_size: int | None = None):
    """Brute-force k nearest neighbours: ``queries: (q, d)``, ``database: (n, d)``.

    Returns ``(sq_distances: (q, k), indices: (q, k))`` sorted by squared Euclidean distance. Memory ``O(chunk_size · n)``; ``1 <= k <= n``.
    """
    Q, X = _pair(queries, database)
    k = check_int(k, "k", low=1, high=X.shape[0])
    return _exact(Q, X, k, _chunk(chunk_size, X.shape[0]))


def adaptive_search(queries, database, k: int, *, shortlist_dims: int, shortlist_size: int,
                    chunk_size: int | None = None):
    """Funnel search (lesson 16, Eq. (3)): shortlist with the first ``shortlist_dims`` coordinates,
    re-rank the shortlist with all ``d`` coordinates.

    Stage 1 finds the ``shortlist_size`` (``L``) nearest database rows of each query in the
    prefix space ``R^m``; stage 2 computes the full distances to those ``L`` candidates only and
    keeps the ``k`` best. Cost per query ``n·m + L·d`` multiply-adds instead of ``n·d`` (Eq. (4)).
    Returns ``(sq_distances: (q, k), indices: (q, k))`` with *full* distances, sorted.
    """
    Q, X = _pair(queries, database)
    n, d = X.shape
    m = check_int(shortlist_dims, "shortlist_dims", low=1, high=d)
    k = check_int(k, "k", low=1, high=n)
    L = check_int(shortlist_size, "shortlist_size", low=k, high=n)
    cand = _nearest(Q[:, :m], X[:, :m].contiguous(), L, _chunk(chunk_size, n))     # (q, L) the shortlist
    block = max(1, (1 << 24) // (L * d))                                           # memory of the re-ranking
    out_d, out_i = [], []
    for s in range(0, Q.shape[0], block):
        c = cand[s:s + block]
        d2, j = _topk(_direct(Q[s:s + block], X, c), k)                             # re-rank in R^d
        out_d.append(d2)
        out_i.append(c.gather(1, j))
    return torch.cat(out_d), torch.cat(out_i)


def search_cost(n: int, d: int, shortlist_dims: int, shortlist_size: int) -> float:
    """Multiply-adds per query of the funnel over those of exact search:
    ``(n·m + L·d) / (n·d)`` (lesson 16, Eq. (4)); the predicted speed-up is its inverse."""
    n = check_int(n, "n", low=1)
    d = check_int(d, "d", low=1)
    m = check_int(shortlist_dims, "shortlist_dims", low=1, high=d)
    L = check_int(shortlist_size, "shortlist_size", low=1, high=n)
    return (n * m + L * d) / (n * d)


def recall_at_k(found, truth) -> float:
    """Mean fraction of each row of ``truth: (q, k)`` (exact neighbour indices) found in the
    same row of ``found: (q, k')`` (lesson 16, Eq. (5))."""
    F = torch.as_tensor(found)
    T = torch.as_tensor(truth)
    if F.dim() != 2 or T.dim() != 2 or F.shape[0] != T.shape[0]:
        raise ValueError(f"found and truth must be (q, k) index matrices with the same q, got shapes "
                         f"{tuple(F.shape)} and {tuple(T.shape)}.")
    if F.dtype.is_floating_point or T.dtype.is_floating_point:
        raise TypeError("found and truth must hold integer indices, got "
                        f"dtypes {F.dtype} and {T.dtype}.")
    F = F.to(T.device)
    hit = (T[:, :, None] == F[:, None, :]).any(2)
    return float(hit.double().mean())


def knn_accuracy(train_Z, train_y, test_Z, test_y, *, k: int = 1) -> float:
    """Accuracy of the k-nearest-neighbour vote (ties: the smallest label) of ``test_Z: (q, d)``
    in the labelled database ``train_Z: (n, d)`` — MRL's "1-NN accuracy" for ``k=1``."""
    Q, X = _pair(test_Z, train_Z)
    ytr = _labels(train_y, X, "train_y")
    yte = _labels(test_y, Q, "test_y")
    k = check_int(k, "k", low=1, high=X.shape[0])
    _, idx = _exact(Q, X, k, _chunk(None, X.shape[0]))
    votes = ytr[idx]
    if k == 1:
        pred = votes[:, 0]
    else:
        counts = nn.functional.one_hot(votes, int(ytr.max()) + 1).sum(1)
        pred = counts.argmax(1)
    return float((pred == yte).double().mean())


# ------------------------------------------------------------------ sparse codes (Beyond Matryoshka)

def top_k_sparsify(Z, k: int):
    """Keep the ``k`` largest-magnitude entries of each row of ``Z: (n, m)``, zero the rest."""
    Z = as_matrix(Z, "Z")
    k = check_int(k, "k", low=1, high=Z.shape[1])
    idx = Z.abs().topk(k, dim=1).indices
    return torch.zeros_like(Z).scatter_(1, idx, Z.gather(1, idx))


def sparse_embedding(E, dictionary, k: int, *, lam: float, n_iter: int = 100, codes=None):
    """k-sparse codes of embeddings ``E: (n, D)`` in ``dictionary: (D, m)`` (atoms as columns):
    the lasso codes of lesson 03 (FISTA with ``lam``, ``n_iter`` steps; or the given ``codes: (n, m)``),
    then the ``k`` largest-magnitude entries kept and refitted by least squares on that support
    (lesson 16, Eq. (7)). Returns ``(n, m)`` with at most ``k`` non-zeros per row: the "sparse
    instead of prefix" representation of Wen et al. (2025)."""
    E = as_matrix(E, "E")
    D = as_matrix(dictionary, "dictionary", dtype=E.dtype, device=E.device)
    if D.shape[0] != E.shape[1]:
        raise ValueError(f"dictionary must have {E.shape[1]} rows (the embedding dimension), got {D.shape[0]}.")
    k = check_int(k, "k", low=1, high=D.shape[1])
    if codes is None:
        lam = check_positive(lam, "lam", allow_zero=True)
        n_iter = check_int(n_iter, "n_iter", low=1)
        Z = fista(E, D, lam, n_iter=n_iter, track_objective=False).codes
    else:
        Z = as_matrix(codes, "codes", dtype=E.dtype, device=E.device)
        if Z.shape != (E.shape[0], D.shape[1]):
            raise ValueError(f"codes must have shape {(E.shape[0], D.shape[1])}, got {tuple(Z.shape)}.")
    idx = Z.abs().topk(k, dim=1).indices                                      # (n, k) support
    A = D.T[idx]                                                              # (n, k, D) chosen atoms
    G = A @ A.transpose(1, 2)
    ridge = torch.finfo(E.dtype).eps ** 0.5 * G.diagonal(dim1=1, dim2=2).mean().clamp_min(1e-30)
    G = G + ridge * torch.eye(k, dtype=E.dtype, device=E.device)              # repeated atoms stay solvable
    coef = torch.linalg.solve(G, (A @ E[:, :, None]))[:, :, 0]               # (n, k) least squares
    return torch.zeros_like(Z).scatter_(1, idx, coef)
