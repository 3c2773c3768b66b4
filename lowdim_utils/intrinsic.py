"""Intrinsic dimension: of data, and of a network's objective landscape (lesson 05).

Estimators of the dimension of the data, each taking ``X: (n, D)`` (a torch tensor on any
device, float32 or float64, or anything NumPy can convert):

* :func:`pca_dimension` — the number of principal directions explaining a fraction
  ``threshold`` of the variance (lesson 05, Eq. (1)); linear, global.
* :func:`twonn` — Facco et al. (2017): the ratio ``μ = r2/r1`` of each point's second to first
  nearest-neighbour distance is Pareto(d) distributed; ``d`` is the slope of
  ``−log(1 − F(μ))`` against ``log μ`` (Eq. (4)) or the bias-corrected maximum-likelihood
  estimate from the censored sample (Eq. (5)).
* :func:`mle_dimension` — Levina & Bickel (2004) with ``k`` neighbours (Eq. (6)), the local
  estimates combined as MacKay & Ghahramani suggested (Eq. (7)).
* :func:`twonn_from_distances`, :func:`mle_from_distances` — the same estimators from
  neighbour distances computed elsewhere, e.g. by :func:`periodic_knn` on the flat periodic
  torus (no boundary and no curvature: the control case of lesson 05).

All three are invariant to translations, rotations and global rescaling of ``X``.
Neighbour distances come from the shared primitive :func:`lowdim_utils.neighbors.knn`
(row blocks, centred ranking, exact distances of the chosen neighbours). Points with an exact
duplicate have a zero nearest-neighbour distance, which makes their ratios undefined: the
estimators leave them out (with a warning) and, where a per-point output is returned, give
them NaN so that its documented shape ``(n,)`` holds.

:func:`manifold_sample` draws data of known dimension (torch tensors, randomness per
:mod:`lowdim_utils.rng`). The intrinsic dimension of a *training problem* (Li et al. 2018,
``d_int90``) is in :mod:`lowdim_utils.subspace`.
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np
import torch

from .neighbors import knn
from .rng import numpy_rng
from .validate import as_matrix, check_choice, check_int, check_interval, check_positive

__all__ = ["explained_variance_ratio", "pca_dimension", "twonn", "mle_dimension", "manifold_sample",
           "twonn_from_distances", "mle_from_distances", "periodic_knn"]


# ----------------------------------------------------------------------------- neighbours

def _work_dtype(X: torch.Tensor) -> torch.Tensor:
    return X if X.dtype in (torch.float32, torch.float64) else X.to(torch.float32)


def _drop_duplicates(r: torch.Tensor, what: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Drop rows whose nearest-neighbour distance is 0 (duplicate points), with a warning.
    Returns the kept rows and the boolean mask of kept points ``(n,)``."""
    keep = r[:, 0] > 0
    if not bool(keep.all()):
        warnings.warn(f"{what}: leaving out {int((~keep).sum())} of {len(r)} points that have an exact duplicate "
                      "(distance 0 to their nearest neighbour); their distance ratios are undefined.",
                      stacklevel=3)
        r = r[keep]
    return r, keep


# ----------------------------------------------------------------------------- data of known dimension

_MANIFOLDS = ("linear", "sphere", "torus", "swiss_roll", "curve")


def manifold_sample(kind: str, n: int, d: int, *, ambient: int = 100, noise: float = 0.0, generator=None,
                    dtype=torch.float64, device=None) -> torch.Tensor:
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
    directions. Randomness: ``generator`` (None, an int seed or a ``torch.Generator``;
    :mod:`lowdim_utils.rng`). Returns a tensor ``(n, ambient)`` (float64 by default) on ``device``.
    """
    check_choice(kind, "kind", _MANIFOLDS)
    n = check_int(n, "n", low=1)
    d = check_int(d, "d", low=1)
    noise = check_positive(noise, "noise", allow_zero=True)
    rng = numpy_rng(generator)
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
    return torch.from_numpy(X).to(dtype=dtype, device=device)


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
    threshold = check_interval(threshold, "threshold", 0.0, 1.0, closed="right")
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
    * ``method="mle"``: the bias-corrected maximum-likelihood estimate for the censored sample
      of the ``m`` kept ratios, ``(m − 1) / (Σ_{i≤m} log μ_(i) + (n − m) log μ_(m))`` (Eq. (5));
      the maximum-likelihood estimate proper has ``m`` in the numerator and is biased up by
      ``m / (m − 1)``.

    With ``discard_fraction=0`` nothing is discarded, but the largest ratio has ``F = 1`` and
    ``y = −log(1 − F) = ∞``: the linear fit then leaves out that one point (the MLE keeps it).
    Points with an exact duplicate are left out with a warning. Returns a float, or
    ``(d, x, y)`` (the points of the linear fit, NumPy) with ``return_fit=True``.
    """
    discard_fraction = check_interval(discard_fraction, "discard_fraction", 0.0, 1.0, closed="left")
    check_choice(method, "method", ("linear", "mle"))
    X = as_matrix(X, "X", min_rows=3)
    r, _ = _drop_duplicates(knn(X, 2, chunk_size=chunk_size)[0].double(), "twonn")
    return _twonn_impl(r, discard_fraction, method, return_fit)


def twonn_from_distances(r, *, discard_fraction: float = 0.1, method: str = "linear", return_fit: bool = False):
    """The TwoNN estimate (lesson 05, Eq. (4), or Eq. (5) with ``method="mle"``) from neighbour
    distances computed elsewhere: ``r: (n, m)``, each row the ascending distances of a point to its
    nearest other points (``m >= 2``; only the first two columns are used), e.g. from
    :func:`periodic_knn` or :func:`lowdim_utils.neighbors.knn`. Same options and output as :func:`twonn`;
    ``twonn_from_distances(knn(X, 2)[0]) == twonn(X)``."""
    discard_fraction = check_interval(discard_fraction, "discard_fraction", 0.0, 1.0, closed="left")
    check_choice(method, "method", ("linear", "mle"))
    r = _as_distances(r, "r", min_cols=2)
    r, _ = _drop_duplicates(r[:, :2], "twonn_from_distances")
    return _twonn_impl(r, discard_fraction, method, return_fit)


def _as_distances(r, name: str, min_cols: int) -> torch.Tensor:
    r = as_matrix(r, name, min_rows=3).double()
    if r.shape[1] < min_cols:
        raise ValueError(f"{name} must have at least {min_cols} columns (distances to the nearest neighbours), "
                         f"got shape {tuple(r.shape)}.")
    if bool((r < 0).any()):
        raise ValueError(f"{name} must hold distances (non-negative numbers).")
    if bool((r[:, 1:] < r[:, :-1]).any()):
        raise ValueError(f"{name} must be sorted ascending along each row (nearest neighbour first).")
    return r


def _twonn_impl(r: torch.Tensor, discard_fraction: float, method: str, return_fit: bool):
    n = r.shape[0]
    m = int(n * (1 - discard_fraction))
    if m < 2:
        raise ValueError(f"X leaves only {m} usable ratios after discarding {discard_fraction:.0%}; "
                         "need at least 2 (give more points or a smaller discard_fraction).")
    log_mu = torch.sort(torch.log(r[:, 1] / r[:, 0])).values[:m]
    F = torch.arange(1, m + 1, dtype=torch.float64, device=log_mu.device) / n
    fit_x, fit_F = (log_mu[:-1], F[:-1]) if m == n else (log_mu, F)   # F = 1 has y = ∞
    y = -torch.log1p(-fit_F)
    if method == "linear":
        denom = float(fit_x @ fit_x)
        if denom <= 0:
            raise ValueError("X has r2 = r1 for every point (a lattice?): the TwoNN fit is undefined.")
        d = float(fit_x @ y) / denom
    else:
        d = (m - 1) / float(log_mu.sum() + (n - m) * log_mu[-1])
    if return_fit:
        return d, fit_x.cpu().numpy(), y.cpu().numpy()
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

    ``2 <= k <= n - 1``. Points with an exact duplicate are left out with a warning.
    Returns a float, or ``(d, local: (n,))`` with ``return_local=True``: one local estimate per
    row of X, NaN for the points left out.
    """
    check_choice(average, "average", ("inverse", "mean"))
    X = as_matrix(X, "X", min_rows=3)
    if isinstance(k, numbers.Integral) and not isinstance(k, bool) and not 2 <= int(k) <= X.shape[0] - 1:
        raise ValueError(f"k must satisfy 2 <= k <= n - 1 = {X.shape[0] - 1} for {X.shape[0]} points, got {int(k)}.")
    k = check_int(k, "k", low=2, high=X.shape[0] - 1)
    T, keep = _drop_duplicates(knn(X, k, chunk_size=chunk_size)[0].double(), "mle_dimension")
    d, local = _mle_impl(T, keep, average)
    return (d, local.to(X.dtype)) if return_local else d


def mle_from_distances(T, *, average: str = "inverse", return_local: bool = False):
    """The Levina–Bickel estimate (lesson 05, Eqs. (6)–(7)) from neighbour distances computed elsewhere:
    ``T: (n, k)``, each row the ascending distances ``T_1 <= ... <= T_k`` of a point to its ``k >= 2``
    nearest other points (e.g. from :func:`periodic_knn`). Same options and output as
    :func:`mle_dimension` (``local`` is float64); ``mle_from_distances(knn(X, k)[0]) == mle_dimension(X, k)``."""
    check_choice(average, "average", ("inverse", "mean"))
    T = _as_distances(T, "T", min_cols=2)
    T, keep = _drop_duplicates(T, "mle_from_distances")
    d, local = _mle_impl(T, keep, average)
    return (d, local) if return_local else d


def _mle_impl(T: torch.Tensor, keep: torch.Tensor, average: str):
    if T.shape[0] == 0:
        raise ValueError("X has no point without an exact duplicate; the dimension is undefined.")
    k = T.shape[1]
    S = torch.log(T[:, -1:] / T[:, :-1]).sum(dim=1)  # (n,) Σ_j log(T_k / T_j)
    if bool((S <= 0).any()):
        raise ValueError("X has points whose k nearest neighbours are all equidistant; increase k.")
    inv_local = S / (k - 1)
    d = float(1.0 / inv_local.mean()) if average == "inverse" else float((1.0 / inv_local).mean())
    local = torch.full((keep.shape[0],), float("nan"), dtype=torch.float64, device=T.device)
    local[keep] = 1.0 / inv_local
    return d, local


# ----------------------------------------------------------------------------- the flat periodic torus

def periodic_knn(U, k: int, *, period: float = 1.0, chunk_size: int | None = None):
    """The ``k`` nearest neighbours of each point of ``U: (n, d)`` on the flat torus ``[0, period)^d``
    (opposite faces glued), with the minimum-image distance
    ``‖x − y‖ = sqrt(Σ_i min(|x_i − y_i|, period − |x_i − y_i|)²)``.

    Uniform points there are the cleanest test of lesson 05's estimators: the space has no
    boundary and no curvature, so every ball of radius below ``period / 2`` is a Euclidean ball
    and the Poisson model of Thm. 1 holds exactly up to finite ``n``. ``U`` is reduced modulo
    ``period``. Returns ``(distances, indices)``, both ``(n, k)``, distances ascending and in
    float64 (a point is not its own neighbour). Work is done in row blocks of ``chunk_size``
    (default: about 4·10⁶ numbers per block).
    """
    U = as_matrix(U, "U", min_rows=2)
    period = check_positive(period, "period")
    k = check_int(k, "k", low=1, high=U.shape[0] - 1)
    U = torch.remainder(U.double(), period)
    n, d = U.shape
    if chunk_size is None:
        chunk_size = max(1, int(4e6 // max(n * d, 1)))
    chunk_size = check_int(chunk_size, "chunk_size", low=1)
    dists, idx = [], []
    for start in range(0, n, chunk_size):
        block = U[start:start + chunk_size]
        diff = (block[:, None, :] - U[None, :, :]).abs_()
        diff = torch.minimum(diff, period - diff)
        D2 = diff.square_().sum(dim=-1)                                    # (chunk, n)
        rows = torch.arange(block.shape[0], device=U.device)
        D2[rows, rows + start] = float("inf")                               # not its own neighbour
        vals, ind = torch.topk(D2, k, dim=1, largest=False)                 # ascending
        dists.append(vals.sqrt())
        idx.append(ind)
    return torch.cat(dists), torch.cat(idx)
