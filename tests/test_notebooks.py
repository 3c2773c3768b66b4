"""Lessons: .py/.ipynb pairs in sync, committed notebooks executed top to bottom, checks tagged,
every lesson in the book's table of contents."""
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PY = sorted((ROOT / "notebooks").glob("*.py"))
IDS = [p.stem for p in PY]
CHECK = "nbval-check-output"


def _cells(nb):
    return [(c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", []))) for c in nb.cells]


def test_there_are_lessons():
    assert {"00_introduction", "01_pca_svd"} <= set(IDS)


@pytest.mark.parametrize("py", PY, ids=IDS)
def test_pair_in_sync(py):
    ipynb = py.with_suffix(".ipynb")
    assert ipynb.exists(), f"{py.name} has no paired .ipynb: run `make sync NB=notebooks/{py.name}`"
    a, b = jupytext.read(py), jupytext.read(ipynb)
    ca, cb = _cells(a), _cells(b)
    assert len(ca) == len(cb), f"{py.name}: {len(ca)} cells in .py but {len(cb)} in .ipynb; re-sync the pair"
    for i, (x, y) in enumerate(zip(ca, cb)):
        assert x == y, f"{py.name}: cell {i} differs between .py and .ipynb; run `make sync NB=notebooks/{py.name}`"


@pytest.mark.parametrize("py", PY, ids=IDS)
def test_committed_notebook_was_executed_top_to_bottom(py):
    nb = nbformat.read(py.with_suffix(".ipynb"), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    counts = [c.execution_count for c in code]
    assert all(isinstance(n, int) for n in counts), f"{py.name}: some code cells were never executed"
    assert counts == list(range(1, len(code) + 1)), f"{py.name}: not executed in order in one fresh kernel: {counts}"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{py.name}: committed notebook contains errors: {[e.ename for e in errors]}"
    assert nb.metadata.get("jupytext", {}).get("formats") == "ipynb,py:percent"


@pytest.mark.parametrize("py", PY, ids=IDS)
def test_lesson_has_checked_claims_and_figures(py):
    nb = nbformat.read(py.with_suffix(".ipynb"), as_version=4)
    tagged = [c for c in nb.cells if CHECK in c.metadata.get("tags", [])]
    need = {"00_introduction": 1, "datasets": 1, "appendix_a_performance": 2}.get(py.stem, 5)
    assert len(tagged) >= need, f"{py.name}: {len(tagged)} cells tagged {CHECK}, need at least {need}"
    assert all(c.outputs for c in tagged), f"{py.name}: a check-tagged cell has no output to compare"
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert images >= 1, f"{py.name}: no figure"


def test_directive_labels_are_unique_across_lessons():
    """Theorem, exercise and solution labels share one namespace in the book (a duplicate fails its build)."""
    import re
    seen, dupes = {}, []
    for p in PY:
        for label in re.findall(r"^# :label: (\S+)", p.read_text(), flags=re.M):
            if label in seen:
                dupes.append(f"{label} in {seen[label]} and {p.name}")
            seen.setdefault(label, p.name)
    assert not dupes, "duplicate directive labels: " + "; ".join(dupes)


def test_every_lesson_is_in_the_book():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = {ch["file"] for part in toc["parts"] for ch in part["chapters"]}
    missing = [p.stem for p in PY if f"notebooks/{p.stem}" not in files]
    assert not missing, f"lessons missing from _toc.yml: {missing}"


def test_sanitizer_masks_addresses_but_not_sizes():
    import configparser
    import re
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "tests" / "sanitize.cfg")
    rules = [(re.compile(cfg[sec]["regex"]), cfg[sec]["replace"]) for sec in cfg.sections()]

    def clean(text):
        for rx, rep in rules:
            text = rx.sub(rep, text)
        return text
    assert clean("a 20x20 grid, 0x10 steps") == "a 20x20 grid, 0x10 steps"
    assert clean("<Figure at 0x7f3a2c1b4d50>") == "<Figure at <ADDR>>"
    assert clean("took 12.5 ms") == "took <TIME>"
