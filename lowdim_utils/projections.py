"""Random projections: Gaussian, Achlioptas and very sparse matrices, the JL bound, FastRP (lesson 02).

A random projection maps ``X: (n, D)`` to ``Y = X Rᵀ: (n, k)`` with a random matrix
``R: (k, D)`` whose entries have mean 0 and variance ``1/k``, so that squared distances
are preserved in expectation (lesson 02, Eq. (2)). Three families of ``R``:

* :func:`gaussian_matrix` — i.i.d. ``N(0, 1/k)`` entries (Eq. (3)), a dense tensor;
* :func:`sparse_matrix` — i.i.d. entries ``±1/√(ρk)`` with probability ``ρ/2`` each and 0
  otherwise (Eq. (8)): ``ρ = 1`` is the Rademacher matrix, ``ρ = 1/3`` Achlioptas' (2003),
  ``ρ = 1/√D`` the *very sparse* projection of Li, Hastie & Church (2006). It is returned as
  a :class:`SparseProjection` (compressed rows) and applied in ``O(n · nnz)`` time.
  :func:`achlioptas_matrix` is the ``ρ = 1/3`` shortcut.

:func:`project` applies either kind to a batch of points on any device;
:func:`jl_min_dim` is the Johnson–Lindenstrauss target dimension (Eq. (7)) and
:func:`jl_eps` its inverse; :func:`distance_ratios` and :func:`distortion` measure how
well a projection preserved pairwise distances, and :func:`empirical_min_dim` is the smallest target
dimension that does so in practice (measured over many draws); :func:`fastrp` is the FastRP graph
embedding of Chen et al. (2019) (Eq. (9)), reused in lesson 11.

Matrices are drawn on the generator's device (the CPU by default; see :mod:`lowdim_utils.rng`) and moved
to ``device``, so one seed gives the same matrix on every device. The distributions match
scikit-learn's ``GaussianRandomProjection`` / ``SparseRandomProjection`` (``components_``
is our ``R``), but the random streams differ: compare distributions, not matrices.
"""
from __future__ import annotations

import math
import warnings
import numbers
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .rng import as_generator
from .validate import (as_matrix, as_tensor, check_choice, check_dtype, check_int, check_interval,
                       check_bool, check_same_device)

__all__ = ["SparseProjection", "gaussian_matrix", "sparse_matrix", "achlioptas_matrix", "project",
           "random_projection", "jl_min_dim", "jl_eps", "distance_ratios", "distortion", "empirical_min_dim",
           "fastrp"]

_FLOATS = (torch.float32, torch.float64)


# ----------------------------------------------------------------------------- helpers

def _dtype(dtype, name: str = "dtype") -> torch.dtype:
    return check_dtype(dtype, name)


def _dims(n_features, n_components):
    D = check_int(n_features, "n_features", low=1)
    k = check_int(n_components, "n_components", low=1)
    if k > D:
        raise ValueError(f"n_components must be <= n_features = {D} (a projection reduces the dimension), "
                         f"got {k}.")
    return D, k


def _density(density, n_features: int) -> float:
    """``"auto"`` (or None) → ``1/√D`` (Li et al.); otherwise a float in (0, 1]."""
    if density is None or (isinstance(density, str) and density == "auto"):
        return 1.0 / math.sqrt(n_features)
    if isinstance(density, str):
        raise ValueError(f"density must be 'auto' or a number in (0, 1], got {density!r}.")
    return check_interval(density, "density", 0.0, 1.0, closed="right")


# ----------------------------------------------------------------------------- matrices

@dataclass(frozen=True)
class SparseProjection:
    """A sparse ``(k, D)`` projection matrix in compressed-row (CSR) form.

    Row ``j`` holds the values ``values[indptr[j]:indptr[j+1]]`` in the columns
    ``indices[indptr[j]:indptr[j+1]]``. Attributes: ``indptr: (k+1,) int64``,
    ``indices: (nnz,) int64``, ``values: (nnz,) float``, ``shape = (k, D)``, ``density``
    (the probability ρ of a non-zero entry it was drawn with).
    """

    indptr: torch.Tensor
    indices: torch.Tensor
    values: torch.Tensor
    shape: tuple
    density: float

    @property
    def nnz(self) -> int:
        return int(self.values.numel())

    @property
    def device(self) -> torch.device:
        return self.values.device

    @property
    def dtype(self) -> torch.dtype:
        return self.values.dtype

    def to(self, device=None, dtype=None) -> "SparseProjection":
        """A copy on ``device`` and/or with float ``dtype`` (indices stay int64)."""
        dtype = self.dtype if dtype is None else _dtype(dtype)
        return SparseProjection(self.indptr.to(device), self.indices.to(device),
                                self.values.to(device=device, dtype=dtype), self.shape, self.density)

    def rows(self) -> torch.Tensor:
        """The row index of every stored entry, ``(nnz,) int64``."""
        counts = self.indptr[1:] - self.indptr[:-1]
        return torch.repeat_interleave(torch.arange(self.shape[0], device=self.device), counts)

    def to_dense(self) -> torch.Tensor:
        """The matrix as a dense ``(k, D)`` tensor."""
        R = torch.zeros(self.shape, dtype=self.dtype, device=self.device)
        R[self.rows(), self.indices] = self.values
        return R

    def to_torch_sparse(self) -> torch.Tensor:
        """The matrix as a ``torch.sparse_csr_tensor`` of shape ``(k, D)``."""
        import warnings
        with warnings.catch_warnings():   # "sparse CSR support is in beta": expected, not the learner's problem
            warnings.simplefilter("ignore", UserWarning)
            return torch.sparse_csr_tensor(self.indptr, self.indices, self.values, self.shape)

    def to_scipy(self):
        """The matrix as a ``scipy.sparse.csr_matrix`` (CPU, float64 as stored)."""
        import scipy.sparse as sp
        return sp.csr_matrix((self.values.cpu().numpy(), self.indices.cpu().numpy(), self.indptr.cpu().numpy()),
                             shape=self.shape)

    def __repr__(self) -> str:
        return (f"SparseProjection(shape={self.shape}, nnz={self.nnz}, density={self.density:.4g}, "
                f"dtype={self.dtype}, device={self.device})")


def gaussian_matrix(n_features: int, n_components: int, *, generator=None, dtype=torch.float32,
                    device=None) -> torch.Tensor:
    """A Gaussian random projection matrix ``R: (k, D)`` with i.i.d. ``N(0, 1/k)`` entries (lesson 02, Eq. (3)).

    ``n_features`` = D, ``n_components`` = k (``1 <= k <= D``). ``generator``: None (torch's global
    RNG), an int seed or a CPU ``torch.Generator``. Same distribution as scikit-learn's
    ``GaussianRandomProjection(k).components_``.
    """
    D, k = _dims(n_features, n_components)
    g = as_generator(generator)
    R = torch.randn((k, D), generator=g, dtype=_dtype(dtype), device=g.device) / math.sqrt(k)
    return R.to(device) if device is not None else R


def _bernoulli_positions(total: int, p: float, g) -> torch.Tensor:
    """Increasing positions of the successes among ``total`` i.i.d. Bernoulli(p) trials, in O(#successes).

    The gaps between successes are geometric: position_m = G_1 + ... + G_m - 1 with G_i ~ Geom(p).
    For dense-ish matrices (p > 0.1) a uniform mask is cheaper than one logarithm per success.
    """
    if p >= 1.0:
        return torch.arange(total, dtype=torch.int64, device=g.device)
    if p > 0.1:
        return torch.nonzero(torch.rand(total, generator=g, device=g.device) < p).squeeze(1)
    parts, last = [], -1.0
    while True:
        mean = (total - 1 - last) * p
        m = int(mean + 6.0 * math.sqrt(mean * (1 - p) + 1.0) + 16)
        gaps = torch.empty(m, dtype=torch.float64, device=g.device).geometric_(p, generator=g)
        pos = last + torch.cumsum(gaps, 0)
        done = bool(pos[-1] >= total)
        parts.append(pos[pos < total])
        if done:
            break
        last = float(pos[-1])
    return torch.cat(parts).to(torch.int64)


def sparse_matrix(n_features: int, n_components: int, *, density="auto", generator=None,
                  dtype=torch.float32, device=None) -> SparseProjection:
    """A sparse random projection matrix ``R: (k, D)`` (lesson 02, Eq. (8)).

    Entries are i.i.d.: ``+1/√(ρk)`` and ``−1/√(ρk)`` with probability ``ρ/2`` each, 0 with
    probability ``1 − ρ``, where ``ρ = density``: ``"auto"`` = ``1/√D`` (the *very sparse*
    projection of Li, Hastie & Church 2006), ``1/3`` = Achlioptas (2003), ``1`` = Rademacher.
    Every entry has mean 0 and variance ``1/k``, as in the Gaussian case. The non-zero positions
    are drawn in ``O(nnz)`` time (geometric gaps), never as a dense ``k × D`` mask.

    Same distribution as scikit-learn's ``SparseRandomProjection(k, density=ρ).components_``.
    Returns a :class:`SparseProjection`; apply it with :func:`project`.
    """
    D, k = _dims(n_features, n_components)
    return _sparse(D, k, _density(density, D), as_generator(generator), _dtype(dtype), device)


def _sparse(D, k, rho, g, dtype, device) -> SparseProjection:
    pos = _bernoulli_positions(k * D, rho, g)
    rows, cols = pos // D, pos % D
    signs = torch.randint(0, 2, (pos.numel(),), generator=g, dtype=torch.int64, device=g.device) * 2 - 1
    values = signs.to(dtype) / math.sqrt(rho * k)
    indptr = torch.zeros(k + 1, dtype=torch.int64, device=pos.device)
    indptr[1:] = torch.cumsum(torch.bincount(rows, minlength=k), 0)
    return SparseProjection(indptr, cols, values, (k, D), rho).to(device)


def achlioptas_matrix(n_features: int, n_components: int, *, generator=None, dtype=torch.float32,
                      device=None) -> SparseProjection:
    """Achlioptas' "database-friendly" matrix: :func:`sparse_matrix` with density 1/3 (entries √(3/k)·{±1, 0})."""
    return sparse_matrix(n_features, n_components, density=1 / 3, generator=generator, dtype=dtype, device=device)


# ----------------------------------------------------------------------------- applying them

def _chunk_rows(n: int, D: int, itemsize: int, device: torch.device, chunk_size) -> int:
    if chunk_size is not None:
        return check_int(chunk_size, "chunk_size", low=1)
    if device.type != "cpu":
        return n
    # on the CPU, transpose blocks of rows that fit in cache (~16 MB): far faster than one big transpose
    return max(32, min(n, (16 << 20) // max(1, D * itemsize)))


def project(X, R, *, chunk_size: int | None = None) -> torch.Tensor:
    """Project the rows of ``X``: ``Y = X Rᵀ`` (lesson 02, Eq. (2)).

    Args:
        X: ``(n, D)`` or a batch ``(b, n, D)``; tensor (any device) or array.
        R: ``(k, D)`` — a dense tensor (e.g. from :func:`gaussian_matrix`) or a
            :class:`SparseProjection` (from :func:`sparse_matrix`), on X's device. It is cast to
            X's dtype.
        chunk_size: rows of X per block for sparse ``R`` on the embedding-bag route (default on
            the CPU: none, one sparse product with ``Rᵀ`` stored by columns; on a GPU: everything
            at once).

    Returns:
        ``Y: (n, k)`` (or ``(b, n, k)``) with X's dtype, on X's device; differentiable in X.

    A sparse ``R`` costs ``O(n · nnz(R))`` = ``O(n k D ρ)`` instead of ``O(n k D)``: each output
    coordinate ``y_j`` is a signed sum of the ``≈ ρD`` input coordinates in row ``j`` of R,
    computed on the CPU as one product with ``Rᵀ`` in compressed-column form (``R``'s own arrays,
    no copy) and elsewhere (or with ``chunk_size``) with ``embedding_bag`` on blocks of Xᵀ.
    """
    if isinstance(R, SparseProjection):
        Rv = R.values
    elif isinstance(R, torch.Tensor) or isinstance(R, np.ndarray):
        Rv = as_matrix(R, "R")
    else:
        raise TypeError(f"R must be a (k, D) tensor or a SparseProjection, got {type(R).__name__}.")
    if isinstance(X, torch.Tensor):
        check_same_device(X=X, R=Rv)
    X = as_tensor(X, "X", ndim=(2, 3))
    if X.dtype not in _FLOATS:
        X = X.to(torch.float32)
    check_same_device(X=X, R=Rv)
    k, D = R.shape if isinstance(R, SparseProjection) else tuple(Rv.shape)
    if X.shape[-1] != D:
        raise ValueError(f"X must have D = {D} columns to match R of shape ({k}, {D}), got X of shape "
                         f"{tuple(X.shape)}.")
    lead = X.shape[:-1]
    X2 = X.reshape(-1, D)
    if not isinstance(R, SparseProjection):
        return (X2 @ Rv.to(X.dtype).T).reshape(*lead, k)
    vals = R.values.to(X.dtype)
    if X.device.type == "mps":  # embedding_bag with per-sample weights is not available on every backend
        return (X2 @ R.to(dtype=X.dtype).to_dense().T).reshape(*lead, k)
    if X.device.type == "cpu" and chunk_size is None:
        # Rᵀ in compressed-column form is R's own CSR arrays read as columns: no copy, no
        # transposes of X; one sparse-times-dense kernel (about twice as fast as blocks of Xᵀ)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)       # "sparse CSC support is in beta"
            Rt = torch.sparse_csc_tensor(R.indptr, R.indices, vals, (D, k))
            return (X2 @ Rt).reshape(*lead, k)
    n = X2.shape[0]
    out = torch.empty((n, k), dtype=X.dtype, device=X.device)
    offsets = R.indptr[:-1]
    step = _chunk_rows(n, D, X.element_size(), X.device, chunk_size)
    for s in range(0, n, step):
        block_t = X2[s:s + step].T.contiguous()          # (D, b): the columns of X become rows
        out[s:s + step] = F.embedding_bag(R.indices, block_t, offsets, mode="sum",
                                          per_sample_weights=vals).T   # (k, b) → (b, k)
    return out.reshape(*lead, k)


def random_projection(X, n_components: int, *, method: str = "sparse", density="auto", generator=None):
    """Draw a projection matrix for ``X: (n, D)`` and apply it; returns ``(Y: (n, k), R)``.

    ``method``: ``"gaussian"`` (Eq. (3)), ``"achlioptas"`` (density 1/3) or ``"sparse"``
    (Eq. (8) with ``density``, default ``1/√D``). ``R`` is drawn in X's dtype on X's device.
    """
    X = as_tensor(X, "X", ndim=(2, 3))
    if X.dtype not in _FLOATS:
        X = X.to(torch.float32)
    D = X.shape[-1]
    kw = dict(generator=generator, dtype=X.dtype, device=X.device)
    check_choice(method, "method", ("gaussian", "achlioptas", "sparse"))
    if method == "gaussian":
        R = gaussian_matrix(D, n_components, **kw)
    elif method == "achlioptas":
        R = achlioptas_matrix(D, n_components, **kw)
    elif method == "sparse":
        R = sparse_matrix(D, n_components, density=density, **kw)
    return project(X, R), R


# ----------------------------------------------------------------------------- the JL bound

def _check_eps(eps) -> float:
    return check_interval(eps, "eps", 0.0, 1.0, closed="neither")


def jl_min_dim(n_samples: int, eps: float) -> int:
    """The Johnson–Lindenstrauss target dimension ``k = ⌊4 ln n / (ε²/2 − ε³/3)⌋`` (lesson 02, Eq. (7)).

    With ``k`` at least this large a Gaussian (or Achlioptas) projection of any ``n`` points keeps
    every squared pairwise distance within a factor ``1 ± ε`` with positive probability. The value
    is rounded down, exactly as scikit-learn's ``johnson_lindenstrauss_min_dim`` does (strictly,
    the proof needs the next integer; the bound has far more slack than that).
    """
    n = check_int(n_samples, "n_samples", low=1)
    eps = _check_eps(eps)
    return int(4.0 * math.log(n) / (eps ** 2 / 2.0 - eps ** 3 / 3.0))


def jl_eps(n_samples: int, n_components: int) -> float:
    """The smallest ``ε`` in (0, 1) that Eq. (7) guarantees for ``n`` points at dimension ``k``.

    Solves ``ε²/2 − ε³/3 = 4 ln n / k``; returns ``nan`` when ``k < 24 ln n`` (no ``ε < 1`` works).
    """
    n = check_int(n_samples, "n_samples", low=1)
    k = check_int(n_components, "n_components", low=1)
    target = 4.0 * math.log(n) / k
    if target == 0.0:
        return 0.0
    if target >= 1.0 / 6.0:
        return float("nan")
    lo, hi = 0.0, 1.0   # ε²/2 − ε³/3 increases on (0, 1): bisection
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if mid ** 2 / 2 - mid ** 3 / 3 < target:
            lo = mid
        else:
            hi = mid
    return hi


# ----------------------------------------------------------------------------- measuring distortion

def _pair_sq_dists(X, Y, max_pairs: int, g):
    """Squared distances ``(‖x_i − x_j‖², ‖y_i − y_j‖²)`` over all pairs ``i < j`` or ``max_pairs`` random ones."""
    if X.device.type == "mps":   # no float64 on MPS: measure on the CPU
        X, Y = X.cpu(), Y.cpu()
    n = X.shape[0]
    if n * (n - 1) // 2 <= max_pairs:
        # exact differences (no ‖x‖² + ‖y‖² − 2xᵀy cancellation), without materialising them
        # (torch.pdist lists the pairs i < j row by row, as torch.triu_indices(n, n, 1) does)
        return torch.pdist(X.double().contiguous()) ** 2, torch.pdist(Y.double().contiguous()) ** 2
    i = torch.randint(0, n, (max_pairs,), generator=g, device=g.device)          # pairs i != j, uniformly
    j = (i + torch.randint(1, n, (max_pairs,), generator=g, device=g.device)) % n
    i, j = i.to(X.device), j.to(X.device)

    def sq(Z):
        out = torch.empty(max_pairs, dtype=torch.float64, device=Z.device)
        block = max(1, (8 << 20) // (8 * Z.shape[1]))
        for s in range(0, max_pairs, block):
            diff = Z[i[s:s + block]].double() - Z[j[s:s + block]].double()
            out[s:s + block] = (diff * diff).sum(1)
        return out
    return sq(X), sq(Y)


def distance_ratios(X, Y, *, max_pairs: int = 200_000, generator=0) -> torch.Tensor:
    """Ratios ``‖y_i − y_j‖² / ‖x_i − x_j‖²`` over pairs ``i < j`` (lesson 02, Eq. (1)).

    Args:
        X: ``(n, D)`` original points; Y: ``(n, k)`` their images, same device.
        max_pairs: use all ``n(n−1)/2`` pairs if there are at most this many, else this many
            random pairs (drawn with ``generator``, an int seed or ``torch.Generator``).

    Returns:
        ``(m,) float64`` ratios on X's device (on the CPU for MPS, which lacks float64); pairs with ``x_i = x_j`` are left out. A projection
        has distortion ``ε`` on these pairs when all ratios lie in ``[1 − ε, 1 + ε]``.
        Differences are formed explicitly in float64 (no ``‖x‖² + ‖y‖² − 2xᵀy`` cancellation).
    """
    check_same_device(X=X, Y=Y)
    X = as_matrix(X, "X", min_rows=2)
    Y = as_matrix(Y, "Y", min_rows=2)
    check_same_device(X=X, Y=Y)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X and Y must have the same number of rows (points), got X {tuple(X.shape)} and "
                         f"Y {tuple(Y.shape)}.")
    max_pairs = check_int(max_pairs, "max_pairs", low=1)
    dx, dy = _pair_sq_dists(X, Y, max_pairs, as_generator(generator))
    keep = dx > 0
    return dy[keep] / dx[keep]


def distortion(X, Y, **kwargs) -> float:
    """The largest relative change of a squared pairwise distance, ``max |ratio − 1|`` (see :func:`distance_ratios`)."""
    return float((distance_ratios(X, Y, **kwargs) - 1).abs().max())


def _distortion_at(G, k, W, pen):
    """Worst |‖y_i − y_j‖²/(k‖x_i − x_j‖²) − 1| over the pairs, from the Gram matrix ``G = Y_k Y_kᵀ`` of the
    first ``k`` unscaled projected coordinates; ``W = 1/‖x_i − x_j‖²`` (0 on the diagonal and for duplicate
    points), ``pen`` = +inf where ``W`` is 0 (so those entries never give the minimum)."""
    dg = G.diagonal()
    T = dg[:, None] + dg[None, :]
    T.sub_(G, alpha=2.0).mul_(W)
    top = float(T.max())
    low = float(T.add_(pen).min())
    return max(top / k - 1.0, 1.0 - low / k)


def empirical_min_dim(X, eps: float, *, delta: float = 0.1, trials: int = 20, kind: str = "gaussian",
                      density="auto", k_max: int | None = None, step: float = 0.04, generator=None,
                      return_trials: bool = False):
    """The smallest target dimension ``k`` that keeps every pairwise squared distance of the rows of
    ``X: (n, D)`` within ``1 ± eps`` (lesson 02, Eq. (1)) in at least a fraction ``1 − delta`` of random
    draws: the measured counterpart of the guarantee :func:`jl_min_dim` (lesson 02, Eq. (7)).

    Each of ``trials`` draws is one matrix of ``k_max`` rows (``kind``: ``"gaussian"``, ``"achlioptas"``
    or ``"sparse"`` with ``density``, as in :func:`random_projection`); its first ``k`` rows, rescaled, are
    exactly a ``k``-row projection of the same kind, so one draw gives the worst distortion at every ``k``
    of a geometric grid (ratio ``1 + step``) from the Gram matrix of the projected points, updated a block
    of rows at a time. A draw's ``k_t`` is the smallest grid value from which it succeeds at every larger
    grid value; the result is the ``(1 − delta)``-quantile of the ``k_t`` (rounded up to a draw), so its
    resolution is ``step`` and its precision that of ``trials`` draws. ``k`` may exceed ``D`` (pointless
    for a projection, but the bound (7) does not know ``D``).

    ``k_max`` defaults to the guarantee ``⌈(4 ln n + 2 ln(1/δ)) / (ε²/2 − ε³/3)⌉`` of the Gaussian case;
    if a larger fraction than ``delta`` of the draws still fails there, ValueError asks for a larger
    ``k_max`` (very sparse matrices on spiky data can need one). Memory and time: ``O(n²)`` and
    ``O(trials · (n D k_max + n² k_max))``, so keep ``n`` to a few thousand. Randomness: ``generator``
    (:mod:`lowdim_utils.rng`). Returns ``k`` (int), or ``(k, k_t)`` with the per-draw values ``k_t:
    (trials,)`` (float64, ``inf`` for a draw that fails at ``k_max``) when ``return_trials``.
    """
    X = as_matrix(X, "X", min_rows=2)
    eps = _check_eps(eps)
    delta = check_interval(delta, "delta", 0.0, 1.0, closed="neither")
    trials = check_int(trials, "trials", low=1)
    check_choice(kind, "kind", ("gaussian", "achlioptas", "sparse"))
    step = check_interval(step, "step", 0.0, 1.0, closed="right")
    return_trials = check_bool(return_trials, "return_trials")
    n, D = X.shape
    c = eps ** 2 / 2.0 - eps ** 3 / 3.0
    if k_max is None:
        k_max = math.ceil((4.0 * math.log(n) + 2.0 * math.log(1.0 / delta)) / c)
    k_max = check_int(k_max, "k_max", low=1)
    rho = 1.0 if kind == "gaussian" else (1.0 / 3.0 if kind == "achlioptas" else _density(density, D))
    work = torch.device("cpu") if X.device.type == "mps" else X.device      # float64 throughout
    Xc = X.to(device=work, dtype=torch.float64)
    Xc = Xc - Xc.mean(dim=0)
    dX = torch.cdist(Xc, Xc) ** 2
    off = ~torch.eye(n, dtype=torch.bool, device=work)
    keep = off & (dX > 0)
    W = torch.where(keep, 1.0 / torch.where(keep, dX, torch.ones_like(dX)), torch.zeros_like(dX))
    pen = torch.where(keep, torch.zeros_like(dX), torch.full_like(dX, math.inf))
    grid = sorted({max(1, int(round(k_max / (1.0 + step) ** i))) for i in range(int(math.log(k_max) / math.log1p(step)) + 2)})
    g = as_generator(generator)
    k_t = torch.full((trials,), math.inf, dtype=torch.float64)
    for t in range(trials):
        if kind == "gaussian":
            R = torch.randn(k_max, D, generator=g, dtype=torch.float64, device=g.device).to(work)
            Yt = R @ Xc.T                                          # (k_max, n), unscaled: E r² = 1
        else:
            R = _sparse(D, k_max, rho, g, torch.float64, work)
            Yt = (project(Xc, R) * math.sqrt(k_max)).T.contiguous()   # entries ±1/√ρ: E r² = 1
        G = Yt.T @ Yt
        hi = len(grid) - 1
        if _distortion_at(G, grid[hi], W, pen) > eps:
            continue                                               # fails at k_max: k_t = inf
        while hi > 0:                                              # walk down until the first failure
            blk = Yt[grid[hi - 1]:grid[hi]]
            G.addmm_(blk.T, blk, alpha=-1.0)
            if _distortion_at(G, grid[hi - 1], W, pen) > eps:
                break
            hi -= 1
        k_t[t] = grid[hi]
    q = sorted(k_t.tolist())[max(0, math.ceil((1.0 - delta) * trials) - 1)]
    if not math.isfinite(q):
        raise ValueError(f"at k_max = {k_max} more than a fraction delta = {delta:g} of the {trials} draws still "
                         f"distort some pair by more than eps = {eps:g}: pass a larger k_max.")
    return (int(q), k_t) if return_trials else int(q)


# ----------------------------------------------------------------------------- FastRP

def _as_adjacency(A, dtype, device):
    """Dense or sparse square non-negative adjacency → (torch matrix, is_sparse)."""
    try:
        import scipy.sparse as sp
        if sp.issparse(A):
            A = A.tocoo()
            idx = torch.from_numpy(np.vstack([A.row, A.col]).astype(np.int64))
            A = torch.sparse_coo_tensor(idx, torch.from_numpy(A.data.astype(np.float64)), A.shape)
    except ImportError:  # pragma: no cover
        pass
    if isinstance(A, torch.Tensor) and A.layout != torch.strided:
        A = A.to_sparse_coo().coalesce()
        if A.dim() != 2 or A.shape[0] != A.shape[1]:
            raise ValueError(f"A must be a square (n, n) adjacency matrix, got shape {tuple(A.shape)}.")
        vals = A.values()
        if not bool(torch.isfinite(vals).all()):
            raise ValueError("A contains NaN or infinite values; expected finite edge weights.")
        if bool((vals < 0).any()):
            raise ValueError("A must have non-negative edge weights.")
        dt = dtype or (vals.dtype if vals.dtype in _FLOATS else torch.float32)
        A = A.to(dtype=dt)
        return (A.to(device) if device is not None else A), True
    A = as_matrix(A, "A", dtype=dtype, device=device)
    if A.shape[0] != A.shape[1]:
        raise ValueError(f"A must be a square (n, n) adjacency matrix, got shape {tuple(A.shape)}.")
    if bool((A < 0).any()):
        raise ValueError("A must have non-negative edge weights.")
    if A.dtype not in _FLOATS:
        A = A.to(torch.float32)
    return A, False


def fastrp(A, dim: int = 128, *, weights=(0.0, 1.0, 1.0, 1.0), beta: float = -0.5, density="auto",
           normalize: bool = True, generator=None, dtype=None, device=None) -> torch.Tensor:
    """FastRP node embeddings (Chen et al. 2019; lesson 02, Eq. (9)).

    With the transition matrix ``P = D⁻¹A`` (``D`` = diagonal of degrees), the degree
    normalisation ``L = diag((d_v / 2m)^β)`` (``2m`` = total degree) and a very sparse random
    matrix ``R: (n, dim)`` (entries as in :func:`sparse_matrix`, density ``1/√n`` by default)::

        N₁ = P L R,   N_i = P N_{i−1},   embedding = Σ_i α_i · N_i  (i = 1..q, q = len(weights)).

    With ``normalize`` (as in the authors' code) each ``N_i`` is scaled to unit row norms
    before weighting, so the weights compare like with like.

    Args:
        A: ``(n, n)`` non-negative adjacency: dense tensor/array, torch sparse, or SciPy sparse.
        dim: embedding dimension (any positive int; ``dim > n`` is allowed).
        weights: ``α_1..α_q`` for the powers ``P¹..P^q`` (the paper tunes them; ours are a default).
        beta: degree exponent ``β`` (``β < 0`` damps high-degree nodes; the paper searches [−1, 0]).
        generator: int seed / ``torch.Generator`` for ``R``; dtype: float32/float64 (default: A's).

    Returns:
        ``(n, dim)`` tensor on A's device (or ``device``). Isolated nodes get zero rows.
    """
    A, is_sparse = _as_adjacency(A, None if dtype is None else _dtype(dtype), device)
    n = A.shape[0]
    dim = check_int(dim, "dim", low=1)
    w = as_tensor(weights, "weights", ndim=1, dtype=torch.float64)
    if w.numel() == 0:
        raise ValueError("weights must hold at least one weight α_1 (one power of P).")
    beta = check_interval(beta, "beta")
    normalize = check_bool(normalize, "normalize")
    dt = A.dtype
    deg = (torch.sparse.sum(A, 1).to_dense() if is_sparse else A.sum(1)).to(dt)
    total = float(deg.sum())
    safe = torch.where(deg > 0, deg, torch.ones_like(deg))
    inv_deg = torch.where(deg > 0, 1.0 / safe, torch.zeros_like(deg))
    scale = torch.where(deg > 0, (safe / max(total, 1e-300)) ** beta, torch.zeros_like(deg))
    rho = _density(density, n)
    R = _sparse(n, dim, rho, as_generator(generator), dt, A.device).to_dense().T   # (n, dim)

    if is_sparse and A.device.type in ("cpu", "cuda"):
        with warnings.catch_warnings():     # "sparse CSR support is in beta": products are what we use
            warnings.simplefilter("ignore", UserWarning)
            A = A.to_sparse_csr()           # row-compressed: 3x faster products than COO here

    def step(M):   # P @ M with P = D⁻¹ A
        return inv_deg[:, None] * (A @ M if not is_sparse or A.layout == torch.sparse_csr
                                   else torch.sparse.mm(A, M))

    N = step(scale[:, None] * R)
    emb = torch.zeros((n, dim), dtype=dt, device=A.device)
    for i, alpha in enumerate(w.tolist()):
        if i > 0:
            N = step(N)
        if alpha != 0.0:
            Ni = F.normalize(N, dim=1) if normalize else N
            emb = emb + alpha * Ni
    return emb
