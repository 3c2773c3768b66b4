"""Soft thresholding, the proximal operator of the ℓ₁ norm (lessons 03, 04, 18).

``soft_threshold(V, t) = sign(V) · max(|V| − t, 0)`` entrywise solves
``argmin_Z ½‖Z − V‖² + t‖Z‖₁`` (lesson 03, Eq. (4)); with ``nonnegative=True`` it is the prox of
``t‖Z‖₁ + [Z ≥ 0]``, i.e. ``max(V − t, 0)`` (CRATE's ISTA block, lesson 18). Lesson 04's
``shrink`` and the ISTA/FISTA/LISTA iterations all call this one function.
"""
from __future__ import annotations

import torch

from .validate import as_tensor, check_bool, check_positive

__all__ = ["soft_threshold"]


def soft_threshold(V, t, *, nonnegative: bool = False) -> torch.Tensor:
    """``sign(v)·max(|v| − t, 0)`` entrywise (or ``max(v − t, 0)`` with ``nonnegative``).

    ``V``: any shape (tensor on any device, or array); ``t``: a number ``>= 0`` or a
    non-negative tensor broadcastable to ``V`` (e.g. one threshold per atom ``(m,)``, or per
    matrix ``(B, 1, 1)``) on V's device. Differentiable almost everywhere (LISTA trains through it).
    """
    V = as_tensor(V, "V")
    nonnegative = check_bool(nonnegative, "nonnegative")
    if isinstance(t, torch.Tensor):
        if t.device != V.device:
            raise ValueError(f"t is on {t.device} but V is on {V.device}; move t with .to(V.device).")
        td = t.detach()
        if not bool(torch.isfinite(td).all()) or bool((td < 0).any()):
            raise ValueError("t must be finite and >= 0 everywhere.")
        try:
            torch.broadcast_shapes(t.shape, V.shape)
        except RuntimeError:
            raise ValueError(f"t of shape {tuple(t.shape)} does not broadcast against V of shape "
                             f"{tuple(V.shape)}.") from None
        t = t.to(V.dtype)
    else:
        t = check_positive(t, "t", allow_zero=True)
    return _soft_threshold(V, t, nonnegative)


def _soft_threshold(V, t, nonnegative=False):
    """Unvalidated :func:`soft_threshold` for hot loops (``V − clamp(V, −t, t)`` = sign·max(|V|−t, 0))."""
    if nonnegative:
        return torch.relu(V - t)
    if isinstance(t, torch.Tensor):
        return V - torch.maximum(torch.minimum(V, t), -t)
    return V - V.clamp(-t, t)
