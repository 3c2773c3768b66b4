"""Device selection, seeding, thread control and the one call that starts a lesson.

The course runs on the CPU by default and uses a GPU when one is present:
:func:`get_device` picks ``cuda`` → ``mps`` → ``cpu`` and says in one line what it picked.
Set ``LOWDIM_DEVICE=cpu`` (or ``cuda``, ``cuda:1``, ``mps``) to override the choice.

:func:`setup` is the first call of every lesson: it applies the plotting style, seeds every
generator, picks the device and reads the experiment scale.

Threads on the CPU
------------------
A laptop with two cores that is also running a browser, or a CI machine running two jobs,
makes multi-threaded code wait: every parallel region of torch (OpenMP) or NumPy/SciPy
(OpenBLAS) ends at a barrier, and a thread that the operating system has paused holds up the
others. For the many small operations of iterative methods (an SVD of a 50×50 matrix, a
step of a small network) one thread loses little on an idle machine and is several times
faster on a busy one. The policy, applied by the library's iterative methods:

* :func:`threads_for` gives 1 thread for operations below :data:`SMALL_WORK` floating-point
  operations and the default count (all cores torch uses) above it;
* :func:`threads` is a context manager that sets torch's thread count *and* the BLAS/OpenMP
  pools of NumPy and SciPy (through threadpoolctl) for a block, so the pools do not fight,
  and restores them afterwards;
* lessons and benchmarks state the thread count they ran with.
"""
from __future__ import annotations

import contextlib
import os
import random
from typing import NamedTuple

import numpy as np
import torch

__all__ = ["get_device", "describe_device", "seed_everything", "synchronize", "scale", "setup", "Setup",
           "threads", "threads_for", "SMALL_WORK"]

_VALID = ("cpu", "cuda", "mps")

#: operations with fewer floating-point operations than this run single-threaded on the CPU.
#: Measured on a 2-core machine with one other busy process: ten epochs of a 784-128-128-5 MLP
#: (1.8e8 flops per step) took 1.3 s on one thread and 8.4 s on two (1.0 s with
#: OMP_WAIT_POLICY=PASSIVE); at 1.4e9 flops per step 0.9 s against 2.3 s (0.85 s passive); 3
#: batched robust-PCA solves of 50x50 matrices 2.1 s against 33.7 s. A second thread never gained
#: more than a few per cent there.
SMALL_WORK = 2e9


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


def seed_everything(seed: int = 0, *, deterministic: bool = False) -> None:
    """Seed Python's, NumPy's and torch's global generators (all devices) with ``seed``.

    Functions of the package called with ``generator=None`` then draw reproducibly (see
    :mod:`lowdim_utils.rng`). ``deterministic=True`` also asks torch for deterministic kernels
    (slower on a GPU).
    """
    from .validate import check_bool, check_int
    seed = check_int(seed, "seed", low=0, high=2**32 - 1)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if check_bool(deterministic, "deterministic"):
        torch.use_deterministic_algorithms(True, warn_only=True)
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")


def scale(default: str = "small") -> str:
    """The size of a lesson's experiments: ``LOWDIM_SCALE`` = ``small`` (CPU, default) or ``full`` (GPU)."""
    value = os.environ.get("LOWDIM_SCALE", default)
    if value not in ("small", "full"):
        raise ValueError(f"LOWDIM_SCALE must be 'small' or 'full', got {value!r}.")
    return value


class Setup(NamedTuple):
    """What :func:`setup` returns: ``device``, ``scale`` (``"small"``/``"full"``) and ``generator``
    (a CPU ``torch.Generator`` seeded with the lesson's seed, for functions that take one)."""

    device: torch.device
    scale: str
    generator: torch.Generator


def setup(seed: int = 0, *, device: str | None = None, style: bool = True, verbose: bool = True) -> Setup:
    """Start a lesson: plotting style, seeds, device, scale.

    ``device, SCALE, gen = lu.setup(seed=0)`` replaces the four-line preamble
    (``set_style``, ``get_device``, ``seed_everything``, ``scale``). ``device`` overrides the
    automatic choice (as ``LOWDIM_DEVICE`` does). Returns a :class:`Setup`.
    """
    if style:
        from .plotting import set_style
        set_style()
    seed_everything(seed)
    dev = get_device(device, verbose=verbose)
    return Setup(dev, scale(), torch.Generator().manual_seed(seed))


# ----------------------------------------------------------------------------- threads

def default_threads() -> int:
    """The thread count torch chose for this process (its number of physical cores), or
    ``LOWDIM_THREADS`` when set."""
    env = os.environ.get("LOWDIM_THREADS")
    if env:
        from .validate import check_int
        try:
            return check_int(int(env), "LOWDIM_THREADS", low=1)
        except ValueError as exc:
            raise ValueError(f"LOWDIM_THREADS must be a positive integer, got {env!r}.") from exc
    return _DEFAULT_THREADS


_DEFAULT_THREADS = torch.get_num_threads()


@contextlib.contextmanager
def threads(n: int | None):
    """Run a block with ``n`` threads in torch and in NumPy's/SciPy's BLAS and OpenMP pools.

    ``n=None`` leaves everything as it is. The previous settings are restored on exit (also
    when the block raises). Example: ``with lu.threads(1): ...``.
    """
    if n is None:
        yield
        return
    from .validate import check_int
    n = check_int(n, "n", low=1)
    before = torch.get_num_threads()
    controller = _controller()
    limiter = controller.limit(limits=n) if controller is not None else contextlib.nullcontext()
    try:
        with limiter:
            if n != before:
                torch.set_num_threads(n)
            yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


_CONTROLLER = [None, -1]   # threadpoolctl's controller and len(sys.modules) when it was made


def _controller():
    """threadpoolctl's view of the loaded BLAS/OpenMP libraries, made again only when new modules
    (hence possibly new libraries) were imported: inspecting the libraries costs ~0.3 ms, a
    cached controller ~0.01 ms per block."""
    import sys
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        return None
    if _CONTROLLER[0] is None or _CONTROLLER[1] != len(sys.modules):
        _CONTROLLER[0], _CONTROLLER[1] = ThreadpoolController(), len(sys.modules)
    return _CONTROLLER[0]


def threads_for(work: float, device=None) -> int | None:
    """The thread count for an operation of ``work`` floating-point operations on ``device``:
    1 below :data:`SMALL_WORK` on the CPU, else the default (None = leave as it is; also for GPUs)."""
    if device is not None and torch.device(device).type != "cpu":
        return None
    return 1 if work < SMALL_WORK else None
