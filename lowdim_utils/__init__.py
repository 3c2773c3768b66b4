"""lowdim_utils — the shared package of the LowDim course.

A lesson starts with one call::

    import lowdim_utils as lu
    device, SCALE, gen = lu.setup(seed=0)

The package is layered; code flows one way, from the bottom up (``tests/test_layers.py``
enforces it, reading :data:`LAYERS`):

1. **infrastructure** — :mod:`~lowdim_utils.validate` (input checks, the data policy),
   :mod:`~lowdim_utils.rng` (the randomness policy), :mod:`~lowdim_utils.plotting`,
   :mod:`~lowdim_utils.device` (device, seeding, threads, :func:`setup`),
   :mod:`~lowdim_utils.progress`, :mod:`~lowdim_utils.widgets`, :mod:`~lowdim_utils.data`,
   :mod:`~lowdim_utils.bench`;
2. **shared primitives** — :mod:`~lowdim_utils.neighbors` (k-nearest neighbours),
   :mod:`~lowdim_utils.prox` (soft thresholding), :mod:`~lowdim_utils.signs` (sign conventions),
   :mod:`~lowdim_utils.training` (one training loop, parameter counting);
3. **method families**, one module per family, in lesson order: :mod:`~lowdim_utils.linear` (01),
   :mod:`~lowdim_utils.projections` (02), :mod:`~lowdim_utils.sparse` (03),
   :mod:`~lowdim_utils.robust` (04), :mod:`~lowdim_utils.intrinsic` and
   :mod:`~lowdim_utils.subspace` (05), :mod:`~lowdim_utils.lora` (06),
   :mod:`~lowdim_utils.manifold` (07), :mod:`~lowdim_utils.autoencoders` (08),
   :mod:`~lowdim_utils.sgns` (09; reused by 10 and 11), :mod:`~lowdim_utils.docvec` (10),
   :mod:`~lowdim_utils.graphs` (11), :mod:`~lowdim_utils.hyperbolic` (12),
   :mod:`~lowdim_utils.hdc` (13), :mod:`~lowdim_utils.tables` (14), :mod:`~lowdim_utils.contrastive` (15),
   :mod:`~lowdim_utils.matryoshka` (16), :mod:`~lowdim_utils.ratereduction` (17; reused by 18),
   :mod:`~lowdim_utils.crate` (18), :mod:`~lowdim_utils.diffusion` (19), :mod:`~lowdim_utils.similarity` (20);
   a family may import earlier families, never later ones;
4. **course machinery** — :mod:`lowdim_utils.course` (exercise checks, releases, grading): the
   only code that knows the layout of a course checkout.

``import lowdim_utils`` is light: submodules (and torch, matplotlib) load on first use.
"""
from __future__ import annotations

import importlib
import os as _os
import sys as _sys

# Idle OpenMP threads (torch's, MKL's) sleep instead of spinning: on a busy laptop a spinning
# thread steals the core its partner is waiting for (measured: a training loop 8x slower). The
# setting is read when torch loads, so it only helps when lowdim_utils is imported first, as the
# lessons do; `make` sets it for every kernel anyway. An explicit setting is left alone.
if "torch" not in _sys.modules:
    _os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# Likewise OpenBLAS (NumPy's and SciPy's) keeps idle workers spinning ~0.1-0.2 s after a call, which
# slowed the next library's threads 2x on two cores; 2^20 cycles (~0.4 ms) lets them sleep between
# libraries (Appendix A). Read when NumPy loads OpenBLAS, so it helps when lowdim_utils comes first.
if "numpy" not in _sys.modules:
    _os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "20")

__version__ = "0.2.0"

#: The layers of the package, bottom to top, each listing its modules in the order in
#: which they may import one another: a module may import any module of a lower layer and
#: the modules listed before it in its own layer.
LAYERS: dict[str, list[str]] = {
    "infrastructure": ["validate", "rng", "plotting", "device", "progress", "widgets", "data", "bench"],
    "primitives": ["neighbors", "prox", "signs", "training"],
    "families": ["linear", "projections", "sparse", "robust", "intrinsic", "subspace", "lora", "manifold",
                 "autoencoders", "sgns", "docvec", "graphs", "hyperbolic",
                 "hdc", "tables", "contrastive", "matryoshka", "ratereduction", "crate", "diffusion",
                 "similarity", "superposition", "collapse", "fields", "splatting", "dynamics",
                 "distributed"],
    "course": ["course"],
}

_SUBMODULES = {m for mods in LAYERS.values() for m in mods}

#: names available as ``lu.<name>``, and the submodule each comes from
_EXPORTS = {
    "setup": "device", "get_device": "device", "describe_device": "device", "seed_everything": "device",
    "synchronize": "device", "scale": "device", "threads": "device",
    "set_style": "plotting", "show_images": "plotting", "PALETTE": "plotting",
    "Benchmark": "bench", "time_it": "bench", "measure": "bench",
    "progress_bar": "progress",
    "explore": "widgets",
    "to_numpy": "validate",
    "check": "course", "show_solution": "course",
}

__all__ = sorted(_EXPORTS) + ["LAYERS", "__version__"]


def __getattr__(name: str):
    if name in _EXPORTS:
        module = importlib.import_module(f".{_EXPORTS[name]}", __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'lowdim_utils' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS) | _SUBMODULES)
