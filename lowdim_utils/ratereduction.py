"""Coding rate and maximal coding rate reduction, MCR² (lesson 17; reused by lesson 18).

Rows are samples, as everywhere in the course: ``Z: (n, d)`` holds ``n`` features of dimension
``d``. The coding rate of ``Z`` at distortion ``eps`` (lesson 17, Eq. (1)) is

    R(Z) = ½ logdet(I_d + d / (n eps²) · Zᵀ Z),

the number of nats needed to code the rows up to a mean squared error ``eps²`` per coordinate
when they are treated as Gaussian. Given a partition of the rows into classes — hard labels
``(n,)`` or soft memberships ``Π: (n, k)`` whose rows sum to one — the rate of coding each class
separately (Eq. (2)) is

    R_c(Z | Π) = Σ_j tr(Π_j) / (2n) · logdet(I_d + d / (tr(Π_j) eps²) · Zᵀ Π_j Z),

and the rate reduction is ``ΔR = R(Z) − R_c(Z | Π)`` (Eq. (3)). Every function is differentiable
(autograd) and batched over classes; the log-determinant of the smaller of the two Gram matrices
(``d × d`` or ``n × n``, equal by Sylvester's identity) is taken with a Cholesky factorisation.
"""
from __future__ import annotations

import torch

from .validate import as_tensor, check_positive, check_same_device

__all__ = ["coding_rate", "class_coding_rate", "rate_reduction", "memberships"]


def _logdet_spd(M: torch.Tensor) -> torch.Tensor:
    """log det of symmetric positive-definite matrices ``(..., m, m)`` via Cholesky."""
    L = torch.linalg.cholesky(M)
    return 2.0 * torch.log(torch.diagonal(L, dim1=-2, dim2=-1)).sum(-1)


def _features(Z, name="Z"):
    Z = as_tensor(Z, name, ndim=2, min_rows=1)
    if Z.dtype in (torch.float16, torch.bfloat16):
        Z = Z.float()
    return Z


def _rate(Z, eps, weight=None):
    """½ logdet(I + d/(m eps²) Zᵀ W Z) with m = tr(W) (all rows when ``weight`` is None)."""
    n, d = Z.shape
    if weight is None:
        m = float(n)
        a = d / (m * eps ** 2)
        if d <= n:
            G = Z.T @ Z
        else:
            G = Z @ Z.T
    else:
        m = weight.sum()
        a = d / (m * eps ** 2)
        if d <= n:
            G = (Z * weight[:, None]).T @ Z
        else:
            s = weight.sqrt()
            G = (Z * s[:, None]) @ (Z * s[:, None]).T
    eye = torch.eye(G.shape[0], dtype=Z.dtype, device=Z.device)
    return 0.5 * _logdet_spd(eye + a * G)


def coding_rate(Z, eps: float = 0.5) -> torch.Tensor:
    """The coding rate ``R(Z)`` of lesson 17, Eq. (1), in nats: a scalar tensor.

    ``Z: (n, d)`` (rows are samples); ``eps > 0`` is the allowed distortion. Differentiable.
    """
    Z = _features(Z)
    eps = check_positive(eps, "eps")
    return _rate(Z, eps)


def memberships(labels, n: int | None = None, n_classes: int | None = None, *, dtype=torch.float32,
                device=None) -> torch.Tensor:
    """Soft memberships ``Π: (n, k)`` from hard labels ``(n,)`` (one-hot), or checked if already ``(n, k)``.

    Rows of a soft ``Π`` must be non-negative and sum to one (tolerance 1e-4).
    """
    if isinstance(labels, torch.Tensor):
        t = labels
    else:
        import numpy as np
        t = torch.as_tensor(np.asarray(labels))
    if t.dim() == 1:
        if t.dtype.is_floating_point:
            if not bool((t == t.round()).all()):
                raise ValueError("labels of shape (n,) must be integer class indices; pass soft memberships "
                                 "as an (n, k) matrix.")
            t = t.long()
        if t.dtype == torch.bool or not (t.dtype in (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8)):
            raise TypeError(f"labels must be integer class indices or an (n, k) membership matrix, got dtype {t.dtype}.")
        if t.numel() == 0:
            raise ValueError("labels must not be empty.")
        if int(t.min()) < 0:
            raise ValueError(f"labels must be non-negative class indices, got minimum {int(t.min())}.")
        k = int(t.max()) + 1 if n_classes is None else int(n_classes)
        if int(t.max()) >= k:
            raise ValueError(f"labels has class {int(t.max())} but n_classes is {k}.")
        P = torch.nn.functional.one_hot(t.long(), k).to(dtype)
    elif t.dim() == 2:
        P = as_tensor(t, "labels", ndim=2)
        if bool((P < 0).any()) or not torch.allclose(P.sum(1), torch.ones((), dtype=P.dtype, device=P.device), atol=1e-4):
            raise ValueError("labels given as an (n, k) membership matrix must be non-negative with rows summing to 1.")
        P = P.to(dtype)
    else:
        raise ValueError(f"labels must have shape (n,) or (n, k), got shape {tuple(t.shape)}.")
    if n is not None and P.shape[0] != n:
        raise ValueError(f"labels must have one entry per row of Z ({n}), got {P.shape[0]}.")
    return P.to(device) if device is not None else P


def class_coding_rate(Z, labels, eps: float = 0.5, *, n_classes: int | None = None) -> torch.Tensor:
    """The rate of coding each class separately, ``R_c(Z | Π)`` of lesson 17, Eq. (2): a scalar tensor.

    ``Z: (n, d)``; ``labels``: hard class indices ``(n,)`` or soft memberships ``(n, k)`` (rows sum
    to one; differentiable in them too). Empty classes contribute nothing.
    """
    Z = _features(Z)
    eps = check_positive(eps, "eps")
    P = memberships(labels, Z.shape[0], n_classes, dtype=Z.dtype, device=None)
    if isinstance(labels, torch.Tensor):
        check_same_device(Z=Z, labels=P)
    P = P.to(Z.device)
    n = Z.shape[0]
    total = Z.new_zeros(())
    for j in range(P.shape[1]):
        w = P[:, j]
        m = w.sum()
        if float(m.detach()) <= 1e-12:
            continue
        total = total + m / (2 * n) * 2 * _rate(Z, eps, w)
    return total


def rate_reduction(Z, labels, eps: float = 0.5, *, n_classes: int | None = None) -> torch.Tensor:
    """ΔR = R(Z) − R_c(Z | Π), lesson 17, Eq. (3): a scalar tensor (MCR² maximises it)."""
    Z = _features(Z)
    return coding_rate(Z, eps) - class_coding_rate(Z, labels, eps, n_classes=n_classes)
