"""The two ways to install (pip extras, conda environment.yml) declare the same packages and
ranges, and constraints.txt pins each of them exactly, inside its range."""
import re
import tomllib

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version


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


def test_torch_is_a_range_that_admits_the_pinned_version(root):
    for where, spec in (("pyproject.toml", _pyproject(root)["torch"]), ("environment.yml", _conda(root)["torch"])):
        assert spec and not spec.startswith("=="), f"torch in {where} should be a range, got {spec!r}"
        assert Version("2.13.0") in SpecifierSet(spec), f"torch {spec} in {where} excludes 2.13.0"


def test_no_exact_pins(root):
    pinned = {n: s for n, s in _pyproject(root).items() if "==" in s}
    assert not pinned, f"use version ranges in pyproject.toml (exact versions go to constraints.txt): {pinned}"


def _constraints(root):
    pins = {}
    for line in (root / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==" and not req.extras and req.marker is None, \
            f"constraints.txt: expected `name==version`, got {line!r}"
        name = canonicalize_name(req.name)
        assert name not in pins, f"constraints.txt pins {name} twice"
        pins[name] = specs[0].version
    return pins


def _pyproject_requirements(root):
    data = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in data["dependencies"]]
    for items in data["optional-dependencies"].values():
        reqs += [Requirement(r) for r in items if not r.startswith("lowdim_utils")]
    return reqs


def test_constraints_pin_every_package_inside_its_range(root):
    pins = _constraints(root)
    assert pins.get("torch") == "2.13.0", f"constraints.txt must pin torch==2.13.0, got {pins.get('torch')}"
    assert "lowdim-utils" not in pins, "constraints.txt must not pin lowdim_utils itself"
    missing, outside = [], {}
    for req in _pyproject_requirements(root):
        name = canonicalize_name(req.name)
        if name not in pins:
            missing.append(name)
        elif not req.specifier.contains(Version(pins[name]), prereleases=True):
            outside[name] = (pins[name], str(req.specifier))
    assert not missing, f"packages of pyproject.toml not pinned in constraints.txt: {sorted(set(missing))}"
    assert not outside, f"pins of constraints.txt outside pyproject.toml's range (pin, range): {outside}"
