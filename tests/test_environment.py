"""The two ways to install (pip extras, conda environment.yml) declare the same packages."""
import re
import tomllib

import yaml


def _norm(req: str):
    req = req.strip()
    m = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)$", req)
    name, spec = m.group(1).lower().replace("_", "-"), m.group(3).replace(" ", "")
    return name, ",".join(sorted(spec.split(","))) if spec else ""


def _pyproject(root):
    data = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    reqs = list(data["dependencies"])
    for extra, items in data["optional-dependencies"].items():
        reqs += [r for r in items if not r.startswith("lowdim_utils")]
    return dict(_norm(r) for r in reqs)


def _conda(root):
    env = yaml.safe_load((root / "environment.yml").read_text())
    reqs = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            reqs += dep["pip"]
        elif not dep.startswith(("python", "pip")) or dep.startswith(("python-", "pip-")):
            reqs.append(dep)
    return dict(_norm(r) for r in reqs)


def test_environment_yml_lists_the_same_packages_as_pyproject(root):
    py, conda = _pyproject(root), _conda(root)
    assert set(py) == set(conda), f"only in pyproject: {set(py) - set(conda)}; only in environment.yml: {set(conda) - set(py)}"
    differ = {n: (py[n], conda[n]) for n in py if py[n] != conda[n]}
    assert not differ, f"version ranges differ (pyproject, environment.yml): {differ}"


def test_torch_is_pinned_exactly(root):
    assert _pyproject(root)["torch"] == "==2.13.0"
    assert _conda(root)["torch"] == "==2.13.0"


def test_no_exact_pins_besides_torch(root):
    pinned = [n for n, s in _pyproject(root).items() if s.startswith("==") and n != "torch"]
    assert not pinned, f"use version ranges, not exact pins: {pinned}"
