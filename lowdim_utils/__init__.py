"""lowdim_utils — the shared package of the LowDim course.

Infrastructure: :mod:`~lowdim_utils.device` (device choice, seeding),
:mod:`~lowdim_utils.data` (datasets with checksums), :mod:`~lowdim_utils.plotting`,
:mod:`~lowdim_utils.bench` (timings), :mod:`~lowdim_utils.exercises` (checks),
:mod:`~lowdim_utils.widgets` (interactive figures), :mod:`~lowdim_utils.validate`.
Methods: one module per family of lessons, e.g. :mod:`~lowdim_utils.linear` (lesson 01).
"""
from .device import describe_device, get_device, seed_everything, synchronize
from .plotting import set_style, show_images
from .bench import Benchmark, time_it
from .exercises import check
from .widgets import explore

__version__ = "0.1.0"

import os as _os


def scale(default: str = "small") -> str:
    """The size of a lesson's experiments: ``LOWDIM_SCALE`` = ``small`` (CPU, default) or ``full`` (GPU)."""
    value = _os.environ.get("LOWDIM_SCALE", default)
    if value not in ("small", "full"):
        raise ValueError(f"LOWDIM_SCALE must be 'small' or 'full', got {value!r}.")
    return value


__all__ = ["get_device", "describe_device", "seed_everything", "synchronize", "set_style", "show_images",
           "Benchmark", "time_it", "check", "explore", "scale"]
