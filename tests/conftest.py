"""Test-suite setup: network guard everywhere, headless plotting, static widgets, CPU only."""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUARD_DIR = ROOT / "tests" / "netguard"

# Every process the tests start (nbval's notebook kernels, graders, book builds) inherits these.
os.environ["LOWDIM_NETGUARD"] = "1"
os.environ["PYTHONPATH"] = os.pathsep.join([str(GUARD_DIR)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
os.environ["LOWDIM_STATIC"] = "1"
os.environ.pop("MPLBACKEND", None)  # kernels must keep their inline backend
os.environ.setdefault("LOWDIM_DEVICE", "cpu")
os.environ.pop("LOWDIM_SCALE", None)

# ... and this process too.
import importlib.util  # noqa: E402

_spec = importlib.util.spec_from_file_location("lowdim_netguard", GUARD_DIR / "sitecustomize.py")
_guard = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_guard)


import matplotlib  # noqa: E402

matplotlib.use("Agg")  # this process only


@pytest.fixture
def root():
    return ROOT
