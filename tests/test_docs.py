"""Docstrings cite the lessons they implement: every "Eq. (n)" a docstring cites exists in
that lesson (as the equation's \\tag{n}, or "$...$ (n)" inline), and every lesson a docstring names exists."""
import ast
import re
from pathlib import Path

import pytest

import lowdim_utils

ROOT = Path(__file__).resolve().parents[1]
PKG = Path(lowdim_utils.__file__).parent
LESSON = re.compile(r"lesson (\d\d)")
EQS = re.compile(r"Eqs?\.\s*((?:\(\d+\)(?:\s*(?:–|-|,|and)\s*)?)+)")


def _tags(lesson: str) -> set[int]:
    """The equation numbers of a lesson: display equations carry \\tag{n}; a few inline formulas
    are numbered in the text right after them, "$...$ (n)"."""
    (nb,) = (ROOT / "notebooks").glob(f"{lesson}_*.py")
    text = nb.read_text()
    return ({int(t) for t in re.findall(r"\\tag\{(\d+)\}", text)}
            | {int(t) for t in re.findall(r"\$\s*\((\d+)\)", text)})


def _citations():
    """(module, object, lesson, equation) for every equation a docstring cites."""
    out = []
    for path in sorted(PKG.rglob("*.py")):
        if "course" in path.relative_to(PKG).parts:
            continue
        tree = ast.parse(path.read_text())
        mod_doc = ast.get_docstring(tree) or ""
        m = LESSON.search(mod_doc)
        default = m.group(1) if m else None
        nodes = [tree] + [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))]
        for node in nodes:
            doc = ast.get_docstring(node) or ""
            name = getattr(node, "name", "<module>")
            for eq in EQS.finditer(doc):
                before = LESSON.findall(doc[:eq.start()])
                lesson = before[-1] if before else default
                nums = [int(x) for x in re.findall(r"\((\d+)\)", eq.group(1))]
                if re.search(r"\)\s*(–|-)\s*\(", eq.group(1)) and len(nums) == 2:
                    nums = list(range(nums[0], nums[1] + 1))
                for n in nums:
                    out.append((path.name, name, lesson, n))
    return out


CITES = _citations()


def test_there_are_citations():
    assert len(CITES) > 60


@pytest.mark.parametrize("module,obj,lesson,eq", CITES, ids=[f"{m}:{o}:L{l}:Eq{e}" for m, o, l, e in CITES])
def test_cited_equation_exists_in_its_lesson(module, obj, lesson, eq):
    assert lesson is not None, f"{module}:{obj} cites Eq. ({eq}) but names no lesson (say 'lesson NN, Eq. (n)')"
    assert eq in _tags(lesson), f"{module}:{obj} cites lesson {lesson}, Eq. ({eq}), which that lesson does not number"


def test_every_named_lesson_exists():
    named = set()
    for path in PKG.rglob("*.py"):
        named |= set(LESSON.findall(path.read_text()))
    written = {p.name[:2] for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.py")}
    planned = {f"{i:02d}" for i in range(9, 25)}          # later lessons may be named as future users
    assert named <= written | planned, f"docstrings name lessons that do not exist: {sorted(named - written - planned)}"
