"""Instructor tools: release lessons without solutions, grade submitted notebooks.

    python -m lowdim_utils.course.instructor release --out release/ [LESSON ...]
    python -m lowdim_utils.course.instructor grade SUBMISSION.ipynb [--timeout 600] [--out report.json]

``release`` copies the chosen lessons (default: all) with their outputs and solution cells
(tagged ``solution``) removed, the
package, the data and the install files into a folder, without ``solutions/``, and marks
the package as a release: an unsolved exercise then stops the lesson with a clear message.

``grade`` executes a submitted notebook in a separate kernel process with a time limit per
cell and for the whole notebook, records the outcome of every exercise check, and writes a
JSON report plus a readable table (``.md`` beside it; also printed). Exercises that were
never reached (the notebook stopped or ran out of time earlier) score 0.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .layout import checkout_root

_CHECK_RE = re.compile(r"""check\(\s*["']([0-9A-Za-z_.\-]+)["']""")

__all__ = ["release", "grade", "exercises_in", "main"]


def _root() -> Path:
    root = checkout_root()
    if root is None:
        raise SystemExit("the instructor tools work on a checkout of the course (with notebooks/ and "
                         "solutions/), not on an installed copy of lowdim_utils.")
    return root


def _lessons(names):
    ROOT = _root()
    all_nb = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not names:
        return all_nb
    unknown = [n for n in names if n not in all_nb]
    if unknown:
        raise SystemExit(f"lessons must be among {all_nb}, got unknown {unknown}.")
    return list(names)


def release(out: Path, lessons=None) -> Path:
    """Write a solution-free classroom copy of the course to ``out``; return it."""
    import nbformat
    ROOT = _root()
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"--out {out} exists and is not empty; choose a new folder.")
    lessons = _lessons(lessons)
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    for stem in lessons:
        nb = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
        nb.cells = [c for c in nb.cells if "solution" not in c.get("metadata", {}).get("tags", [])]
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nbformat.write(nb, out / "notebooks" / f"{stem}.ipynb")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(ROOT / "lowdim_utils", out / "lowdim_utils", ignore=ignore)
    shutil.copytree(ROOT / "data", out / "data", ignore=ignore)
    for f in ("pyproject.toml", "environment.yml", "README.md"):
        if (ROOT / f).exists():
            shutil.copy2(ROOT / f, out / f)
    (out / "lowdim_utils" / "_release").write_text(
        "This copy of the course is a classroom release: it ships without solutions.\n")
    (out / "RELEASE.md").write_text(
        "# LowDim — classroom release\n\nLessons: " + ", ".join(lessons) + ".\n\n"
        "Install with `pip install -e '.[lab]'`, open the notebooks in JupyterLab and solve each\n"
        "exercise where the lesson stops. This release has no solutions.\n")
    return out


def exercises_in(notebook: Path) -> list[str]:
    """Names of the exercises a notebook checks, in order of appearance."""
    import nbformat
    nb = nbformat.read(notebook, as_version=4)
    names = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            for n in _CHECK_RE.findall(cell.source):
                if n not in names:
                    names.append(n)
    return names


_RUNNER = r"""
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
client = NotebookClient(nb, timeout=float(sys.argv[2]), allow_errors=True, kernel_name="python3",
                        resources={"metadata": {"path": sys.argv[3]}})
client.execute()
nbformat.write(nb, sys.argv[4])
"""


def grade(submission: Path, *, timeout: float = 600.0, cell_timeout: float = 120.0, out: Path | None = None) -> dict:
    """Execute ``submission`` in a separate process and score its exercises; return the report."""
    from .exercises import get_exercise
    submission = Path(submission)
    if not submission.is_file():
        raise SystemExit(f"submission {submission} does not exist.")
    names = exercises_in(submission)
    out = Path(out) if out else submission.with_suffix(".report.json")
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "checks.jsonl"
        env = dict(os.environ, LOWDIM_GRADING_LOG=str(log), LOWDIM_STATIC="1")
        env.pop("MPLBACKEND", None)
        t0 = time.perf_counter()
        try:
            proc = subprocess.run([sys.executable, "-c", _RUNNER, str(submission), str(cell_timeout),
                                   str(submission.parent.resolve()), str(Path(tmp) / "executed.ipynb")],
                                  env=env, capture_output=True, text=True, timeout=timeout)
            stopped = None if proc.returncode == 0 else (proc.stderr.strip().splitlines() or ["error"])[-1]
        except subprocess.TimeoutExpired:
            stopped = f"the notebook did not finish within {timeout:g} s"
        elapsed = time.perf_counter() - t0
        seen = {}
        if log.exists():
            for line in log.read_text().splitlines():
                r = json.loads(line)
                seen[r["name"]] = r
    rows = []
    for n in names:
        try:
            pts = get_exercise(n).points
        except KeyError:
            pts = 0.0
        r = seen.get(n)
        if r is None:
            rows.append({"exercise": n, "status": "not_reached", "score": 0.0, "points": pts,
                         "message": "the notebook stopped before this exercise was checked."})
        else:
            rows.append({"exercise": n, "status": r["status"], "score": pts if r["status"] == "passed" else 0.0,
                         "points": pts, "message": r["message"]})
    report = {"submission": submission.name, "seconds": round(elapsed, 1), "stopped_early": stopped,
              "score": sum(r["score"] for r in rows), "max_score": sum(r["points"] for r in rows),
              "exercises": rows}
    out.write_text(json.dumps(report, indent=2))
    out.with_suffix(".md").write_text(format_report(report))
    return report


def format_report(report: dict) -> str:
    """A Markdown table of a grading report."""
    lines = [f"# Grading report: {report['submission']}", "",
             f"Score: **{report['score']:g} / {report['max_score']:g}** "
             f"(ran {report['seconds']} s{'; stopped early: ' + report['stopped_early'] if report['stopped_early'] else ''})",
             "", "| exercise | status | score | feedback |", "|---|---|---|---|"]
    for r in report["exercises"]:
        msg = r["message"].replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {r['exercise']} | {r['status']} | {r['score']:g}/{r['points']:g} | {msg} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lowdim_utils.course.instructor", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("release", help="write a classroom copy without solutions")
    r.add_argument("lessons", nargs="*", help="notebook stems, e.g. 01_pca_svd (default: all)")
    r.add_argument("--out", required=True, type=Path)
    g = sub.add_parser("grade", help="execute a submitted notebook and score its exercises")
    g.add_argument("submission", type=Path)
    g.add_argument("--timeout", type=float, default=600.0, help="seconds for the whole notebook")
    g.add_argument("--cell-timeout", type=float, default=120.0, help="seconds for one cell")
    g.add_argument("--out", type=Path, default=None, help="report path (default: SUBMISSION.report.json)")
    a = ap.parse_args(argv)
    if a.cmd == "release":
        print(f"released to {release(a.out, a.lessons)}")
    else:
        rep = grade(a.submission, timeout=a.timeout, cell_timeout=a.cell_timeout, out=a.out)
        print(format_report(rep))
    return 0


if __name__ == "__main__":
    sys.exit(main())
