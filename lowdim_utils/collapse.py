"""Probing and neural collapse (lesson 21): linear and k-sparse probes, NC1–NC4, the simplex ETF.

* :func:`simplex_etf`, :func:`etf_gram` — ``K`` unit vectors with pairwise cosines ``−1/(K−1)``, the
  configuration that class means converge to in the terminal phase of training (lesson 21, Eq. (11));
* :func:`nc_metrics` — Papyan, Han & Donoho's (2020) four collapse measures of penultimate-layer features
  ``H: (n, d)`` with labels ``y`` and a linear classifier ``(W, b)``: within-class variability
  ``NC1 = tr(Σ_W Σ_B⁺)/K`` (Eq. (10)), distance of the class means to an ETF (NC2), classifier–mean duality
  (NC3) and disagreement with the nearest-class-mean rule (NC4) (Eq. (12));
* :func:`rank_neurons`, :func:`sparse_probe` — Gurnee et al.'s (2023) k-sparse probing: rank neurons by
  the difference of the class means of a binary task, train a probe on the top ``k`` only. The dense probe is
  lesson 15's :func:`~lowdim_utils.contrastive.linear_probe`.
"""
from __future__ import annotations

import math

import torch

from .contrastive import linear_probe
from .rng import as_generator
from .training import _labels
from .validate import as_matrix, as_tensor, check_int

__all__ = ["simplex_etf", "etf_gram", "class_means", "nc_metrics", "rank_neurons", "sparse_probe", "linear_probe"]


def etf_gram(K: int, *, dtype=torch.float64, device=None) -> torch.Tensor:
    """The Gram matrix of a simplex ETF of ``K`` unit vectors, ``K/(K−1) (I − 11ᵀ/K)`` (lesson 21, Eq. (11)):
    ones on the diagonal, ``−1/(K−1)`` elsewhere. ``(K, K)``."""
    K = check_int(K, "K", low=2)
    return K / (K - 1) * (torch.eye(K, dtype=dtype, device=device) - 1.0 / K)


def simplex_etf(K: int, d: int | None = None, *, generator=None, dtype=torch.float64, device=None) -> torch.Tensor:
    """A simplex equiangular tight frame: ``(d, K)``, unit columns, Gram matrix :func:`etf_gram` (Eq. (11)).

    ``d = K`` (default): ``sqrt(K/(K−1)) (I − 11ᵀ/K)``; ``d = K − 1``: the same vectors in an orthonormal
    basis of the plane ``1ᵀv = 0``; ``d > K``: rotated into ``d`` dimensions by a random orthonormal
    ``U: (d, K)`` drawn from ``generator``. ``d < K − 1`` raises: ``K`` such vectors need ``K − 1`` dimensions.
    """
    K = check_int(K, "K", low=2)
    d = K if d is None else check_int(d, "d", low=1)
    if d < K - 1:
        raise ValueError(f"d must be at least K - 1 = {K - 1} (a simplex of K points spans K - 1 dimensions), got {d}.")
    M = math.sqrt(K / (K - 1)) * (torch.eye(K, dtype=dtype) - 1.0 / K)
    if d == K - 1:
        Q, _ = torch.linalg.qr(torch.eye(K, dtype=dtype) - 1.0 / K)           # columns span 1^⊥ (first K−1)
        M = Q[:, :K - 1].T @ M
    elif d > K:
        g = as_generator(generator)
        U, _ = torch.linalg.qr(torch.randn(d, K, generator=g, device=g.device, dtype=dtype))
        M = U @ M
    return M.to(device)


def _features(H, y):
    H = as_matrix(H, "H", min_rows=2).detach()
    if H.dtype not in (torch.float32, torch.float64):
        H = H.float()
    y = _labels(y, H)
    classes = torch.unique(y)
    if len(classes) < 2:
        raise ValueError("y must contain at least two classes.")
    return H, y, classes


def class_means(H, y):
    """Class means ``(K, d)`` of ``H: (n, d)`` (rows of the classes in ``torch.unique(y)`` order) and the
    global mean ``(d,)``."""
    H, y, classes = _features(H, y)
    mu = torch.stack([H[y == c].mean(0) for c in classes])
    return mu, H.mean(0)


def nc_metrics(H, y, W=None, b=None) -> dict:
    """Neural-collapse measures of features ``H: (n, d)`` with labels ``y: (n,)`` (lesson 21, Eqs. (10), (12)).

    Returns a dict of floats: ``"nc1"`` = ``tr(Σ_W Σ_B⁺)/K`` (within-class covariance against the pseudo-
    inverse of the between-class covariance of the centred class means); ``"nc2"`` = ``‖G/‖G‖_F −
    G_ETF/‖G_ETF‖_F‖_F`` for the Gram matrix ``G`` of the centred class means (0 for a simplex ETF of any
    size); ``"equinorm"`` = std/mean of their norms; ``"max_angle"`` = max ``|cos + 1/(K−1)|`` over pairs;
    and, with a classifier ``W: (K, d)``, ``b: (K,)``: ``"nc3"`` = ``‖Wᵀ/‖W‖_F − M/‖M‖_F‖_F²`` (``M: (d, K)``
    the centred means) and ``"nc4"`` = the fraction of rows where ``argmax(Wh + b)`` differs from the
    nearest class mean. Classes are the sorted labels; ``W``'s rows must follow that order.
    """
    H, y, classes = _features(H, y)
    K = len(classes)
    mu = torch.stack([H[y == c].mean(0) for c in classes])                        # (K, d)
    mu_g = mu.mean(0)                                                              # global mean of balanced means
    Mc = (mu - mu_g).T                                                             # (d, K)
    idx = torch.searchsorted(classes, y)
    R = H - mu[idx]
    Sw = R.T @ R / H.shape[0]
    Sb = Mc @ Mc.T / K
    out = {"nc1": float(torch.trace(Sw @ torch.linalg.pinv(Sb, hermitian=True)) / K)}
    G = Mc.T @ Mc
    Ge = etf_gram(K, dtype=H.dtype, device=H.device)
    out["nc2"] = float((G / G.norm() - Ge / Ge.norm()).norm())
    norms = Mc.norm(dim=0)
    out["equinorm"] = float(norms.std() / norms.mean())
    cos = G / (norms[:, None] * norms[None, :])
    off = ~torch.eye(K, dtype=torch.bool, device=H.device)
    out["max_angle"] = float((cos[off] + 1.0 / (K - 1)).abs().max())
    if W is not None:
        W = as_matrix(W, "W", dtype=H.dtype, device=H.device).detach()
        if W.shape != (K, H.shape[1]):
            raise ValueError(f"W must be (K, d) = ({K}, {H.shape[1]}), got shape {tuple(W.shape)}.")
        b = torch.zeros(K, dtype=H.dtype, device=H.device) if b is None else as_tensor(
            b, "b", ndim=1, dtype=H.dtype, device=H.device).detach()
        if b.shape[0] != K:
            raise ValueError(f"b must have K = {K} entries, got shape {tuple(b.shape)}.")
        out["nc3"] = float((W.T / W.norm() - Mc / Mc.norm()).norm().square())
        pred = (H @ W.T + b).argmax(1)
        ncc = torch.cdist(H, mu).argmin(1)
        out["nc4"] = float((pred != ncc).double().mean())
    return out


def rank_neurons(H, y_binary) -> torch.Tensor:
    """Neurons (columns of ``H: (n, d)``) ranked by ``|mean over positives − mean over negatives|``, the
    mean-difference ranking of Gurnee et al. (2023), best first; ``y_binary: (n,)`` of 0/1. ``(d,)`` indices."""
    H = as_matrix(H, "H", min_rows=2).detach()
    y = _labels(y_binary, H, "y_binary")
    if not bool(((y == 0) | (y == 1)).all()) or len(torch.unique(y)) != 2:
        raise ValueError("y_binary must hold both labels 0 and 1 and nothing else.")
    score = (H[y == 1].mean(0) - H[y == 0].mean(0)).abs()
    return torch.argsort(score, descending=True)


def sparse_probe(train, y_train, test, y_test, k: int, *, steps: int = 200, generator=0) -> float:
    """Test accuracy of a k-sparse probe for a binary task: the ``k`` neurons of ``train: (n, d)`` ranked best
    by :func:`rank_neurons` on the training labels, then a logistic probe on those columns
    (:func:`~lowdim_utils.contrastive.linear_probe`). ``y_train``, ``y_test``: 0/1 labels."""
    train = as_matrix(train, "train", min_rows=2).detach()
    k = check_int(k, "k", low=1, high=train.shape[1])
    cols = rank_neurons(train, y_train)[:k]
    test = as_matrix(test, "test", device=train.device).detach()
    if test.shape[1] != train.shape[1]:
        raise ValueError(f"test must have {train.shape[1]} columns like train, got shape {tuple(test.shape)}.")
    return linear_probe(train[:, cols], y_train, test[:, cols], y_test, steps=steps, generator=generator)
