"""Hyperbolic embeddings: the Poincaré ball, Riemannian SGD, hierarchy reconstruction (lesson 12).

The Poincaré ball is the open unit ball ``‖x‖ < 1`` with the metric ``λ_x² ⟨·,·⟩``,
``λ_x = 2 / (1 − ‖x‖²)`` (curvature −1). Points are the last dimension of a tensor: ``x: (..., d)``;
every function broadcasts over the leading dimensions, runs on the device of its input, computes
half precision in float32 and keeps float32/float64 (float64 is the default of the training loop:
points near the boundary need the digits).

* geometry: :func:`poincare_distance` (the stable ``2 asinh`` form, lesson 12, Eq. (2)),
  :func:`pairwise_distances`, :func:`mobius_add`, :func:`expmap`, :func:`logmap`,
  :func:`project`, :func:`riemannian_grad` (Eq. (5));
* optimisation: :class:`RiemannianSGD` (Eq. (6)), :func:`train_embedding` — Nickel & Kiela's
  softmax loss over sampled negatives (Eq. (7)) with a burn-in at a reduced learning rate, for
  several independent models at once;
* evaluation: :func:`reconstruction_metrics` (mean rank and MAP, Eq. (8)), :func:`tree_distances`,
  :func:`distortion` (Eq. (9));
* construction: :func:`sarkar_embedding` — Sarkar's combinatorial embedding of a tree in the disk.

Oracles (``tests/test_hyperbolic.py``): geoopt's ``PoincareBall`` and ``RiemannianSGD``,
gensim's ``PoincareModel`` evaluation, scikit-learn's ``average_precision_score``.
"""
from __future__ import annotations

import cmath
import math
import time
from collections import deque
from dataclasses import dataclass

import numpy as np
import torch

from .device import threads, threads_for
from .progress import progress_bar
from .rng import as_generator
from .validate import (as_matrix, as_tensor, check_choice, check_dtype, check_int, check_positive,
                       check_same_device, validation_enabled)

__all__ = ["poincare_distance", "pairwise_distances", "mobius_add", "expmap", "logmap", "project",
           "riemannian_grad", "RiemannianSGD", "train_embedding", "EmbeddingResult", "reconstruction_metrics",
           "Reconstruction", "kary_tree", "tree_distances", "bfs_tree", "distortion", "Distortion", "sarkar_embedding", "MANIFOLDS"]

#: the geometries :func:`train_embedding` and :func:`pairwise_distances` know
MANIFOLDS = ("poincare", "euclidean")
#: the default margin of :func:`project`: points are kept at norm ≤ 1 − EPS (the paper's ε)
EPS = 1e-5
_TINY = 1e-15    # keeps 1 − ‖x‖² away from zero for points on the boundary


# ----------------------------------------------------------------------------- validation

def _point(x, name, *, dim=None, dtype=None):
    """A tensor of points ``(..., d)`` strictly inside the unit ball (checked unless validation is off)."""
    t = as_tensor(x, name, dtype=dtype)
    if t.dim() == 0:
        raise ValueError(f"{name} must have at least 1 dimension (..., d), got a scalar.")
    if dim is not None and t.shape[-1] != dim:
        raise ValueError(f"{name} must have {dim} coordinates in its last dimension, got shape {tuple(t.shape)}.")
    if validation_enabled() and t.numel():
        norm = torch.linalg.vector_norm(t.detach(), dim=-1)
        if bool((norm >= 1).any()):
            raise ValueError(f"{name} must lie inside the unit ball (every ‖x‖ < 1), got a point of norm "
                             f"{float(norm.max()):.6g}; use hyperbolic.project to pull points back inside.")
    return t


def _pair(x, y, xname, yname):
    x = _point(x, xname)
    y = _point(y, yname, dtype=x.dtype)
    check_same_device(**{xname: x, yname: y})
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"{xname} and {yname} must have the same number of coordinates, got "
                         f"{x.shape[-1]} and {y.shape[-1]}.")
    try:
        torch.broadcast_shapes(x.shape, y.shape)
    except RuntimeError:
        raise ValueError(f"{xname} {tuple(x.shape)} and {yname} {tuple(y.shape)} do not broadcast.") from None
    return x, y


def _sq(x):
    return (x * x).sum(-1, keepdim=True)


# ----------------------------------------------------------------------------- geometry

def poincare_distance(u, v):
    """Geodesic distance on the Poincaré ball (lesson 12, Eq. (2)), broadcast over ``u: (..., d)``, ``v: (..., d)``.

    ``d(u, v) = 2 asinh(‖u − v‖ / √((1 − ‖u‖²)(1 − ‖v‖²)))``, which equals the textbook
    ``arcosh(1 + 2‖u − v‖² / ((1 − ‖u‖²)(1 − ‖v‖²)))`` (Eq. (1)) without its cancellation: for nearby
    points ``arcosh(1 + t)`` loses all digits of a small ``t``; ``asinh`` keeps them. Differentiable
    (the gradient at ``u = v`` is 0). Returns ``(...)``.
    """
    u, v = _pair(u, v, "u", "v")
    return _dist(u, v)


def _dist(u, v):
    a = (1 - _sq(u)).clamp_min(_TINY)
    b = (1 - _sq(v)).clamp_min(_TINY)
    return 2 * torch.asinh(torch.linalg.vector_norm(u - v, dim=-1) / torch.sqrt(a * b)[..., 0])


def _distance_fn(manifold):
    if manifold == "poincare":
        return _dist
    return lambda u, v: ((u - v) ** 2).sum(-1)      # the paper's Euclidean baseline: squared distance


def pairwise_distances(X, Y=None, *, manifold: str = "poincare", chunk_size: int | None = None):
    """All distances ``(n, m)`` between the rows of ``X: (n, d)`` and ``Y: (m, d)`` (default ``Y = X``).

    ``manifold="poincare"``: Eq. (2); ``"euclidean"``: the squared Euclidean distance (the baseline of
    Nickel & Kiela, 2017). Differences are formed explicitly (no ``‖x‖² + ‖y‖² − 2xᵀy`` cancellation),
    ``chunk_size`` rows at a time (default: about 4 million entries per chunk).
    """
    check_choice(manifold, "manifold", MANIFOLDS)
    X = as_matrix(X, "X") if manifold == "euclidean" else _point(as_matrix(X, "X"), "X")
    Y = X if Y is None else (as_matrix(Y, "Y", dtype=X.dtype) if manifold == "euclidean"
                             else _point(as_matrix(Y, "Y", dtype=X.dtype), "Y"))
    check_same_device(X=X, Y=Y)
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"X and Y must have the same number of columns, got {X.shape[1]} and {Y.shape[1]}.")
    n, m, d = X.shape[0], Y.shape[0], X.shape[1]
    chunk = max(1, (4_000_000 // max(1, m * d))) if chunk_size is None else check_int(chunk_size, "chunk_size", low=1)
    f = _distance_fn(manifold)
    with threads(threads_for(4.0 * n * m * d, X.device)):
        return torch.cat([f(X[i:i + chunk, None, :], Y[None, :, :]) for i in range(0, n, chunk)]) if n else \
            X.new_zeros(0, m)


def mobius_add(x, y):
    """Möbius addition ``x ⊕ y`` (lesson 12, Eq. (3)), broadcast over ``(..., d)``.

    ``y ↦ x ⊕ y`` is an isometry of the ball taking 0 to ``x``; ``(−x) ⊕ x = 0``.
    """
    x, y = _pair(x, y, "x", "y")
    return _mobius_add(x, y)


def _mobius_add(x, y):
    xy, x2, y2 = (x * y).sum(-1, keepdim=True), _sq(x), _sq(y)
    num = (1 + 2 * xy + y2) * x + (1 - x2) * y
    return num / (1 + 2 * xy + x2 * y2).clamp_min(_TINY)


def expmap(x, v):
    """The exponential map ``exp_x(v) = x ⊕ tanh(λ_x‖v‖/2) v/‖v‖`` (lesson 12, Eq. (4)).

    ``x: (..., d)`` a point of the ball, ``v: (..., d)`` a tangent vector at it (Euclidean
    coordinates); the result is the point reached after time 1 along the geodesic from ``x`` with
    velocity ``v``: ``d(x, exp_x(v)) = λ_x ‖v‖``.
    """
    x = _point(x, "x")
    v = as_tensor(v, "v", dtype=x.dtype)
    check_same_device(x=x, v=v)
    if v.shape[-1:] != x.shape[-1:]:
        raise ValueError(f"v must have {x.shape[-1]} coordinates like x, got shape {tuple(v.shape)}.")
    return _expmap(x, v)


def _expmap(x, v):
    nv = torch.linalg.vector_norm(v, dim=-1, keepdim=True)
    lam = 2 / (1 - _sq(x)).clamp_min(_TINY)
    step = torch.tanh(lam * nv / 2) * v / nv.clamp_min(_TINY)
    return _mobius_add(x, step)


def logmap(x, y):
    """The inverse of :func:`expmap`: the tangent vector ``v`` at ``x`` with ``exp_x(v) = y``.

    ``v = (2/λ_x) artanh(‖w‖) w/‖w‖`` with ``w = (−x) ⊕ y``; ``‖v‖ λ_x = d(x, y)``.
    """
    x, y = _pair(x, y, "x", "y")
    w = _mobius_add(-x, y)
    nw = torch.linalg.vector_norm(w, dim=-1, keepdim=True)
    lam = 2 / (1 - _sq(x)).clamp_min(_TINY)
    return (2 / lam) * torch.atanh(nw.clamp(max=1 - 1e-16)) * w / nw.clamp_min(_TINY)


def project(x, *, eps: float = EPS):
    """Pull points back into the ball: rows of norm above ``1 − eps`` are rescaled to norm ``1 − eps``
    (the paper's projection; lesson 12, Eq. (6)). ``x: (..., d)``; other points are unchanged."""
    x = as_tensor(x, "x")
    if x.dim() == 0:
        raise ValueError("x must have at least 1 dimension (..., d), got a scalar.")
    eps = check_positive(eps, "eps")
    if eps >= 1:
        raise ValueError(f"eps must be < 1 (points are kept at norm ≤ 1 − eps), got {eps}.")
    return _project(x, eps)


def _project(x, eps):
    norm = torch.linalg.vector_norm(x, dim=-1, keepdim=True)
    return torch.where(norm > 1 - eps, x / norm.clamp_min(_TINY) * (1 - eps), x)


def riemannian_grad(x, egrad):
    """The Riemannian gradient ``(1 − ‖x‖²)²/4 · ∇_E`` from the Euclidean one (lesson 12, Eq. (5)).

    ``x: (..., d)`` points, ``egrad: (..., d)`` the Euclidean gradient of a function at them.
    """
    x = _point(x, "x")
    egrad = as_tensor(egrad, "egrad", dtype=x.dtype)
    check_same_device(x=x, egrad=egrad)
    if egrad.shape != x.shape:
        raise ValueError(f"egrad must have the shape of x {tuple(x.shape)}, got {tuple(egrad.shape)}.")
    return _rgrad(x, egrad)


def _rgrad(x, egrad):
    return (1 - _sq(x)) ** 2 / 4 * egrad


class RiemannianSGD(torch.optim.Optimizer):
    """Riemannian SGD on the Poincaré ball (Nickel & Kiela 2017; lesson 12, Eq. (6)).

    Each parameter holds points in its last dimension. A step replaces ``θ`` by
    ``proj(R_θ(−lr · (1 − ‖θ‖²)²/4 · ∇_E))``, with the retraction ``R_θ(v) = θ + v`` (the
    paper's; ``retraction="sum"``) or the exact exponential map (``retraction="expmap"``), and
    :func:`project` with margin ``eps``. Rows whose gradient is zero do not move.
    """

    def __init__(self, params, lr: float, *, retraction: str = "sum", eps: float = EPS):
        lr = check_positive(lr, "lr")
        check_choice(retraction, "retraction", ("sum", "expmap"))
        eps = check_positive(eps, "eps")
        if eps >= 1:
            raise ValueError(f"eps must be < 1, got {eps}.")
        super().__init__(params, dict(lr=lr, retraction=retraction, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.is_sparse:
                    raise ValueError("RiemannianSGD takes dense gradients; use nn.Embedding(sparse=False).")
                p.copy_(_rsgd_update(p, p.grad, group["lr"], group["retraction"], group["eps"]))
        return loss


def _rsgd_update(p, grad, lr, retraction, eps):
    step = -lr * _rgrad(p, grad)
    return _project(p + step if retraction == "sum" else _expmap(p, step), eps)


# ----------------------------------------------------------------------------- training

@dataclass
class EmbeddingResult:
    """What :func:`train_embedding` returns: ``embeddings: (models, n, max(dims))`` (one independent
    embedding per model; model ``i`` uses its first ``dims[i]`` coordinates, the others are exactly
    0), ``loss: (epochs, models)`` (mean loss per positive pair of each epoch), ``dims``, the
    ``manifold`` and the training time ``seconds``."""
    embeddings: torch.Tensor
    loss: torch.Tensor
    dims: list
    manifold: str
    seconds: float

    def embedding(self, i: int) -> torch.Tensor:
        """Model ``i``'s embedding ``(n, dims[i])``."""
        return self.embeddings[i, :, :self.dims[i]]


def _pairs(pairs, n_nodes, name="pairs"):
    if not isinstance(pairs, torch.Tensor):
        pairs = torch.as_tensor(np.asarray(pairs))
    if pairs.dim() != 2 or pairs.shape[1] != 2:
        raise ValueError(f"{name} must have shape (P, 2) (rows (u, v)), got {tuple(pairs.shape)}.")
    if pairs.dtype.is_floating_point or pairs.dtype == torch.bool or pairs.is_complex():
        raise TypeError(f"{name} must hold integer node indices, got dtype {pairs.dtype}.")
    if pairs.numel() and (int(pairs.min()) < 0 or int(pairs.max()) >= n_nodes):
        raise ValueError(f"{name} must hold node indices in [0, {n_nodes}), got values in "
                         f"[{int(pairs.min())}, {int(pairs.max())}].")
    if pairs.numel() and bool((pairs[:, 0] == pairs[:, 1]).any()):
        raise ValueError(f"{name} must not relate a node to itself (a row (u, u)).")
    return pairs.long()


def train_embedding(pairs, n_nodes: int, dim, *, manifold: str = "poincare", models: int = 1,
                    epochs: int = 50, burnin: int = 10, burnin_factor: float = 10.0, lr=0.1,
                    negatives: int = 10, batch_size: int = 64, init_scale: float = 1e-3, eps: float = EPS,
                    dtype=torch.float64, device=None, generator=None, progress: str | None = None
                    ) -> EmbeddingResult:
    """Nickel & Kiela's embedding of a relation ``pairs: (P, 2)`` (rows ``(u, v)``, e.g. hyponym →
    hypernym) for ``models`` independent embeddings at once, of dimension ``dim`` (an int, or one int
    per model: a model of lower dimension is stored padded with coordinates that stay exactly 0, so
    one batched run trains several dimensions; on a CPU a small step costs about the same for one
    model as for ten).

    Loss (lesson 12, Eq. (7)): for each pair, ``−log softmax`` of ``−d(u, v)`` against
    ``−d(u, v')`` for ``negatives`` nodes ``v'`` drawn uniformly among those with ``(u, v') ∉ pairs``,
    ``v' ≠ u`` (draws that hit a positive are masked out of the softmax). The loss is summed over a
    mini-batch of ``batch_size`` pairs, so ``lr`` is a step per pair. ``manifold="poincare"``: the
    distance (2) and :class:`RiemannianSGD` (Eq. (6)); ``"euclidean"``: the squared Euclidean
    distance and plain SGD, the paper's baseline trained the same way. Initialisation
    ``U(−init_scale, init_scale)``; the first ``burnin`` epochs use ``lr / burnin_factor`` (the
    paper: 10 epochs, c = 10). Randomness (initial points, batch order, negatives) follows
    ``generator`` (:mod:`lowdim_utils.rng`); models draw independently from it.

    Returns an :class:`EmbeddingResult` with ``embeddings: (models, n_nodes, max(dim))`` on ``device``.
    """
    n_nodes = check_int(n_nodes, "n_nodes", low=2)
    pairs = _pairs(pairs, n_nodes)
    if pairs.shape[0] == 0:
        raise ValueError("pairs must hold at least one pair.")
    check_choice(manifold, "manifold", MANIFOLDS)
    models = check_int(models, "models", low=1)
    if isinstance(dim, (list, tuple)):
        if len(dim) != models:
            raise ValueError(f"dim must be an int or one int per model ({models}), got {len(dim)} values.")
        dims = [check_int(k, "dim", low=1) for k in dim]
    else:
        dims = [check_int(dim, "dim", low=1)] * models
    dim = max(dims)
    epochs = check_int(epochs, "epochs", low=1)
    burnin = check_int(burnin, "burnin", low=0)
    burnin_factor = check_positive(burnin_factor, "burnin_factor")
    if isinstance(lr, (list, tuple)):
        if len(lr) != models:
            raise ValueError(f"lr must be a number or one number per model ({models}), got {len(lr)} values.")
        lrs = [check_positive(x, "lr") for x in lr]
    else:
        lrs = [check_positive(lr, "lr")] * models
    negatives = check_int(negatives, "negatives", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)
    init_scale = check_positive(init_scale, "init_scale")
    if init_scale >= 1 / math.sqrt(dim):  # the corner of the cube must lie inside the ball
        raise ValueError(f"init_scale must be below 1/√dim = {1 / math.sqrt(dim):.3g} so that every initial "
                         f"point lies inside the ball, got {init_scale}.")
    eps = check_positive(eps, "eps")
    if eps >= 1:
        raise ValueError(f"eps must be < 1 (points are kept at norm ≤ 1 − eps), got {eps}.")
    dtype = check_dtype(dtype)
    if progress is not None and not isinstance(progress, str):
        raise TypeError(f"progress must be None or a description for the progress bar, got {progress!r}.")
    device = torch.device("cpu") if device is None else torch.device(device)
    gen = as_generator(generator)

    P = pairs.shape[0]
    pairs = pairs.to(device)
    dense = n_nodes * n_nodes <= 2 ** 24         # a bit table of the positives (+ the diagonal), else sorted codes
    if dense:
        positive = torch.zeros(n_nodes, n_nodes, dtype=torch.bool, device=device)
        positive[pairs[:, 0], pairs[:, 1]] = True
        positive.fill_diagonal_(True)
    else:
        keys = torch.unique(pairs[:, 0] * n_nodes + pairs[:, 1])
    used = (torch.arange(dim)[None, :] < torch.tensor(dims)[:, None]).to(dtype)[:, None, :]   # (M, 1, dim)
    E = ((torch.rand(models, n_nodes, dim, generator=gen, dtype=dtype, device=gen.device) * 2 - 1)
         * init_scale * used).to(device)
    flat = E.view(models * n_nodes, dim)
    lr_rows = torch.tensor(lrs, dtype=dtype).repeat_interleave(n_nodes)[:, None].to(device)   # (M n, 1)
    offset = (torch.arange(models, device=device) * n_nodes)[:, None]
    history = torch.zeros(epochs, models, dtype=torch.float64)
    work = 60.0 * models * batch_size * (negatives + 1) * dim       # flops per step, roughly
    start = time.perf_counter()
    with threads(threads_for(work, device)):
        for epoch in progress_bar(range(epochs), desc=progress, disable=progress is None):
            step_lr = lr_rows / burnin_factor if epoch < burnin else lr_rows
            order = torch.argsort(torch.rand(models, P, generator=gen, device=gen.device), dim=1).to(device)
            total = torch.zeros(models, dtype=dtype, device=device)
            for s in range(0, P, batch_size):
                idx = order[:, s:s + batch_size]                                  # (M, B)
                u, v = pairs[idx, 0], pairs[idx, 1]
                neg = torch.randint(0, n_nodes, (*idx.shape, negatives), generator=gen,
                                    device=gen.device).to(device)                 # (M, B, K)
                cand = torch.cat([v[..., None], neg], dim=-1)                    # (M, B, 1 + K)
                if dense:                                                         # drew a positive or u: masked
                    hit = positive[u[..., None], neg]
                else:
                    code = u[..., None] * n_nodes + neg
                    hit = (keys[torch.searchsorted(keys, code).clamp(max=len(keys) - 1)] == code) | (neg == u[..., None])
                invalid = torch.cat([torch.zeros_like(hit[..., :1]), hit], -1)
                iu, ic = u + offset, cand + offset[..., None]
                sq = (flat * flat).sum(-1) if manifold == "poincare" else None  # ‖x‖² of every point, gathered
                loss, dU, dC = _softmax_loss_grads(flat[iu], flat[ic], invalid, manifold,
                                                   None if sq is None else sq[ic])
                grad = torch.zeros_like(flat)
                grad.index_add_(0, iu.reshape(-1), dU.reshape(-1, dim))
                grad.index_add_(0, ic.reshape(-1), dC.reshape(-1, dim))
                if manifold == "poincare":
                    flat.copy_(_rsgd_update(flat, grad, step_lr, "sum", eps))
                else:
                    flat.sub_(step_lr * grad)
                total += loss.sum(1)
            history[epoch] = (total / P).double().cpu()
    return EmbeddingResult(E, history, dims, manifold, time.perf_counter() - start)


def _softmax_loss_grads(U, C, invalid, manifold, sq_C=None):
    """The loss (7) of each pair and its Euclidean gradients, in closed form (no autograd: on a CPU
    the graph costs more than the arithmetic). ``U: (M, B, d)`` the points u, ``C: (M, B, 1 + K, d)``
    v and the negatives, ``invalid: (M, B, 1 + K)`` masked candidates, ``sq_C`` optionally the
    ``‖c‖²: (M, B, 1 + K)``. Returns ``loss: (M, B)``, ``dU: (M, B, d)``, ``dC: (M, B, 1 + K, d)``.
    With ``δ = ‖u − c‖/√(αβ)``, ``α = 1 − ‖u‖²``, ``β = 1 − ‖c‖²`` (exercise 12.grad):
    ``∂d/∂u = 2/√(1 + δ²) · ((u − c)/(‖u − c‖√(αβ)) + δ u/α)``, and symmetrically for ``c``."""
    diff = U[..., None, :] - C                                            # (M, B, 1 + K, d)
    if manifold == "poincare":
        sq_C = (C * C).sum(-1) if sq_C is None else sq_C
        a = (1 - (U * U).sum(-1, keepdim=True)).clamp_min(_TINY)          # (M, B, 1)
        b = (1 - sq_C).clamp_min(_TINY)                                   # (M, B, 1 + K)
        s = torch.linalg.vector_norm(diff, dim=-1)
        root = torch.sqrt(a * b)
        delta = s / root
        dist = 2 * torch.asinh(delta)
    else:
        dist = (diff * diff).sum(-1)
    logp = torch.log_softmax((-dist).masked_fill(invalid, float("-inf")), dim=-1)
    g = -logp.exp()                                                       # ∂loss/∂d_k = 1[k = 0] − p_k
    g[..., 0] += 1
    if manifold == "poincare":
        w = 2 / torch.sqrt(1 + delta * delta) * g                         # (M, B, 1 + K): scalars first,
        c_diff = w / (s * root).clamp_min(_TINY)                          # then one pass over the vectors
        dU = torch.einsum("mbk,mbkd->mbd", c_diff, diff) + ((w * delta).sum(-1, keepdim=True) / a) * U
        dC = (w * delta / b)[..., None] * C - c_diff[..., None] * diff
    else:
        dU = 2 * torch.einsum("mbk,mbkd->mbd", g, diff)
        dC = -2 * g[..., None] * diff
    return -logp[..., 0], dU, dC


# ----------------------------------------------------------------------------- evaluation

@dataclass
class Reconstruction:
    """Mean rank and mean average precision of a reconstruction (lesson 12, Eq. (8)): Python floats for
    one embedding, ``(models,)`` tensors for a stack of them."""
    mean_rank: float | torch.Tensor
    map: float | torch.Tensor


def reconstruction_metrics(embeddings, pairs, *, manifold: str = "poincare") -> Reconstruction:
    """How well distances in ``embeddings: (n, d)`` (or a stack ``(models, n, d)``) reconstruct
    ``pairs: (P, 2)``, as Nickel & Kiela (2017) evaluate it (lesson 12, Eq. (8)).

    For each node ``u`` with positives ``{v : (u, v) ∈ pairs}``, all other nodes ``w ≠ u`` with
    ``(u, w) ∉ pairs`` are its negatives. The rank of a positive ``v`` is 1 + the number of negatives
    at distance ≤ ``d(u, v)``; its precision is (positives at distance ≤ ``d(u, v)``) / (all nodes at
    distance ≤ ``d(u, v)``), ``u`` excluded. Mean rank averages over all pairs, MAP averages each
    ``u``'s mean precision over the nodes ``u`` (ties count against the embedding, as in
    scikit-learn's ``average_precision_score``).
    """
    check_choice(manifold, "manifold", MANIFOLDS)
    E = as_tensor(embeddings, "embeddings", ndim=(2, 3))
    if manifold == "poincare":
        E = _point(E, "embeddings")
    single = E.dim() == 2
    E = E[None] if single else E
    n = E.shape[1]
    pairs = _pairs(pairs, n).to(E.device)
    if pairs.shape[0] == 0:
        raise ValueError("pairs must hold at least one pair.")
    pos = torch.zeros(n, n, dtype=torch.bool, device=E.device)
    pos[pairs[:, 0], pairs[:, 1]] = True
    rows = torch.nonzero(pos.any(1))[:, 0]
    pos = pos[rows]                                                     # (r, n)
    self_mask = torch.zeros_like(pos)
    self_mask[torch.arange(len(rows), device=E.device), rows] = True
    n_pos = pos.sum(1)                                                  # (r,)
    m = int(n_pos.max())
    # the positives of each row as padded indices (r, m): the i-th positive of row j is pos_idx[j, i]
    m = int(n_pos.max())
    valid = torch.arange(m, device=E.device)[None, :] < n_pos[:, None]          # (r, m)
    pos_idx = torch.zeros(len(rows), m, dtype=torch.long, device=E.device)
    pos_idx[valid] = torch.nonzero(pos)[:, 1]
    chunk = max(1, 4_000_000 // max(1, n * E.shape[2]))
    ranks, maps = [], []
    for X in E:
        rank_sum, ap_sum = 0.0, 0.0
        for j in range(0, len(rows), chunk):
            sl = slice(j, j + chunk)
            D = _distance_fn(manifold)(X[rows[sl], None, :], X[None])              # (c, n)
            q = D.gather(1, pos_idx[sl])                                         # (c, m) d(u, v) per positive
            pos_upto = ((q[:, None, :] <= q[:, :, None]) & valid[sl, None, :]).sum(-1)     # positives ≤ d(u, v)
            all_upto = torch.searchsorted(D.sort(dim=1).values, q.contiguous(), right=True)
            neg_upto = all_upto - pos_upto - 1                        # minus the positives and u itself (d = 0)
            prec = torch.where(valid[sl], pos_upto.double() / (pos_upto + neg_upto).double(), 0.0)
            rank_sum += float(((neg_upto + 1) * valid[sl]).sum())
            ap_sum += float((prec.sum(1) / n_pos[sl]).sum())
        ranks.append(rank_sum / float(n_pos.sum()))
        maps.append(ap_sum / len(rows))
    if single:
        return Reconstruction(ranks[0], maps[0])
    return Reconstruction(torch.tensor(ranks, dtype=torch.float64), torch.tensor(maps, dtype=torch.float64))


def kary_tree(depth: int, k: int):
    """The complete ``k``-ary tree of the given ``depth``: ``(edges, n_nodes)``, ``edges: (m, 2)`` int64
    (child, parent) rows with the root 0 and nodes numbered level by level."""
    depth = check_int(depth, "depth", low=0)
    k = check_int(k, "k", low=1)
    edges, frontier, nxt = [], [0], 1
    for _ in range(depth):
        new = []
        for p in frontier:
            for _ in range(k):
                edges.append((nxt, p))
                new.append(nxt)
                nxt += 1
        frontier = new
    return torch.tensor(edges, dtype=torch.int64).reshape(-1, 2), nxt


def tree_distances(edges, n_nodes: int):
    """Hop distances ``(n, n)`` (float64) between all nodes of the undirected graph ``edges: (m, 2)``
    (scipy's breadth-first searches); ``inf`` between disconnected nodes."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import shortest_path
    n_nodes = check_int(n_nodes, "n_nodes", low=1)
    e = _pairs(edges, n_nodes, "edges").cpu().numpy()
    A = coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n_nodes, n_nodes)).tocsr()
    return torch.from_numpy(shortest_path(A, method="D", directed=False, unweighted=True))


@dataclass
class Distortion:
    """:func:`distortion`'s result: ``average`` (mean relative error of the scaled distances),
    ``worst`` (max expansion × max contraction, scale-free; 1 is an isometry up to scale) and the
    ``scale`` ``s`` applied to the embedding's distances."""
    average: float
    worst: float
    scale: float


def distortion(D_embedding, D_graph, *, scale: float | None = None) -> Distortion:
    """Distortion of an embedding (lesson 12, Eq. (9)) over all pairs ``i < j``.

    ``D_embedding, D_graph: (n, n)``. ``average = mean |s·d_E − d_G| / d_G`` with ``s = scale``, or by
    default the ``s`` minimising the mean squared relative error; ``worst = max(d_E/d_G) ·
    max(d_G/d_E)``. An embedding that collapses two nodes has ``worst = inf``.
    """
    DE = as_matrix(D_embedding, "D_embedding", dtype=torch.float64)
    DG = as_matrix(D_graph, "D_graph", dtype=torch.float64, device=DE.device)
    if DE.shape != DG.shape or DE.shape[0] != DE.shape[1]:
        raise ValueError(f"D_embedding and D_graph must be square of one shape, got {tuple(DE.shape)} "
                         f"and {tuple(DG.shape)}.")
    if DE.shape[0] < 2:
        raise ValueError("distortion needs at least 2 nodes.")
    iu = torch.triu_indices(DE.shape[0], DE.shape[0], 1, device=DE.device)
    dE, dG = DE[iu[0], iu[1]], DG[iu[0], iu[1]]
    if bool((dG <= 0).any()):
        raise ValueError("D_graph must be positive between distinct nodes.")
    r = dE / dG
    s = float(r.sum() / (r * r).sum()) if scale is None else check_positive(scale, "scale")
    worst = float(r.max() / r.min()) if float(r.min()) > 0 else math.inf
    return Distortion(float((s * r - 1).abs().mean()), worst, s)


# ----------------------------------------------------------------------------- construction

def _spanning_tree(edges, n_nodes, root):
    """Breadth-first spanning tree of the undirected graph ``edges`` from ``root``: the visiting order,
    each node's parent (the root's is itself) and children lists (neighbours in increasing order)."""
    nbrs = [[] for _ in range(n_nodes)]
    for a, b in edges.tolist():
        nbrs[a].append(b)
        nbrs[b].append(a)
    parent = [-1] * n_nodes
    parent[root] = root
    order, queue = [], deque([root])
    while queue:
        a = queue.popleft()
        order.append(a)
        for b in sorted(nbrs[a]):
            if parent[b] == -1:
                parent[b] = a
                queue.append(b)
    if len(order) != n_nodes:
        raise ValueError(f"edges must connect every node to the root, but {n_nodes - len(order)} nodes are "
                         "unreachable.")
    children = [[] for _ in range(n_nodes)]
    for a in order[1:]:
        children[parent[a]].append(a)
    return order, parent, children


def bfs_tree(edges, n_nodes: int, root: int):
    """The breadth-first spanning tree of the undirected graph ``edges: (m, 2)`` from ``root``, as
    ``(n_nodes − 1, 2)`` int64 rows ``(child, parent)``: a node reached along several links keeps the
    one found first (the graph's distance to the root is kept). The tree :func:`sarkar_embedding`
    embeds; compare its embeddings with :func:`tree_distances` of this tree."""
    n_nodes = check_int(n_nodes, "n_nodes", low=1)
    root = check_int(root, "root", low=0, high=n_nodes - 1)
    order, parent, _ = _spanning_tree(_pairs(edges, n_nodes, "edges").cpu(), n_nodes, root)
    return torch.tensor([[a, parent[a]] for a in order[1:]], dtype=torch.long).reshape(-1, 2)


def sarkar_embedding(edges, n_nodes: int, root: int, *, tau: float = 1.0, dtype=torch.float64):
    """Sarkar's (2011) combinatorial embedding of a tree in the Poincaré disk (lesson 12, §6).

    ``edges: (m, 2)`` undirected links (a graph with cycles is first reduced to its breadth-first
    spanning tree from ``root``). Every edge becomes a geodesic of hyperbolic length ``tau``: the root
    sits at the origin with its children evenly spread in angle; each further node is moved to the
    origin by a Möbius isometry, its children are spread evenly in the angles not taken by its
    parent, and everything is moved back. Larger ``tau`` lowers the distortion and pushes nodes
    towards the boundary (a node ``k`` links deep has ``‖x‖ ≤ tanh(kτ/2)``). Computed in Python's
    complex double precision; returns ``(n_nodes, 2)`` in ``dtype`` (points that round onto the
    boundary in ``dtype`` are a loss of precision, not an error).
    """
    n_nodes = check_int(n_nodes, "n_nodes", low=1)
    root = check_int(root, "root", low=0, high=n_nodes - 1)
    tau = check_positive(tau, "tau")
    e = _pairs(edges, n_nodes, "edges").cpu()
    order, parent, children = _spanning_tree(e, n_nodes, root)
    r = math.tanh(tau / 2)
    z = [0j] * n_nodes
    depth = [0] * n_nodes
    for a in order:
        kids = children[a]
        if not kids:
            continue
        za = z[a]
        if a == root:
            base, slots = 0.0, len(kids)
            angles = [base + 2 * math.pi * k / slots for k in range(slots)]
        else:
            w = (z[parent[a]] - za) / (1 - za.conjugate() * z[parent[a]])    # parent seen from a at 0
            base, slots = cmath.phase(w), len(kids) + 1
            angles = [base + 2 * math.pi * k / slots for k in range(1, slots)]
        for b, th in zip(kids, angles):
            p = r * cmath.exp(1j * th)
            z[b] = (p + za) / (1 + za.conjugate() * p)                        # back from a's frame
            if abs(z[b]) >= 1:
                raise ValueError(f"tau={tau:g} puts nodes {depth[a] + 1} links deep on the unit circle in double "
                                 f"precision (1 − tanh({depth[a] + 1}·tau/2) is below 2⁻⁵³): use a smaller tau.")
            depth[b] = depth[a] + 1
    out = torch.tensor([[c.real, c.imag] for c in z], dtype=torch.float64)
    return out.to(dtype)
