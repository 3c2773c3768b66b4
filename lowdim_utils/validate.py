"""Input validation shared by every public function of :mod:`lowdim_utils`.

Each helper raises an error whose message starts with the argument's name and says
what was expected, in the style of scikit-learn's ``check_array``::

    >>> as_matrix([[1.0, float("nan")]], "X")
    Traceback (most recent call last):
    ValueError: X contains NaN or infinite values (1 of 2 entries); expected finite values.
"""
from __future__ import annotations

import numbers

import numpy as np
import torch

__all__ = ["as_matrix", "as_tensor", "check_int", "check_rank", "check_same_device", "check_positive"]

_FLOAT_TYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


def as_tensor(x, name: str, *, ndim: int | tuple[int, ...] | None = None, dtype=None,
              device=None, finite: bool = True, min_rows: int = 1) -> torch.Tensor:
    """Convert ``x`` (array-like or tensor) to a floating tensor and validate it.

    Args:
        x: the input; NumPy arrays and nested lists are converted, tensors are kept on their device.
        name: the argument's name, used in every error message.
        ndim: the required number of dimensions (or a tuple of allowed ones).
        dtype: convert to this torch dtype; by default float tensors keep their dtype and
            anything else becomes float32 (float64 NumPy arrays stay float64).
        device: move the result to this device.
        finite: reject NaN and infinity.
        min_rows: the minimum size of the first dimension.
    """
    if isinstance(x, torch.Tensor):
        t = x
    else:
        if isinstance(x, (str, bytes)) or x is None:
            raise TypeError(f"{name} must be an array or tensor of numbers, got {type(x).__name__}.")
        try:
            a = np.asarray(x)
        except Exception as exc:  # ragged lists and the like
            raise TypeError(f"{name} could not be converted to an array: {exc}") from None
        if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
            raise TypeError(f"{name} must hold numbers, got an array of dtype {a.dtype}.")
        t = torch.from_numpy(np.ascontiguousarray(a))
    if t.is_complex():
        raise TypeError(f"{name} must be real, got complex dtype {t.dtype}.")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if t.dim() not in allowed:
            want = " or ".join(str(a) for a in allowed)
            raise ValueError(f"{name} must have {want} dimensions, got shape {tuple(t.shape)} "
                             f"({t.dim()} dimensions).")
    if t.dim() >= 1 and t.shape[0] < min_rows:
        raise ValueError(f"{name} must have at least {min_rows} rows, got shape {tuple(t.shape)}.")
    if dtype is not None:
        t = t.to(dtype)
    elif t.dtype not in _FLOAT_TYPES:
        t = t.to(torch.float32)
    if device is not None:
        t = t.to(device)
    # fast path: a finite sum implies finite entries; otherwise count the bad entries
    if finite and t.numel() and t.device.type != "meta" and not bool(torch.isfinite(t.sum())) and not bool(torch.isfinite(t).all()):
        bad = int((~torch.isfinite(t)).sum())
        raise ValueError(f"{name} contains NaN or infinite values ({bad} of {t.numel()} entries); "
                         "expected finite values.")
    return t


def as_matrix(x, name: str, **kwargs) -> torch.Tensor:
    """:func:`as_tensor` for a 2-D matrix ``(n, d)``."""
    return as_tensor(x, name, ndim=2, **kwargs)


def check_int(value, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int after checking ``low <= value <= high``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__}).")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}.")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}.")
    return value


def check_rank(k, name: str, n: int, d: int) -> int:
    """Check a target rank ``1 <= k <= min(n, d)`` for an ``(n, d)`` matrix."""
    return check_int(k, name, low=1, high=min(n, d)) if _rank_ok(k, n, d) else _rank_error(k, name, n, d)


def _rank_ok(k, n, d):
    return isinstance(k, numbers.Integral) and not isinstance(k, bool) and 1 <= int(k) <= min(n, d)


def _rank_error(k, name, n, d):
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"{name} must be an integer rank, got {k!r} ({type(k).__name__}).")
    raise ValueError(f"{name} must satisfy 1 <= {name} <= min(n, d) = {min(n, d)} for a "
                     f"{n}x{d} matrix, got {int(k)}.")


def check_positive(value, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float after checking it is (non-)negative and finite."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__}).")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        want = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {want}, got {value}.")
    return value


def check_same_device(**tensors: torch.Tensor) -> torch.device:
    """Check that all named tensors live on one device and return it."""
    devices = {n: t.device for n, t in tensors.items() if isinstance(t, torch.Tensor)}
    if len(set(devices.values())) > 1:
        desc = ", ".join(f"{n} on {d}" for n, d in devices.items())
        raise ValueError(f"tensors must be on the same device, got {desc}; move them with .to(device).")
    return next(iter(devices.values())) if devices else torch.device("cpu")
