"""The layering of lowdim_utils, as the package states it in ``lowdim_utils.LAYERS``:
infrastructure <- shared primitives <- method families (in lesson order) <- course machinery.
A module may import modules of lower layers and the modules listed before it in its own layer,
never later ones; only the course machinery knows the layout of a checkout; importing the
package is light."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

import lowdim_utils

PKG = Path(lowdim_utils.__file__).parent
ORDER = [m for mods in lowdim_utils.LAYERS.values() for m in mods]      # position = rank
LAYER_OF = {m: layer for layer, mods in lowdim_utils.LAYERS.items() for m in mods}


def _module_files():
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG)
        top = rel.parts[0][:-3] if len(rel.parts) == 1 else rel.parts[0]
        if top == "__init__":
            continue
        yield top, path


def _imported_submodules(path: Path, top: str, root: Path = PKG):
    """The lowdim_utils submodules (first component) a file imports, relative or absolute."""
    tree = ast.parse(path.read_text())
    depth = len(path.relative_to(root).parts)         # 1 for lowdim_utils/x.py, 2 for course/x.py, ...
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:                              # relative: climb to the package root
                if node.level < depth:                  # stays inside the same subpackage
                    continue
                parts = (node.module or "").split(".") if node.module else []
                if parts and parts[0]:
                    yield parts[0], node.lineno
                else:                                   # from .. import a, b
                    for alias in node.names:
                        yield alias.name, node.lineno
            elif node.module and node.module.startswith("lowdim_utils"):
                parts = node.module.split(".")
                if len(parts) > 1:
                    yield parts[1], node.lineno
                else:
                    for alias in node.names:
                        yield alias.name, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("lowdim_utils."):
                    yield alias.name.split(".")[1], node.lineno


def test_every_module_is_in_a_layer():
    found = {top for top, _ in _module_files()}
    assert found == set(ORDER), (f"modules not in lowdim_utils.LAYERS: {sorted(found - set(ORDER))}; "
                                 f"listed but missing: {sorted(set(ORDER) - found)}")


def test_imports_only_go_down():
    bad = []
    for top, path in _module_files():
        for target, line in _imported_submodules(path, top):
            if target == top:
                continue
            if target not in ORDER:
                bad.append(f"{path.relative_to(PKG)}:{line} imports unknown lowdim_utils.{target}")
            elif ORDER.index(target) > ORDER.index(top):
                bad.append(f"{path.relative_to(PKG)}:{line} ({LAYER_OF[top]}) imports {target} "
                           f"({LAYER_OF[target]}), which comes later")
    assert not bad, "imports that go up the layers:\n" + "\n".join(bad)


def test_the_checker_sees_every_import_form(tmp_path):
    (tmp_path / "course").mkdir()
    f = tmp_path / "neighbors.py"
    f.write_text("from .linear import pca\nfrom . import manifold\nimport lowdim_utils.robust\n"
                 "from lowdim_utils import sparse\nfrom lowdim_utils.lora import apply_lora\n")
    got = {t for t, _ in _imported_submodules(f, "neighbors", tmp_path)}
    assert got == {"linear", "manifold", "robust", "sparse", "lora"}
    g = tmp_path / "course" / "exercises.py"
    g.write_text("from .registry import exercise\nfrom ..validate import as_tensor\nfrom ...x import y\n")
    assert {t for t, _ in _imported_submodules(g, "course", tmp_path)} == {"validate", "x"}


#: the one place outside lowdim_utils.course that looks at the checkout: an editable install's
#: data/ folder (a wheel carries the same files as the package data lowdim_utils/_data)
CHECKOUT_EXCEPTIONS = {"data.py": "the editable install's data/ folder (data_dir's last fallback)"}


def test_only_the_course_machinery_knows_the_checkout_layout():
    offenders = []
    for top, path in _module_files():
        if top == "course":
            continue
        text = path.read_text()
        hits = [w for w in ("parents[1]", '"solutions', "'solutions", '"notebooks', "'notebooks", "pyproject.toml")
                if w in text]
        if hits and path.name not in CHECKOUT_EXCEPTIONS:
            offenders.append(f"{path.relative_to(PKG)}: {hits}")
    assert not offenders, f"checkout paths outside lowdim_utils.course: {offenders}"
    assert (PKG / "data.py").read_text().count("parents[1]") == 1


def _imports_after(stmt):
    code = (f"import sys; {stmt}; "
            "print(','.join(sorted(m for m in ('torch', 'matplotlib', 'pandas', 'sklearn', 'scipy') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_import_lowdim_utils_is_light():
    assert _imports_after("import lowdim_utils") == ""
    assert _imports_after("import lowdim_utils.data") == ""          # the loaders need only NumPy
    assert "torch" in _imports_after("import lowdim_utils as lu; lu.linear")


@pytest.mark.parametrize("name", sorted(lowdim_utils._EXPORTS))
def test_every_top_level_name_resolves(name):
    assert getattr(lowdim_utils, name) is not None
    assert name in dir(lowdim_utils)
