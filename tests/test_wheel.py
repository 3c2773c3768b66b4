"""lowdim_utils works as a real package: a wheel built from the checkout holds every subpackage
and the shipped data, and, installed into a fresh venv and imported from outside the checkout,
it runs an exercise check and loads every dataset from its own package data.

The fresh venv gets no copies of the dependencies: a .pth file puts this environment's
site-packages on its sys.path as a plain path line (nested .pth files are not processed, so
the editable install's finder does not leak in), and the wheel is installed with --no-deps.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

# What a build reads from the checkout (pyproject.toml names README.md as the readme).
_BUILD_INPUTS = ["pyproject.toml", "setup.py", "README.md", "lowdim_utils", "data"]
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info", "build")


def _env(**extra):
    """The environment of the subprocesses: no LOWDIM_DATA, no solutions, nothing of the checkout
    on PYTHONPATH (the test suite's network guard stays)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("LOWDIM_DATA", "LOWDIM_SOLUTIONS", "LOWDIM_RELEASE", "PYTHONHOME")}
    keep = [p for p in env.get("PYTHONPATH", "").split(os.pathsep)
            if p and Path(p).resolve() != ROOT and Path(p).resolve() != ROOT / "lowdim_utils"]
    env["PYTHONPATH"] = os.pathsep.join(keep)
    env.update(PYTHONIOENCODING="utf-8", PYTHONNOUSERSITE="1", LOWDIM_DEVICE="cpu", **extra)
    return env


def _run(cmd, cwd, timeout=240, **env):
    res = subprocess.run(cmd, cwd=cwd, env=_env(**env), capture_output=True, text=True,
                         encoding="utf-8", timeout=timeout)
    return res


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Build the wheel (from a copy of the build inputs, so that nothing is written into the
    checkout), install it into a fresh venv, and give that venv this environment's packages."""
    for dist, least in (("setuptools", "68"), ("wheel", "0.41")):
        try:
            have = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pytest.fail(f"{dist} is missing: the wheel is built with --no-build-isolation; install "
                        "the test extra (`pip install -c constraints.txt -e '.[test]'`).")
        assert Version(have) >= Version(least), f"{dist} {have} is too old for the build (need >= {least})"
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in _BUILD_INPUTS:
        p = ROOT / name
        (shutil.copytree(p, src / name, ignore=_IGNORE) if p.is_dir() else shutil.copy2(p, src / name))
    dist = tmp / "dist"
    res = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                "-q", "-w", str(dist), str(src)], cwd=tmp)
    assert res.returncode == 0, f"pip wheel failed:\n{res.stdout}\n{res.stderr}"
    (wheel,) = dist.glob("lowdim_utils-*.whl")

    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(env_dir)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    res = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                "-q", str(wheel)], cwd=tmp)
    assert res.returncode == 0, f"pip install of the wheel failed:\n{res.stdout}\n{res.stderr}"
    res = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp)
    site = Path(res.stdout.strip())
    assert site.is_dir() and site.resolve().is_relative_to(env_dir.resolve()), res
    # After the install (so that pip does not see this environment's lowdim_utils metadata):
    ours = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (site / "_lowdim_dev_packages.pth").write_text("".join(f"{p}\n" for p in ours), encoding="utf-8")
    yield {"tmp": tmp, "wheel": wheel, "python": python, "env": env_dir, "site": site}
    shutil.rmtree(tmp, ignore_errors=True)  # ~30 MB: the copy, the wheel and the venv


def test_wheel_holds_every_subpackage_the_data_and_the_licences(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "lowdim_utils").rglob("*.py")
               if "__pycache__" not in p.parts}
    assert modules - names == set(), f"modules missing from the wheel: {sorted(modules - names)}"
    assert any(n.startswith("lowdim_utils/course/") for n in names), "the course subpackage is missing"
    shipped = {f"lowdim_utils/_data/{rel}" for rel in
               json.loads((DATA / "MANIFEST.json").read_text())["files"]}
    shipped |= {f"lowdim_utils/_data/{p.relative_to(DATA).as_posix()}" for p in (DATA / "LICENSES").iterdir()}
    shipped.add("lowdim_utils/_data/MANIFEST.json")
    assert shipped - names == set(), f"data missing from the wheel: {sorted(shipped - names)}"
    assert not [n for n in names if n.startswith(("data/", "solutions/", "notebooks/", "tests/"))]


_MAIN = r'''
import os, sys
from pathlib import Path
import numpy as np
assert "LOWDIM_DATA" not in os.environ
import lowdim_utils as lu
from lowdim_utils import data as D
print("PREFIX", Path(sys.prefix).resolve())
print("FILE", Path(lu.__file__).resolve())
print("DATA", D.data_dir().resolve())

def pca_np(X, k):
    Xc = X - X.mean(axis=0)
    _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    return Vt[:k], s[:k] ** 2 / (X.shape[0] - 1)

def pca_uncentred(X, k):
    _, s, Vt = np.linalg.svd(X, full_matrices=False)
    return Vt[:k], s[:k] ** 2 / (X.shape[0] - 1)

lu.check("01.pca", pca_np)
try:
    lu.check("01.pca", pca_uncentred)
except Exception as e:
    print("RAISED", type(e).__name__, e)
names = list(D.list_datasets().index)
for name in names:
    assert len(D.load(name)) > 0, name
print("LOADED", ",".join(names))
'''


def test_installed_wheel_checks_an_exercise_and_loads_every_dataset(installed):
    from lowdim_utils import data as dev_data
    py, tmp = str(installed["python"]), installed["tmp"]
    res = _run([py, "-c", _MAIN], cwd=tmp)
    out = res.stdout
    assert res.returncode == 0, f"{out}\n{res.stderr}"
    lines = dict(line.split(" ", 1) for line in out.splitlines() if line.startswith(("PREFIX", "FILE", "DATA", "LOADED")))
    env = installed["env"].resolve()
    assert Path(lines["PREFIX"]) == env
    assert Path(lines["FILE"]).is_relative_to(env), f"lowdim_utils imported from {lines['FILE']}, not the venv"
    assert Path(lines["DATA"]) == (installed["site"] / "lowdim_utils" / "_data").resolve(), lines["DATA"]
    checks = [line for line in out.splitlines() if "Exercise 01.pca" in line]
    assert checks and checks[0].startswith("✓"), out
    assert len(checks) > 1 and checks[1].startswith("✗"), out
    assert "continues with the course's solution" not in out, "the wheel must not ship solutions"
    assert lines["LOADED"].split(",") == list(dev_data.list_datasets().index)

    res = _run([py, "-m", "lowdim_utils.data", "verify"], cwd=tmp)
    assert res.returncode == 0, f"{res.stdout}\n{res.stderr}"
    n = len(json.loads((DATA / "MANIFEST.json").read_text())["files"])
    assert f"{n} of {n} files match" in res.stdout


_NO_DATA = r'''
import os, sys
from lowdim_utils import data as D
try:
    D.load("fashion_mnist")
except D.DataIntegrityError as e:
    print("ERROR", e)
else:
    raise SystemExit("load('fashion_mnist') worked without any data")
os.environ["LOWDIM_DATA"] = sys.argv[1]
d = D.load("fashion_mnist")
print("OK", d.X.shape, D.data_dir())
'''


def test_installed_wheel_without_its_data_says_how_to_set_lowdim_data(installed):
    data, aside = installed["site"] / "lowdim_utils" / "_data", installed["tmp"] / "_data_aside"
    data.rename(aside)
    try:
        res = _run([str(installed["python"]), "-c", _NO_DATA, str(DATA)], cwd=installed["tmp"])
    finally:
        aside.rename(data)
    assert res.returncode == 0, f"{res.stdout}\n{res.stderr}"
    error = next(line for line in res.stdout.splitlines() if line.startswith("ERROR"))
    assert "LOWDIM_DATA" in error and "not found" in error, error
    assert f"OK (10000, 784) {DATA}" in res.stdout, res.stdout
