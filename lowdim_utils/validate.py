"""Input validation shared by every public function of :mod:`lowdim_utils`.

Each helper raises an error whose message starts with the argument's name and says
what was expected, in the style of scikit-learn's ``check_array``::

    >>> as_matrix([[1.0, float("nan")]], "X")
    Traceback (most recent call last):
    ValueError: X contains NaN or infinite values (1 of 2 entries); expected finite values.

The package's data policy (one rule for every function)
--------------------------------------------------------
* **In**: arrays are accepted as torch tensors (any device, kept there) or anything NumPy
  converts (lists, NumPy arrays in either byte order). Integer and boolean inputs become
  float32, float64 stays float64.
* **Half precision**: float16 and bfloat16 inputs are computed in float32 and the results
  are float32 (half precision is too coarse for SVDs, eigensolvers and sums of squares).
* **Gradients**: tensors that require grad are accepted. Functions documented as
  differentiable keep the autograd graph; the others return results without a graph.
* **Out**: results are torch tensors on the input's device (Python floats for scalars).
  Data loaders (:mod:`lowdim_utils.data`) return NumPy arrays, like scikit-learn's;
  ``torch.from_numpy(a)`` / :func:`to_numpy` convert between the two.
* **Hot loops** that call public functions repeatedly can skip the re-validation (and the
  host–device synchronisation a finiteness check costs on a GPU) with ``with assume_valid():``
  — scikit-learn's ``assume_finite``. Shapes and types are still checked; finiteness is not.
"""
from __future__ import annotations

import contextlib
import contextvars
import math
import numbers
from collections.abc import Iterable

import numpy as np

__all__ = ["as_matrix", "as_tensor", "to_numpy", "check_int", "check_rank", "check_same_device", "check_positive",
           "check_interval", "check_choice", "check_bool", "check_dtype", "assume_valid", "validation_enabled"]

# torch is imported on first use, so that torch-free users (the data loaders) stay light to import


def _torch():
    import torch
    return torch


def _float_types():
    torch = _torch()
    return (torch.float32, torch.float64)


def _half_types():
    torch = _torch()
    return (torch.float16, torch.bfloat16)

_ASSUME_VALID = contextvars.ContextVar("lowdim_assume_valid", default=False)


@contextlib.contextmanager
def assume_valid():
    """Within this block, :func:`as_tensor` skips the finiteness check of its inputs.

    For hot loops that pass already-validated tensors to public functions again and again
    (on a GPU each finiteness check waits for the device).
    """
    token = _ASSUME_VALID.set(True)
    try:
        yield
    finally:
        _ASSUME_VALID.reset(token)


def validation_enabled() -> bool:
    """False inside :func:`assume_valid`."""
    return not _ASSUME_VALID.get()


def _native(a: np.ndarray) -> np.ndarray:
    """A C-contiguous copy in native byte order (torch cannot read big-endian arrays)."""
    if a.dtype.byteorder not in ("=", "|") and a.dtype.byteorder != ("<" if np.little_endian else ">"):
        a = a.astype(a.dtype.newbyteorder("="))
    return np.ascontiguousarray(a)


def as_tensor(x, name: str, *, ndim: int | tuple[int, ...] | None = None, dtype=None,
              device=None, finite: bool = True, min_rows: int = 1):
    """Convert ``x`` (array-like or tensor) to a floating tensor and validate it.

    Args:
        x: the input; NumPy arrays (either byte order) and nested lists are converted,
            tensors are kept on their device (and keep ``requires_grad``).
        name: the argument's name, used in every error message.
        ndim: the required number of dimensions (or a tuple of allowed ones).
        dtype: convert to this torch dtype; by default float32/float64 are kept, half
            precision becomes float32 and anything else becomes float32 (see the data policy).
        device: move the result to this device.
        finite: reject NaN and infinity (skipped inside :func:`assume_valid`).
        min_rows: the minimum size of the first dimension.
    """
    torch = _torch()
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
        t = torch.from_numpy(_native(a))
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
        t = t.to(check_dtype(dtype, "dtype", allow_half=True))
        if t.dtype in _half_types():
            t = t.to(torch.float32)
    elif t.dtype not in _float_types():
        t = t.to(torch.float32)
    if device is not None:
        t = t.to(device)
    if finite and validation_enabled() and t.numel() and t.device.type != "meta":
        d = t.detach()
        # fast path: a finite sum implies finite entries; otherwise count the bad entries
        if not bool(torch.isfinite(d.sum())) and not bool(torch.isfinite(d).all()):
            bad = int((~torch.isfinite(d)).sum())
            raise ValueError(f"{name} contains NaN or infinite values ({bad} of {t.numel()} entries); "
                             "expected finite values.")
    return t


def as_matrix(x, name: str, **kwargs):
    """:func:`as_tensor` for a 2-D matrix ``(n, d)``."""
    return as_tensor(x, name, ndim=2, **kwargs)


def to_numpy(x) -> np.ndarray:
    """A NumPy array of ``x``: a tensor on any device (detached, copied to the CPU; half precision
    as float32), or anything ``np.asarray`` takes. The one way lessons hand results to NumPy code."""
    torch = _torch()
    if isinstance(x, torch.Tensor):
        x = x.detach()
        if x.dtype in _half_types():
            x = x.float()
        return x.cpu().numpy()
    return np.asarray(x)


def check_dtype(dtype, name: str = "dtype", *, allow_half: bool = False):
    """A float torch dtype: float32 or float64 (and float16/bfloat16 with ``allow_half``)."""
    torch = _torch()
    allowed = _float_types() + (_half_types() if allow_half else ())
    if not isinstance(dtype, torch.dtype) or dtype not in allowed:
        names = ", ".join(str(a) for a in allowed)
        raise TypeError(f"{name} must be one of {names}, got {dtype!r}.")
    return dtype


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
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"{name} must be an integer rank, got {k!r} ({type(k).__name__}).")
    if not 1 <= int(k) <= min(n, d):
        raise ValueError(f"{name} must satisfy 1 <= {name} <= min(n, d) = {min(n, d)} for a "
                         f"{n}x{d} matrix, got {int(k)}.")
    return int(k)


def check_positive(value, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float after checking it is (non-)negative and finite."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__}).")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        want = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {want}, got {value}.")
    return value


def check_interval(value, name: str, low: float | None = None, high: float | None = None, *,
                   closed: str = "both") -> float:
    """Return ``value`` as a float after checking it lies in an interval.

    ``closed``: which ends belong to the interval — ``"both"`` ``[low, high]``, ``"left"``
    ``[low, high)``, ``"right"`` ``(low, high]``, ``"neither"`` ``(low, high)``. A missing
    bound is infinite (and open). NaN and infinities are rejected.
    """
    if closed not in ("both", "left", "right", "neither"):
        raise ValueError(f"closed must be one of ['both', 'left', 'right', 'neither'], got {closed!r}.")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__}).")
    value = float(value)
    lo_ok = low is None or (value >= low if closed in ("both", "left") else value > low)
    hi_ok = high is None or (value <= high if closed in ("both", "right") else value < high)
    if not math.isfinite(value) or not (lo_ok and hi_ok):
        left = "(-inf" if low is None else ("[" if closed in ("both", "left") else "(") + f"{low:g}"
        right = "inf)" if high is None else f"{high:g}" + ("]" if closed in ("both", "right") else ")")
        raise ValueError(f"{name} must lie in {left}, {right}, got {value}.")
    return value


def check_choice(value, name: str, choices: Iterable):
    """Return ``value`` if it is one of ``choices``; otherwise a ValueError listing them."""
    choices = list(choices)
    try:
        ok = value in choices
    except TypeError:  # unhashable/uncomparable values
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}.")
    return value


def check_bool(value, name: str) -> bool:
    """Return ``value`` as a bool; only True/False (and NumPy booleans) are accepted."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}.")
    return bool(value)


def check_same_device(**tensors):
    """Check that all named tensors live on one device and return it."""
    torch = _torch()
    devices = {n: t.device for n, t in tensors.items() if isinstance(t, torch.Tensor)}
    if len(set(devices.values())) > 1:
        desc = ", ".join(f"{n} on {d}" for n, d in devices.items())
        raise ValueError(f"tensors must be on the same device, got {desc}; move them with .to(device).")
    return next(iter(devices.values())) if devices else torch.device("cpu")
