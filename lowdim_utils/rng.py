"""Randomness: one policy for every function of :mod:`lowdim_utils` that draws random numbers.

Each such function takes a ``generator`` argument, which may be

* an **int seed** — a fresh ``torch.Generator`` seeded with it: the same numbers at every call;
* a **torch.Generator** — used as it is, so its stream advances from call to call;
* **None** — torch's global generator (``torch.default_generator``), which
  :func:`lowdim_utils.setup` (or ``torch.manual_seed``) seeds: consecutive calls differ, and a
  lesson run top to bottom after ``lu.setup(seed=0)`` is reproducible.

Library code never re-seeds a global generator. Numbers are drawn on the generator's device
(the CPU unless you pass a CUDA generator) and then moved to where they are needed, so one
seed gives the same numbers on every device. Code that needs NumPy's random generator
(a few samplers of test data) derives it from the torch generator with :func:`numpy_rng`.
"""
from __future__ import annotations

import numbers

import numpy as np
import torch

__all__ = ["as_generator", "numpy_rng", "randn", "rand", "randint", "randperm"]


def as_generator(generator, name: str = "generator") -> torch.Generator:
    """The ``torch.Generator`` that ``generator`` (None, an int seed or a Generator) stands for."""
    if generator is None:
        return torch.default_generator
    if isinstance(generator, torch.Generator):
        return generator
    if isinstance(generator, numbers.Integral) and not isinstance(generator, bool):
        seed = int(generator)
        if not 0 <= seed < 2**63:
            raise ValueError(f"{name} must be a seed in [0, 2**63), got {seed}.")
        return torch.Generator().manual_seed(seed)
    raise TypeError(f"{name} must be None, an int seed or a torch.Generator, got {generator!r} "
                    f"({type(generator).__name__}).")


def numpy_rng(generator, name: str = "generator") -> np.random.Generator:
    """A NumPy ``Generator`` seeded from ``generator`` (policy above): an int seed gives the same
    NumPy stream every time; a torch generator (or None) advances by one draw."""
    g = as_generator(generator, name)
    seed = int(torch.randint(0, 2**62, (1,), generator=g, device=g.device))
    return np.random.default_rng(seed)


def randn(*shape, generator=None, dtype=torch.float32, device=None) -> torch.Tensor:
    """Standard normal numbers of ``shape``, drawn on the generator's device, moved to ``device``."""
    g = as_generator(generator)
    out = torch.randn(*shape, generator=g, dtype=dtype, device=g.device)
    return out if device is None else out.to(device)


def rand(*shape, generator=None, dtype=torch.float32, device=None) -> torch.Tensor:
    """Uniform numbers in [0, 1) of ``shape`` (see :func:`randn`)."""
    g = as_generator(generator)
    out = torch.rand(*shape, generator=g, dtype=dtype, device=g.device)
    return out if device is None else out.to(device)


def randint(low: int, high: int, shape, *, generator=None, device=None) -> torch.Tensor:
    """int64 numbers uniform in ``[low, high)`` of ``shape`` (a tuple; see :func:`randn`)."""
    g = as_generator(generator)
    out = torch.randint(low, high, tuple(shape), generator=g, device=g.device)
    return out if device is None else out.to(device)


def randperm(n: int, *, generator=None, device=None) -> torch.Tensor:
    """A random permutation of ``0..n-1`` (int64; see :func:`randn`)."""
    g = as_generator(generator)
    out = torch.randperm(n, generator=g, device=g.device)
    return out if device is None else out.to(device)
