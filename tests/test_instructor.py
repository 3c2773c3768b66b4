"""Instructor tools: a classroom release without solutions, and grading in a separate process."""
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from lowdim_utils.course import instructor

ROOT = Path(__file__).resolve().parents[1]


def test_release_has_no_solutions_and_stops_at_unsolved_exercises(tmp_path):
    out = instructor.release(tmp_path / "rel", ["01_pca_svd"])
    assert not (out / "solutions").exists()
    assert (out / "lowdim_utils" / "_release").exists()
    nb = nbformat.read(out / "notebooks" / "01_pca_svd.ipynb", as_version=4)
    assert all("solution" not in c.metadata.get("tags", []) for c in nb.cells)
    assert not any(":pyobject:" in c.source for c in nb.cells)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    # the released package refuses to continue past an unsolved exercise
    code = ("import lowdim_utils as lu\n"
            "def pca_np(X, k):\n    raise NotImplementedError\n"
            "try:\n    lu.check('01.pca', pca_np)\nexcept Exception as e:\n    print(type(e).__name__, e)\n")
    env = {k: v for k, v in os.environ.items() if k not in ("LOWDIM_RELEASE", "LOWDIM_SOLUTIONS")}
    env["PYTHONPATH"] = str(out) + os.pathsep + env.get("PYTHONPATH", "")
    r = subprocess.run([sys.executable, "-c", code], cwd=out, env=env, capture_output=True, text=True, timeout=120)
    assert "ExerciseNotSolved" in r.stdout and "must be solved before the lesson can go on" in r.stdout, r.stderr


def test_release_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "f").write_text("")
    with pytest.raises(SystemExit, match="exists and is not empty"):
        instructor.release(tmp_path / "x")


def test_release_rejects_unknown_lessons(tmp_path):
    with pytest.raises(SystemExit, match="lessons must be among"):
        instructor.release(tmp_path / "r", ["99_nope"])


def _submission(tmp_path, bodies):
    """A small notebook that answers lesson 01's three exercises with the given bodies."""
    cells = [nbformat.v4.new_code_cell("import numpy as np\nimport lowdim_utils as lu")]
    for name, fn, body in bodies:
        cells.append(nbformat.v4.new_code_cell(body))
        cells.append(nbformat.v4.new_code_cell(f"{fn} = lu.check({name!r}, {fn})"))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "student.ipynb"
    nbformat.write(nb, path)
    return path


def test_grade_scores_each_exercise_and_survives_loops_and_errors(tmp_path):
    sol = (ROOT / "solutions" / "01_pca_svd.py").read_text()
    right = sol[sol.index("def pca_np"):sol.index("def power_iteration_np")]
    loop = "def power_iteration_np(A, n_iter=500, tol=1e-10):\n    while True:\n        pass\n"
    broken = "def range_finder_np(X, size, n_iter, rng):\n    return X @ rng.standard_normal((X.shape[1], size))\n"
    path = _submission(tmp_path, [("01.pca", "pca_np", right), ("01.power", "power_iteration_np", loop),
                                  ("01.range", "range_finder_np", broken)])
    report = instructor.grade(path, timeout=240, cell_timeout=60)
    by = {r["exercise"]: r for r in report["exercises"]}
    assert by["01.pca"]["status"] == "passed" and by["01.pca"]["score"] == 1
    assert by["01.power"]["status"] == "timeout" and by["01.power"]["score"] == 0
    assert by["01.range"]["status"] == "failed" and "not orthonormal" in by["01.range"]["message"]
    assert report["score"] == 1 and report["max_score"] == 3
    saved = json.loads(path.with_suffix(".report.json").read_text())
    assert saved["score"] == 1
    table = path.with_suffix(".report.md").read_text()
    assert "| 01.power | timeout | 0/1 |" in table and "Score: **1 / 3**" in table


def test_grade_marks_unreached_exercises(tmp_path):
    sol = (ROOT / "solutions" / "01_pca_svd.py").read_text()
    right = sol[sol.index("def pca_np"):sol.index("def power_iteration_np")]
    path = _submission(tmp_path, [("01.pca", "pca_np", right)])
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell("import time\ntime.sleep(30)"))
    nbformat.write(nb, path)
    report = instructor.grade(path, timeout=120, cell_timeout=3)
    # the slow cell exceeds its time limit, so the check after it is never reached
    assert report["exercises"][0]["status"] == "not_reached" and report["exercises"][0]["score"] == 0
    assert report["stopped_early"]


def test_exercises_in_finds_checks_in_order(tmp_path):
    assert instructor.exercises_in(ROOT / "notebooks" / "01_pca_svd.ipynb") == ["01.pca", "01.power", "01.range"]
