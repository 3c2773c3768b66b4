"""Test-suite setup: network guard everywhere, headless plotting, static widgets, CPU kernels,
a ``device`` fixture over every device present, and oracle libraries that must import in CI."""
import importlib
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUARD_DIR = ROOT / "tests" / "netguard"

# Every process the tests start (nbval's notebook kernels, graders, book builds) inherits these.
os.environ["LOWDIM_NETGUARD"] = "1"
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")   # as `make` sets it (see lowdim_utils/__init__.py)
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "20")   # likewise (Makefile, lowdim_utils/__init__.py)
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

import torch  # noqa: E402


def _devices():
    """Every device this machine has: the CPU, plus CUDA and MPS when present. The notebook
    kernels stay on the CPU (LOWDIM_DEVICE above); unit tests that take ``device`` run on all."""
    out = ["cpu"]
    if torch.cuda.is_available():
        out.append("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        out.append("mps")
    only = os.environ.get("LOWDIM_TEST_DEVICES")   # e.g. "cuda" for `make gpu-check`
    if only:
        out = [d for d in out if d in only.split(",")]
    return out


@pytest.fixture(params=_devices())
def device(request):
    """A torch.device; each test using it runs once per device present (cpu, cuda, mps)."""
    return torch.device(request.param)


def require_oracle(module: str):
    """Import an oracle library. Where it is missing the test is skipped — except under
    ``LOWDIM_STRICT_ORACLES=1`` (set by ``make test``, hence CI), where a missing or broken oracle
    is a failure: a broken install must not pass as a skipped comparison."""
    if os.environ.get("LOWDIM_STRICT_ORACLES") == "1":
        try:
            return importlib.import_module(module)
        except Exception as exc:  # ImportError, or an oracle that crashes on import
            pytest.fail(f"the oracle library {module!r} does not import ({type(exc).__name__}: {exc}); "
                        f"`make test` requires it (install with `pip install -e '.[oracle]'`).")
    return pytest.importorskip(module)


@pytest.fixture
def root():
    return ROOT


sys.path.insert(0, str(Path(__file__).parent))   # `from conftest import ...` in the test modules

# nbval compares the numbers of check-tagged outputs with a tolerance (tests/nbval_tolerance.py says why)
import nbval_tolerance  # noqa: E402

nbval_tolerance.install()
