"""Intrinsic dimension: of data, and of a network's objective landscape (lesson 05).

Estimators of the dimension of the data, each taking ``X: (n, D)`` (a torch tensor on any
device, float32 or float64, or anything NumPy can convert):

* :func:`pca_dimension` — the number of principal directions explaining a fraction
  ``threshold`` of the variance (lesson 05, Eq. (1)); linear, global.
* :func:`twonn` — Facco et al. (2017): the ratio ``μ = r2/r1`` of each point's second to first
  nearest-neighbour distance is Pareto(d) distributed; ``d`` is the slope of
  ``−log(1 − F(μ))`` against ``log μ`` (Eq. (4)) or the censored maximum-likelihood estimate.
* :func:`mle_dimension` — Levina & Bickel (2004) with ``k`` neighbours (Eq. (6)), the local
  estimates combined as MacKay & Ghahramani suggested (Eq. (7)).

All three are invariant to translations, rotations and global rescaling of ``X``.
Neighbour distances come from :func:`knn_distances`: matrix-product distances on row chunks (so memory
stays ``O(chunk · n)``), with the selected neighbours' distances recomputed exactly.

Intrinsic dimension of a training problem (Li et al., 2018): :class:`SubspaceModel` trains
any ``torch.nn.Module`` in a random ``d``-dimensional affine subspace of its parameters,
``θ = θ₀ + P z`` (Eq. (8)), with ``P`` a dense Gaussian (:class:`DenseProjection`), a very sparse
(:class:`SparseProjection`) or a Fastfood (:class:`FastfoodProjection`) matrix;
:func:`dint_sweep` finds ``d_int90``, the smallest ``d`` reaching 90 % of the accuracy of
ordinary training.
"""
from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .validate import as_matrix, as_tensor, check_int, check_positive, check_same_device

__all__ = ["knn_distances", "explained_variance_ratio", "pca_dimension", "twonn", "mle_dimension",
           "manifold_sample", "fwht", "DenseProjection", "SparseProjection", "FastfoodProjection", "make_projection",
           "SubspaceModel", "count_parameters", "train_classifier", "accuracy", "dint_sweep", "SweepResult"]


# ----------------------------------------------------------------------------- neighbours

def _work_dtype(X: torch.Tensor) -> torch.Tensor:
    return X if X.dtype in (torch.float32, torch.float64) else X.to(torch.float32)


def knn_distances(X, k: int, *, chunk_size: int | None = None, return_indices: bool = False):
    """Distances from every row of ``X: (n, D)`` to its ``k`` nearest other rows.

    Rows are processed in chunks: squared distances from one matrix product (as ``torch.cdist``
    computes them in its fast mode) rank all candidates, then the distances to the ``k`` chosen neighbours are recomputed directly as
    ``‖x_i − x_j‖`` so that small distances carry no cancellation error. A point never counts
    as its own neighbour; an exact duplicate counts, at distance 0.

    Args:
        X: ``(n, D)`` data, any device.
        k: number of neighbours, ``1 <= k <= n - 1``.
        chunk_size: rows per chunk (default: keeps each chunk's work near 16 M numbers).
        return_indices: also return the neighbours' row indices.
    Returns:
        ``dist: (n, k)`` sorted ascending (and ``idx: (n, k)`` int64 if ``return_indices``),
        on ``X``'s device and in its float dtype.
    """
    X = _work_dtype(as_matrix(X, "X", min_rows=2))
    n, D = X.shape
    k = check_int(k, "k", low=1, high=n - 1)
    if chunk_size is None:
        chunk_size = max(1, min(n, (1 << 24) // max(n, 1), (1 << 24) // max(k * D, 1)))
    else:
        chunk_size = check_int(chunk_size, "chunk_size", low=1)
    Xc = X - X.mean(dim=0)  # for the ranking: centring reduces the cancellation in |a|² + |b|² - 2ab
    sq = (Xc * Xc).sum(dim=1)
    dists, idxs = [], []
    for start in range(0, n, chunk_size):
        block = Xc[start:start + chunk_size]
        m = block.shape[0]
        # squared distances |a|² + |b|² - 2ab: one matrix product (what torch.cdist does in its fast
        # mode), without the square root — the ranking is the same
        d2 = torch.addmm(sq[None, :], block, Xc.T, alpha=-2.0).add_(sq[start:start + m, None])
        rows = torch.arange(m, device=X.device)
        d2[rows, rows + start] = float("inf")  # not your own neighbour
        _, idx = torch.topk(d2, k, dim=1, largest=False, sorted=False)
        # the chosen neighbours' distances, recomputed from the original rows: no cancellation
        exact = torch.linalg.vector_norm(X[start:start + m, None, :] - X[idx], dim=2)  # (m, k)
        exact, order = torch.sort(exact, dim=1)
        dists.append(exact)
        idxs.append(torch.gather(idx, 1, order))
    dist = torch.cat(dists)
    return (dist, torch.cat(idxs)) if return_indices else dist


def _drop_duplicates(r: torch.Tensor, what: str) -> torch.Tensor:
    """Drop rows whose nearest-neighbour distance is 0 (duplicate points), with a warning."""
    dup = r[:, 0] <= 0
    if bool(dup.any()):
        warnings.warn(f"{what}: dropping {int(dup.sum())} of {len(r)} points that have an exact duplicate "
                      "(distance 0 to their nearest neighbour); their distance ratios are undefined.",
                      stacklevel=3)
        r = r[~dup]
    return r


# ----------------------------------------------------------------------------- data of known dimension

_MANIFOLDS = ("linear", "sphere", "torus", "swiss_roll", "curve")


def manifold_sample(kind: str, n: int, d: int, *, ambient: int = 100, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """``n`` points of known intrinsic dimension ``d``, isometrically embedded in ``R^ambient``.

    ``kind``:
    * ``"linear"``: uniform in the unit cube of a random ``d``-dimensional linear subspace;
    * ``"sphere"``: uniform on the unit sphere ``S^d ⊂ R^{d+1}`` (curved, no boundary);
    * ``"torus"``: uniform on the flat torus ``T^d ⊂ R^{2d}``, ``(cos t_i, sin t_i)/√d`` (no boundary);
    * ``"swiss_roll"``: the rolled-up rectangle (``d`` must be 2);
    * ``"curve"``: a closed curve winding through 20 dimensions (``d`` must be 1), which PCA
      sees as many-dimensional.

    The coordinates are mapped by a random matrix with orthonormal columns (distances are kept)
    and ``noise`` adds isotropic Gaussian noise of that standard deviation in all ``ambient``
    directions. Returns a float64 array ``(n, ambient)``.
    """
    if kind not in _MANIFOLDS:
        raise ValueError(f"kind must be one of {list(_MANIFOLDS)}, got {kind!r}.")
    n = check_int(n, "n", low=1)
    d = check_int(d, "d", low=1)
    noise = check_positive(noise, "noise", allow_zero=True)
    seed = check_int(seed, "seed", low=0)
    rng = np.random.default_rng(seed)
    if kind == "linear":
        Y = rng.uniform(size=(n, d))
    elif kind == "sphere":
        Z = rng.standard_normal((n, d + 1))
        Y = Z / np.linalg.norm(Z, axis=1, keepdims=True)
    elif kind == "torus":
        t = rng.uniform(0, 2 * np.pi, size=(n, d))
        Y = np.concatenate([np.cos(t), np.sin(t)], axis=1) / np.sqrt(d)
    elif kind == "swiss_roll":
        if d != 2:
            raise ValueError(f"d must be 2 for kind='swiss_roll', got {d}.")
        t = 1.5 * np.pi * (1 + 2 * rng.uniform(size=n))
        Y = np.stack([t * np.cos(t), 21 * rng.uniform(size=n), t * np.sin(t)], axis=1) / 10
    else:
        if d != 1:
            raise ValueError(f"d must be 1 for kind='curve', got {d}.")
        t = rng.uniform(0, 2 * np.pi, size=n)
        f = np.arange(1, 11)
        Y = np.concatenate([np.cos(np.outer(t, f)) / f, np.sin(np.outer(t, f)) / f], axis=1)
    ambient = check_int(ambient, "ambient", low=Y.shape[1])
    Q = np.linalg.qr(rng.standard_normal((ambient, Y.shape[1])))[0]
    X = Y @ Q.T
    if noise:
        X = X + noise * rng.standard_normal(X.shape)
    return X


# ----------------------------------------------------------------------------- PCA

def explained_variance_ratio(X) -> torch.Tensor:
    """Fractions of the total variance along the principal directions of ``X: (n, D)``,
    descending, shape ``(min(n, D),)``; they sum to 1."""
    X = _work_dtype(as_matrix(X, "X", min_rows=2))
    Xc = X - X.mean(dim=0)
    s2 = torch.linalg.svdvals(Xc) ** 2
    total = s2.sum()
    if not bool(total > 0):
        raise ValueError("X has zero variance (all rows are equal); its dimension is 0.")
    return s2 / total


def pca_dimension(X, threshold: float = 0.9) -> int:
    """The smallest ``k`` whose top-``k`` principal directions explain at least ``threshold`` of
    the variance of ``X: (n, D)`` (lesson 05, Eq. (1)). ``0 < threshold <= 1``."""
    threshold = check_positive(threshold, "threshold")
    if threshold > 1:
        raise ValueError(f"threshold must be in (0, 1], a fraction of the variance, got {threshold}.")
    ratio = explained_variance_ratio(X).double()
    cum = torch.cumsum(ratio, 0)
    # a relative slack of a few ulps so that threshold=1 is reached despite round-off
    tol = 16 * torch.finfo(torch.float32 if ratio.dtype == torch.float32 else torch.float64).eps
    k = int(torch.searchsorted(cum, torch.tensor([threshold - tol], dtype=cum.dtype, device=cum.device))[0]) + 1
    return min(k, len(ratio))


# ----------------------------------------------------------------------------- TwoNN

def twonn(X, *, discard_fraction: float = 0.1, method: str = "linear", chunk_size: int | None = None,
          return_fit: bool = False):
    """TwoNN estimate of the intrinsic dimension of ``X: (n, D)`` (Facco et al. 2017; lesson 05, Thm. 1).

    With ``μ_i = r2(x_i)/r1(x_i)`` sorted ascending and the empirical CDF ``F_i = i/n``, the
    largest ``discard_fraction`` of the ratios is dropped (they come from sparse regions and
    noise) and ``d`` is

    * ``method="linear"``: the least-squares slope through the origin of
      ``y_i = −log(1 − F_i)`` on ``x_i = log μ_i`` (Eq. (4)), as in the paper;
    * ``method="mle"``: the maximum-likelihood estimate for the censored sample,
      ``(m − 1) / (Σ_{i≤m} log μ_(i) + (n − m) log μ_(m))`` with ``m`` kept ratios (Eq. (5)).

    Points with an exact duplicate are dropped with a warning. Returns a float, or
    ``(d, x, y)`` (the points of the fit, NumPy) with ``return_fit=True``.
    """
    discard_fraction = check_positive(discard_fraction, "discard_fraction", allow_zero=True)
    if discard_fraction >= 1:
        raise ValueError(f"discard_fraction must be in [0, 1), got {discard_fraction}.")
    if method not in ("linear", "mle"):
        raise ValueError(f"method must be 'linear' or 'mle', got {method!r}.")
    X = as_matrix(X, "X", min_rows=3)
    r = _drop_duplicates(knn_distances(X, 2, chunk_size=chunk_size).double(), "twonn")
    n = r.shape[0]
    m = int(n * (1 - discard_fraction))
    if m < 2:
        raise ValueError(f"X leaves only {m} usable ratios after discarding {discard_fraction:.0%}; "
                         "need at least 2 (give more points or a smaller discard_fraction).")
    log_mu = torch.sort(torch.log(r[:, 1] / r[:, 0])).values[:m]
    F = torch.arange(1, m + 1, dtype=torch.float64, device=log_mu.device) / n
    y = -torch.log1p(-F)
    if method == "linear":
        denom = float(log_mu @ log_mu)
        if denom <= 0:
            raise ValueError("X has r2 = r1 for every point (a lattice?): the TwoNN fit is undefined.")
        d = float(log_mu @ y) / denom
    else:
        d = (m - 1) / float(log_mu.sum() + (n - m) * log_mu[-1])
    if return_fit:
        return d, log_mu.cpu().numpy(), y.cpu().numpy()
    return d


# ----------------------------------------------------------------------------- Levina–Bickel

def mle_dimension(X, k: int = 20, *, average: str = "inverse", chunk_size: int | None = None,
                  return_local: bool = False):
    """Levina–Bickel maximum-likelihood dimension of ``X: (n, D)`` with ``k`` neighbours (lesson 05, Eq. (6)).

    Local estimate at ``x_i`` from its neighbour distances ``T_1 <= ... <= T_k``:
    ``m̂_k(x_i) = (k − 1) / Σ_{j<k} log(T_k / T_j)``. Combined over the points by

    * ``average="inverse"`` (default): ``1 / mean(1 / m̂_k(x_i))``, the correction of
      MacKay & Ghahramani (2005) — the inverse local estimates are the unbiased quantities (Eq. (7));
    * ``average="mean"``: the plain mean of Levina & Bickel's paper (biased upward).

    ``2 <= k <= n - 1``. Points with an exact duplicate are dropped with a warning.
    Returns a float, or ``(d, local: (n,))`` with ``return_local=True``.
    """
    if average not in ("inverse", "mean"):
        raise ValueError(f"average must be 'inverse' or 'mean', got {average!r}.")
    X = as_matrix(X, "X", min_rows=3)
    if isinstance(k, numbers.Integral) and not isinstance(k, bool) and not 2 <= int(k) <= X.shape[0] - 1:
        raise ValueError(f"k must satisfy 2 <= k <= n - 1 = {X.shape[0] - 1} for {X.shape[0]} points, got {int(k)}.")
    k = check_int(k, "k", low=2, high=X.shape[0] - 1)
    T = _drop_duplicates(knn_distances(X, k, chunk_size=chunk_size).double(), "mle_dimension")
    if T.shape[0] == 0:
        raise ValueError("X has no point without an exact duplicate; the dimension is undefined.")
    S = torch.log(T[:, -1:] / T[:, :-1]).sum(dim=1)  # (n,) Σ_j log(T_k / T_j)
    if bool((S <= 0).any()):
        raise ValueError("X has points whose k nearest neighbours are all equidistant; increase k.")
    inv_local = S / (k - 1)
    d = float(1.0 / inv_local.mean()) if average == "inverse" else float((1.0 / inv_local).mean())
    if return_local:
        return d, (1.0 / inv_local).to(X.dtype if X.dtype.is_floating_point else torch.float32)
    return d


# ----------------------------------------------------------------------------- random projections

def _hadamard(size: int, dtype, device) -> torch.Tensor:
    """The ``size × size`` Sylvester–Hadamard matrix (entries ±1), ``size`` a power of 2."""
    H = torch.ones(1, 1, dtype=dtype, device=device)
    H2 = torch.tensor([[1.0, 1.0], [1.0, -1.0]], dtype=dtype, device=device)
    while H.shape[0] < size:
        H = torch.kron(H2, H)
    return H


def fwht(x: torch.Tensor) -> torch.Tensor:
    """Unnormalised fast Walsh–Hadamard transform along the last dimension (length a power of 2).

    Equals ``x @ H`` for the Sylvester–Hadamard matrix ``H`` (entries ±1, ``HᵀH = L I``).
    Since ``H_{ab} = H_a ⊗ H_b``, the length-``L`` vector is viewed as a tensor with axes of
    size at most 32 and a small Hadamard matrix is applied along each axis: ``O(L log L)``
    work in a handful of matrix products, differentiable by autograd.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch tensor, got {type(x).__name__}.")
    L = x.shape[-1]
    if L < 1 or L & (L - 1):
        raise ValueError(f"x must have a power-of-2 length in its last dimension, got {L}.")
    bits = L.bit_length() - 1
    chunks = [5] * (bits // 5) + ([bits % 5] if bits % 5 else [])
    batch = x.shape[:-1]
    y = x.reshape(-1, *[1 << c for c in chunks])
    for c in chunks:  # contracting axis 1 moves it to the end: after all axes, the order is restored
        y = torch.tensordot(y, _hadamard(1 << c, x.dtype, x.device), dims=([1], [0]))
    return y.reshape(*batch, L)


class _Projection(nn.Module):
    """A fixed linear map ``R^d → R^D`` with (approximately) unit-norm columns."""

    def __init__(self, D: int, d: int):
        super().__init__()
        self.D = check_int(D, "D", low=1)
        self.d = check_int(d, "d", low=1, high=self.D)

    @property
    def nbytes(self) -> int:
        """Bytes needed to store the map (its buffers)."""
        return int(sum(b.numel() * b.element_size() for b in self._stored()))

    def _stored(self):
        return list(self.buffers())

    def matrix(self) -> torch.Tensor:
        """The dense ``(D, d)`` matrix (for tests and small sizes only)."""
        eye = torch.eye(self.d, dtype=self._dtype(), device=self._device())
        return torch.stack([self(e) for e in eye], dim=1)

    def _dtype(self):
        return next(b for b in self.buffers() if b.is_floating_point()).dtype

    def _device(self):
        return next(self.buffers()).device

    def _check_z(self, z):
        if not isinstance(z, torch.Tensor) or z.shape != (self.d,):
            raise ValueError(f"z must be a tensor of shape ({self.d},), got "
                             f"{tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__}.")

    def extra_repr(self):
        return f"D={self.D}, d={self.d}, {self.nbytes / 2**20:.2f} MiB"


class DenseProjection(_Projection):
    """``P: (D, d)`` with i.i.d. Gaussian entries, columns scaled to unit norm; stores ``D·d`` numbers."""

    def __init__(self, D: int, d: int, *, generator=None, dtype=torch.float32):
        super().__init__(D, d)
        gen = generator if generator is not None else torch.Generator().manual_seed(0)
        P = torch.randn(self.D, self.d, generator=gen, dtype=dtype)
        P /= torch.linalg.vector_norm(P, dim=0, keepdim=True)
        self.register_buffer("P", P)

    def forward(self, z):
        self._check_z(z)
        return self.P @ z


class SparseProjection(_Projection):
    """Very sparse random projection (Li, Hastie & Church 2006): each column has about ``s = √D``
    non-zeros ``±1/√s`` at random rows (scaled to unit norm); stores about ``d·√D`` values plus
    indices."""

    def __init__(self, D: int, d: int, *, generator=None, dtype=torch.float32):
        super().__init__(D, d)
        gen = generator if generator is not None else torch.Generator().manual_seed(0)
        s = max(1, int(round(math.sqrt(self.D))))
        rows = torch.randint(0, self.D, (self.d * s,), generator=gen)  # rare repeats are merged below
        cols = torch.arange(self.d).repeat_interleave(s)
        signs = torch.randint(0, 2, (self.d * s,), generator=gen).to(torch.float64) * 2 - 1
        P = torch.sparse_coo_tensor(torch.stack([rows, cols]), signs, (self.D, self.d),
                                    check_invariants=True).coalesce()
        vals, col = P.values(), P.indices()[1]
        norms = torch.zeros(self.d, dtype=torch.float64).index_add_(0, col, vals**2).sqrt()
        vals = vals / norms.clamp_min(1e-12)[col]  # exactly unit columns
        P = torch.sparse_coo_tensor(P.indices(), vals, (self.D, self.d), is_coalesced=True,
                                    check_invariants=True).to(dtype)
        self.register_buffer("P", P)
        self.nnz_per_column = s

    def _stored(self):
        return [self.P._indices(), self.P._values()]

    def forward(self, z):
        self._check_z(z)
        return torch.sparse.mm(self.P, z[:, None])[:, 0]


class FastfoodProjection(_Projection):
    """Fastfood transform (Le, Sarlós & Smola 2013), as used by Li et al. 2018:
    ``P z = c · (H G Π H B [z; 0])[:D]`` with ``L = 2^⌈log2 D⌉``, ``H`` the Walsh–Hadamard matrix,
    ``B`` random signs, ``Π`` a random permutation, ``G`` Gaussian, and ``c`` making the columns
    unit-norm on average. Stores ``O(L)`` numbers instead of ``D·d``; costs ``O(L log L)``."""

    def __init__(self, D: int, d: int, *, generator=None, dtype=torch.float32):
        super().__init__(D, d)
        gen = generator if generator is not None else torch.Generator().manual_seed(0)
        self.L = 1 << max(0, (self.D - 1).bit_length())
        B = torch.randint(0, 2, (self.L,), generator=gen).to(torch.float64) * 2 - 1
        perm = torch.randperm(self.L, generator=gen)
        G = torch.randn(self.L, generator=gen, dtype=torch.float64)
        self.register_buffer("B", B.to(dtype))
        self.register_buffer("perm", perm)
        self.register_buffer("G", G.to(dtype))
        # full L-long columns have norm exactly 1/c; keeping D of the L rows leaves about D/L of it
        self.scale = math.sqrt(self.L / self.D) / (math.sqrt(self.L) * float(torch.linalg.vector_norm(G)))

    def forward(self, z):
        self._check_z(z)
        v = torch.cat([z, z.new_zeros(self.L - self.d)])  # [z; 0]
        v = fwht(v * self.B)
        v = fwht(v[self.perm] * self.G)
        return self.scale * v[:self.D]


_PROJECTIONS = {"dense": DenseProjection, "sparse": SparseProjection, "fastfood": FastfoodProjection}


def make_projection(kind: str, D: int, d: int, *, generator=None, dtype=torch.float32):
    """A projection ``R^d → R^D`` by name: ``"dense"``, ``"sparse"`` or ``"fastfood"``."""
    if kind not in _PROJECTIONS:
        raise ValueError(f"projection must be one of {sorted(_PROJECTIONS)}, got {kind!r}.")
    return _PROJECTIONS[kind](D, d, generator=generator, dtype=dtype)


# ----------------------------------------------------------------------------- subspace training

def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters of ``model``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class SubspaceModel(nn.Module):
    """Train ``model`` only inside the random affine subspace ``θ = θ₀ + P z`` (lesson 05, Eq. (8)).

    ``θ₀`` is ``model``'s current (initial) parameter vector, ``P: (D, d)`` a fixed random
    projection and ``z ∈ R^d`` (initialised to 0) the only trainable parameter. The wrapped
    model's own parameters are frozen; ``forward(x)`` evaluates it at ``θ`` with
    ``torch.func.functional_call``, so gradients reach ``z`` through ``P``.

    Args:
        model: any module (its buffers, e.g. batch-norm statistics, are used as they are).
        d: subspace dimension, ``1 <= d <= D``.
        projection: ``"dense"``, ``"sparse"`` or ``"fastfood"``.
        generator: seeds the projection (default: seed 0).
    """

    def __init__(self, model: nn.Module, d: int, projection: str = "dense", *, generator=None):
        super().__init__()
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
        named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        if not named:
            raise ValueError("model has no trainable parameters.")
        devices = {p.device for _, p in named}
        if len(devices) > 1:
            raise ValueError(f"model's parameters must be on one device, got {sorted(map(str, devices))}.")
        dtype = named[0][1].dtype
        self.names = [n for n, _ in named]
        self.shapes = [p.shape for _, p in named]
        self.sizes = [p.numel() for _, p in named]
        self.D = sum(self.sizes)
        d = check_int(d, "d", low=1, high=self.D)
        self.register_buffer("theta0", torch.cat([p.detach().reshape(-1) for _, p in named]).clone())
        for _, p in named:
            p.requires_grad_(False)
        self.model = model
        device = named[0][1].device
        self.projection = make_projection(projection, self.D, d, generator=generator, dtype=dtype).to(device)
        self.z = nn.Parameter(torch.zeros(d, dtype=dtype, device=device))
        self.d = d

    def theta(self) -> torch.Tensor:
        """The full parameter vector ``θ₀ + P z``, shape ``(D,)``."""
        return self.theta0 + self.projection(self.z)

    def parameters_dict(self) -> dict:
        """``θ`` split and reshaped into the wrapped model's named parameters."""
        chunks = torch.split(self.theta(), self.sizes)
        return {n: c.reshape(s) for n, c, s in zip(self.names, chunks, self.shapes)}

    def forward(self, *args, **kwargs):
        return torch.func.functional_call(self.model, self.parameters_dict(), args, kwargs)


def _check_xy(X, y, Xname, yname):
    X = as_tensor(X, Xname, min_rows=1)
    if not isinstance(y, torch.Tensor):
        y = torch.as_tensor(np.asarray(y))
    if y.dim() != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"{yname} must be 1-D with one label per row of {Xname} ({X.shape[0]}), "
                         f"got shape {tuple(y.shape)}.")
    if y.dtype.is_floating_point or y.dtype == torch.bool or y.is_complex():
        raise TypeError(f"{yname} must hold integer class labels, got dtype {y.dtype}.")
    check_same_device(**{Xname: X, yname: y})
    return X, y.long()


def _model_device(model):
    p = next(iter(model.parameters()), None)
    if p is None:
        p = next(iter(model.buffers()), None)
    return p.device if p is not None else torch.device("cpu")


def train_classifier(model: nn.Module, X, y, *, steps: int = 300, lr: float = 1e-2,
                     weight_decay: float = 0.0, progress: bool = False) -> list[float]:
    """Full-batch Adam on the cross-entropy of ``model(X)`` against labels ``y``.

    Trains whatever of ``model`` requires a gradient (all weights, or only ``z`` of a
    :class:`SubspaceModel`). ``X: (n, ...)`` and ``y: (n,)`` must be on ``model``'s device.
    Returns the training losses.
    """
    X, y = _check_xy(X, y, "X", "y")
    steps = check_int(steps, "steps", low=1)
    lr = check_positive(lr, "lr")
    dev = _model_device(model)
    if X.device != dev:
        raise ValueError(f"X is on {X.device} but model is on {dev}; move them with .to(device).")
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("model has no parameter that requires a gradient.")
    opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    losses = []
    it = range(steps)
    if progress:
        from tqdm.auto import tqdm
        it = tqdm(it, desc="training", leave=False)
    model.train()
    for _ in it:
        opt.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(model(X), y)
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    return losses


@torch.no_grad()
def accuracy(model: nn.Module, X, y) -> float:
    """Fraction of rows of ``X`` whose arg-max prediction equals ``y``."""
    X, y = _check_xy(X, y, "X", "y")
    model.eval()
    return float((model(X).argmax(dim=1) == y).double().mean())


@dataclass
class SweepResult:
    """Accuracy against subspace dimension (see :func:`dint_sweep`)."""

    dims: list
    accuracies: list
    baseline: float
    n_params: int
    fraction: float
    projection: str
    projection_bytes: list = field(default_factory=list)

    @property
    def target(self) -> float:
        return self.fraction * self.baseline

    @property
    def dint(self):
        """The smallest swept ``d`` whose accuracy reaches ``fraction · baseline`` (None if none does)."""
        for d, a in zip(self.dims, self.accuracies):
            if a >= self.target:
                return d
        return None


def dint_sweep(make_model, dims, X_train, y_train, X_test, y_test, *, projection: str = "dense",
               steps: int = 300, lr: float = 0.05, baseline_steps: int | None = None, baseline_lr: float = 1e-2,
               fraction: float = 0.9, seed: int = 0, baseline: float | None = None,
               progress: bool = True) -> SweepResult:
    """Measure ``d_int`` (Li et al. 2018): train ``make_model()`` normally (the baseline), then
    in random subspaces of each dimension in ``dims``, and record test accuracies.

    ``make_model()`` must return a freshly initialised model on the data's device; it is called
    after seeding torch with ``seed``, so every run starts from the same ``θ₀``. Each subspace
    run draws its projection from a generator seeded with ``seed + d``. ``fraction=0.9`` gives
    ``d_int90``: the smallest ``d`` reaching 90 % of the baseline accuracy. Pass ``baseline``
    (a test accuracy measured before, e.g. by another sweep) to skip the baseline training.
    """
    if not callable(make_model) or isinstance(make_model, nn.Module):
        raise TypeError(f"make_model must be a function returning a fresh model, got {type(make_model).__name__}.")
    dims = [check_int(d, "dims", low=1) for d in dims]
    if not dims:
        raise ValueError("dims must name at least one subspace dimension.")
    fraction = check_positive(fraction, "fraction")
    if fraction > 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}.")
    seed = check_int(seed, "seed", low=0)
    if projection not in _PROJECTIONS:
        raise ValueError(f"projection must be one of {sorted(_PROJECTIONS)}, got {projection!r}.")
    X_train, y_train = _check_xy(X_train, y_train, "X_train", "y_train")
    X_test, y_test = _check_xy(X_test, y_test, "X_test", "y_test")
    check_same_device(X_train=X_train, X_test=X_test)

    def fresh():
        torch.manual_seed(seed)
        return make_model()

    base = fresh()
    D = count_parameters(base)
    too_big = [d for d in dims if d > D]
    if too_big:
        raise ValueError(f"dims must not exceed the model's {D} parameters, got {too_big}.")
    if baseline is None:
        train_classifier(base, X_train, y_train, steps=baseline_steps or steps, lr=baseline_lr)
        baseline = accuracy(base, X_test, y_test)
    else:
        baseline = check_positive(baseline, "baseline")
        if baseline > 1:
            raise ValueError(f"baseline must be an accuracy in (0, 1], got {baseline}.")
    accs, nbytes = [], []
    it = dims
    if progress:
        from tqdm.auto import tqdm
        it = tqdm(dims, desc=f"subspace training ({projection})")
    for d in it:
        sub = SubspaceModel(fresh(), d, projection, generator=torch.Generator().manual_seed(seed + d))
        train_classifier(sub, X_train, y_train, steps=steps, lr=lr)
        accs.append(accuracy(sub, X_test, y_test))
        nbytes.append(sub.projection.nbytes)
    return SweepResult(dims, accs, baseline, D, fraction, projection, nbytes)
