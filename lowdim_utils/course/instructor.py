"""Instructor tools: release lessons without answers, grade submitted notebooks.

    python -m lowdim_utils.course.instructor release --out release/ [LESSON ...]
    python -m lowdim_utils.course.instructor grade SUBMISSION.ipynb [--lesson 01_pca_svd] [--out-dir DIR]
    python -m lowdim_utils.course.instructor grade-all SUBMISSIONS/ --lesson 01_pca_svd [--out-dir DIR]

``release`` writes a classroom copy of the chosen lessons (default: all): notebooks without
their solution cells (tagged ``solution``) and outputs, each marked with its lesson in its
metadata; the package without the instructor-only ``course/hidden`` (wrong answers, hidden
check parts) and without the checks of lessons not released; the data; a learner's README.
There is no ``solutions/`` in it, so an unsolved exercise stops the lesson with a clear message.

``grade`` and ``grade-all`` run submissions in a scratch kernel and score them with the
instructor's checks in a separate process (:mod:`lowdim_utils.course.grading`, whose docstring
says what the grader guards against and what it does not).
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from .grading import DEFAULT_CELL_TIMEOUT, DEFAULT_MEMORY_MB, format_report, grade, grade_all
from .layout import checkout_root

__all__ = ["release", "grade", "grade_all", "main"]

_LEARNER_README = """# LowDim — classroom release

Lessons: {lessons}.

Install the course's package and open the lessons in JupyterLab:

```bash
python -m venv .venv && .venv/bin/pip install -e '.[lab]'
.venv/bin/jupyter lab notebooks/
```

Run each lesson from the top. Where the lesson asks you to write a function, write it in the
cell marked `# YOUR CODE HERE` and run the check cell below it: it tells you what is right or
what to fix. This copy has no solutions, so an unsolved exercise stops the lesson there until
you solve it. Hand in the notebook (`.ipynb`) as your instructor asks; grading re-runs it from
the top in a fresh kernel, so make sure "Restart Kernel and Run All Cells" works.
"""


def _root() -> Path:
    root = checkout_root()
    if root is None:
        raise SystemExit("the instructor tools work on a checkout of the course (with notebooks/ and "
                         "solutions/), not on an installed copy of lowdim_utils.")
    return root


def _lessons(names):
    root = _root()
    all_nb = sorted(p.stem for p in (root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not names:
        return all_nb
    unknown = [n for n in names if n not in all_nb]
    if unknown:
        raise SystemExit(f"lessons must be among {all_nb}, got unknown {unknown}.")
    return list(names)


def release(out: Path, lessons=None) -> Path:
    """Write a classroom copy of the course, without answers, to ``out``; return it."""
    import nbformat
    root = _root()
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"--out {out} exists and is not empty; choose a new folder.")
    lessons = _lessons(lessons)
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    for stem in lessons:
        nb = nbformat.read(root / "notebooks" / f"{stem}.ipynb", as_version=4)
        nb.cells = [c for c in nb.cells if "solution" not in c.get("metadata", {}).get("tags", [])]
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nb.metadata["lowdim"] = {"lesson": stem, "release": True}
        nb.metadata.pop("jupytext", None)          # the release has no paired .py files
        nbformat.write(nb, out / "notebooks" / f"{stem}.ipynb")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "_data")
    shutil.copytree(root / "lowdim_utils", out / "lowdim_utils", ignore=ignore)
    shutil.rmtree(out / "lowdim_utils" / "course" / "hidden", ignore_errors=True)
    keep = {f"lesson{stem[:2]}.py" for stem in lessons}
    for f in (out / "lowdim_utils" / "course" / "checks").glob("lesson*.py"):
        if f.name not in keep:
            f.unlink()
    shutil.copytree(root / "data", out / "data", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for f in ("pyproject.toml", "setup.py", "environment.yml", "constraints.txt"):
        if (root / f).exists():
            shutil.copy2(root / f, out / f)
    readme = _LEARNER_README.format(lessons=", ".join(lessons))
    (out / "README.md").write_text(readme)
    (out / "lowdim_utils" / "_release").write_text(
        "This copy of the course is a classroom release: it ships without solutions.\n")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lowdim_utils.course.instructor", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("release", help="write a classroom copy without answers")
    r.add_argument("lessons", nargs="*", help="notebook stems, e.g. 01_pca_svd (default: all)")
    r.add_argument("--out", required=True, type=Path)
    for name, helptext in (("grade", "grade one submitted notebook"), ("grade-all", "grade every notebook of a folder")):
        g = sub.add_parser(name, help=helptext)
        g.add_argument("path", type=Path, help="a submission .ipynb" if name == "grade" else "a folder of submissions")
        g.add_argument("--lesson", default=None, help="the lesson answered, e.g. 01_pca_svd "
                       "(default: from the release's notebook metadata or the file name)")
        g.add_argument("--cell-timeout", type=float, default=DEFAULT_CELL_TIMEOUT,
                       help=f"seconds per cell before it is interrupted (default {DEFAULT_CELL_TIMEOUT:g}, as the book)")
        g.add_argument("--timeout", type=float, default=None, help="seconds for a whole notebook (default: none)")
        g.add_argument("--memory-mb", type=int, default=DEFAULT_MEMORY_MB, help="the kernel's memory limit")
        g.add_argument("--out-dir", type=Path, default=None,
                       help="where reports go (default: beside the submission; grade-all: FOLDER/grading)")
    a = ap.parse_args(argv)
    if a.cmd == "release":
        print(f"released to {release(a.out, a.lessons)}")
        return 0
    kw = dict(lesson=a.lesson, cell_timeout=a.cell_timeout, timeout=a.timeout, memory_mb=a.memory_mb,
              out_dir=a.out_dir)
    if a.cmd == "grade":
        print(format_report(grade(a.path, **kw)))
    else:
        rows = grade_all(a.path, **kw)
        out = a.out_dir or a.path / "grading"
        print(f"graded {len(rows)} submissions; scores in {out / 'scores.csv'}")
        for row in rows:
            print(f"  {row['submission']:40s} {row['score']!s:>6} / {row['max_score']!s:<6} {row['problem'][:60]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
