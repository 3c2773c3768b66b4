"""Device selection and seeding.

The course runs on the CPU by default machine and uses a GPU when one is present:
:func:`get_device` picks ``cuda`` → ``mps`` → ``cpu`` and says in one line what it picked.
Set ``LOWDIM_DEVICE=cpu`` (or ``cuda``, ``cuda:1``, ``mps``) to override the choice.
"""
from __future__ import annotations

import os
import random

import numpy as np
import torch

__all__ = ["get_device", "describe_device", "seed_everything", "synchronize"]

_VALID = ("cpu", "cuda", "mps")


def _available(kind: str) -> bool:
    if kind == "cuda":
        return torch.cuda.is_available()
    if kind == "mps":
        return bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
    return kind == "cpu"


def get_device(prefer: str | None = None, *, verbose: bool = True) -> torch.device:
    """Return the device lessons compute on.

    Order: the argument ``prefer``, else the environment variable ``LOWDIM_DEVICE``,
    else the first available of ``cuda``, ``mps``, ``cpu``. With ``verbose`` a single
    line reports the choice and why.
    """
    source = "argument prefer"
    if prefer is None:
        prefer = os.environ.get("LOWDIM_DEVICE") or None
        source = "LOWDIM_DEVICE"
    if prefer is not None:
        if not isinstance(prefer, (str, torch.device)):
            raise TypeError(f"prefer must be a device name such as 'cpu' or 'cuda', got {prefer!r}.")
        try:
            dev = torch.device(prefer)
        except RuntimeError:
            dev = None
        if dev is None or dev.type not in _VALID:
            raise ValueError(f"{source} must name one of {_VALID}, got {str(prefer)!r}.")
        if not _available(dev.type):
            raise RuntimeError(f"{source} asks for {str(prefer)!r}, but no {dev.type} device is "
                               "available here; unset it or use 'cpu'.")
        why = f"requested by {source}"
    else:
        kind = next(k for k in _VALID if _available(k))
        dev = torch.device(kind)
        why = "no GPU found" if kind == "cpu" else "GPU found"
    if verbose:
        print(f"lowdim: computing on {describe_device(dev)} ({why}; override with LOWDIM_DEVICE)")
    return dev


def describe_device(device: torch.device | str) -> str:
    """A short human-readable name, e.g. ``cuda:0 (NVIDIA H100)`` or ``cpu (2 threads)``."""
    device = torch.device(device)
    if device.type == "cuda":
        idx = device.index if device.index is not None else torch.cuda.current_device()
        return f"cuda:{idx} ({torch.cuda.get_device_name(idx)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return str(device)


def synchronize(device: torch.device | str | None = None) -> None:
    """Wait for queued kernels on ``device`` (a no-op on the CPU); needed for honest timings."""
    device = torch.device(device) if device is not None else None
    if device is None or device.type == "cuda":
        if torch.cuda.is_available():
            torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def seed_everything(seed: int = 0, *, deterministic: bool = False) -> torch.Generator:
    """Seed Python, NumPy and torch (all devices); return a CPU ``torch.Generator`` seeded alike.

    ``deterministic=True`` additionally asks torch for deterministic kernels (slower on GPU).
    """
    from .validate import check_int
    seed = check_int(seed, "seed", low=0, high=2**32 - 1)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    return torch.Generator().manual_seed(seed)
