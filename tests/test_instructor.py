"""Instructor tools: a classroom release without answers, and grading that cannot be fooled.

The grading tests play the cheater: each submission answers lesson 01 (three exercises, from
the instructor's registry) and tries something. Unsolved exercises must score 0, solved ones
keep their score, and the report must say what happened.
"""
import ast
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from lowdim_utils.course import grading, instructor

ROOT = Path(__file__).resolve().parents[1]
SOL = (ROOT / "solutions" / "01_pca_svd.py").read_text()
PCA = SOL[SOL.index("def pca_np"):SOL.index("def power_iteration_np")]
POWER = SOL[SOL.index("def power_iteration_np"):SOL.index("def range_finder_np")]
RANGE = SOL[SOL.index("def range_finder_np"):]
STUBS = ("def pca_np(X, k):\n    raise NotImplementedError\n\n"
         "def power_iteration_np(A, n_iter=500, tol=1e-10):\n    raise NotImplementedError\n\n"
         "def range_finder_np(X, size, n_iter, rng):\n    raise NotImplementedError\n")


def _notebook(path: Path, *cells) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import numpy as np\nimport lowdim_utils as lu")]
                                  + [nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["lowdim"] = {"lesson": "01_pca_svd"}
    nbformat.write(nb, path)
    return path


def _grade(tmp_path, name, *cells, **kw):
    path = _notebook(tmp_path / f"{name}.ipynb", *cells)
    kw.setdefault("cell_timeout", 20)
    rep = grading.grade(path, out_dir=tmp_path / "out", **kw)
    return rep, {r["exercise"]: r for r in rep["exercises"]}


# ------------------------------------------------------------------ release
def test_release_has_no_answers_and_stops_at_unsolved_exercises(tmp_path):
    out = instructor.release(tmp_path / "rel", ["01_pca_svd"])
    assert not (out / "solutions").exists()
    assert (out / "lowdim_utils" / "_release").exists()
    assert not (out / "lowdim_utils" / "course" / "hidden").exists()
    assert sorted(p.name for p in (out / "lowdim_utils" / "course" / "checks").glob("lesson*.py")) == ["lesson01.py"]
    nb = nbformat.read(out / "notebooks" / "01_pca_svd.ipynb", as_version=4)
    assert nb.metadata["lowdim"]["lesson"] == "01_pca_svd"
    assert all("solution" not in c.metadata.get("tags", []) for c in nb.cells)
    assert not any(":pyobject:" in c.source for c in nb.cells)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    readme = (out / "README.md").read_text()
    assert "make test" not in readme and "solutions/" not in readme and "Run All Cells" in readme
    code = ("import lowdim_utils as lu\n"
            "def pca_np(X, k):\n    raise NotImplementedError\n"
            "try:\n    lu.check('01.pca', pca_np)\nexcept Exception as e:\n    print(type(e).__name__, e)\n")
    env = {k: v for k, v in os.environ.items() if k not in ("LOWDIM_RELEASE", "LOWDIM_SOLUTIONS")}
    env["PYTHONPATH"] = str(out) + os.pathsep + env.get("PYTHONPATH", "")
    r = subprocess.run([sys.executable, "-c", code], cwd=out, env=env, capture_output=True, text=True, timeout=120)
    assert "ExerciseNotSolved" in r.stdout and "must be solved before the lesson can go on" in r.stdout, r.stderr


def _bodies(path: Path):
    tree = ast.parse(path.read_text())
    return {ast.dump(ast.Module(body=[s for s in n.body if not (isinstance(s, ast.Expr) and
                                                                isinstance(getattr(s, "value", None), ast.Constant))],
                                type_ignores=[]))
            for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


def test_a_release_contains_no_solution_code(tmp_path):
    out = instructor.release(tmp_path / "rel")
    solutions = set()
    for f in (ROOT / "solutions").glob("*.py"):
        solutions |= _bodies(f)
    assert len(solutions) >= 25
    found = []
    for f in out.rglob("*.py"):
        hit = _bodies(f) & solutions
        if hit:
            found.append(f.relative_to(out))
    for f in out.rglob("*.ipynb"):
        nb = nbformat.read(f, as_version=4)
        for c in nb.cells:
            if c.cell_type == "code":
                try:
                    tree = ast.parse(c.source)
                except SyntaxError:
                    continue
                tmp = tmp_path / "cell.py"
                tmp.write_text(ast.unparse(tree))
                if _bodies(tmp) & solutions:
                    found.append(f"{f.relative_to(out)} (a code cell)")
    assert not found, f"solution code in the release: {found}"


def test_release_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "f").write_text("")
    with pytest.raises(SystemExit, match="exists and is not empty"):
        instructor.release(tmp_path / "x")


def test_release_rejects_unknown_lessons(tmp_path):
    with pytest.raises(SystemExit, match="lessons must be among"):
        instructor.release(tmp_path / "r", ["99_nope"])


# ------------------------------------------------------------------ grading: honest work
def test_grade_scores_each_exercise_and_writes_every_report(tmp_path):
    loop = "def power_iteration_np(A, n_iter=500, tol=1e-10):\n    while True:\n        pass\n"
    broken = "def range_finder_np(X, size, n_iter, rng):\n    return X @ rng.standard_normal((X.shape[1], size))\n"
    rep, by = _grade(tmp_path, "01_bob", PCA, "pca_np = lu.check('01.pca', pca_np)", loop, broken,
                     check_timeout_factor=1.0)
    assert by["01.pca"]["status"] == "passed" and by["01.pca"]["score"] == 1
    assert by["01.power"]["status"] == "timeout" and by["01.power"]["score"] == 0
    assert "did not finish" in by["01.power"]["message"]
    assert by["01.range"]["score"] < 1 and "orthonormal" in by["01.range"]["message"]
    assert rep["max_score"] == 3 and 1 <= rep["score"] < 3
    out = tmp_path / "out"
    assert json.loads((out / "01_bob.report.json").read_text())["score"] == rep["score"]
    md = (out / "01_bob.report.md").read_text()
    assert "01.power (power iteration) | timeout | 0/1" in md
    gs = json.loads((out / "01_bob.results.json").read_text())
    assert gs["score"] == rep["score"] and all(set(t) == {"name", "score", "max_score", "output", "visibility"}
                                                 for t in gs["tests"])
    assert sum(t["max_score"] for t in gs["tests"]) == pytest.approx(3, abs=1e-3)
    executed = nbformat.read(out / "01_bob.executed.ipynb", as_version=4)
    assert any("✓ Exercise 01.pca" in o.get("text", "") for c in executed.cells for o in c.get("outputs", []))


def test_a_slow_cell_is_interrupted_and_grading_goes_on(tmp_path):
    rep, by = _grade(tmp_path, "01_slow", "import time\ntime.sleep(60)", PCA, POWER, RANGE, cell_timeout=3)
    assert rep["score"] == 3
    assert any("cell 2 ran longer than 3 s and was interrupted; grading went on" in e for e in rep["events"])


# ------------------------------------------------------------------ grading: the cheater
CHEATS = {
    "forged_records": "import os, json\nfor n in ['01.pca', '01.power', '01.range']:\n"
                      "    open(os.environ.get('LOWDIM_GRADING_LOG') or 'checks.jsonl', 'a').write(\n"
                      "        json.dumps({'name': n, 'status': 'passed', 'message': '', 'seconds': 0}) + '\\n')",
    "monkeypatched_checks": "import lowdim_utils as lu\nfrom lowdim_utils.course import exercises as E, registry as R\n"
                            "lu.check = lambda name, f: f\n"
                            "E.run_check = lambda n, c: E.CheckResult(n, 'passed', '', 0.0, [])\n"
                            "R.expect = lambda *a, **k: None\nR.Feedback = type('F', (Exception,), {})\n"
                            "import glob, os\nfor f in glob.glob(os.path.join(os.path.dirname(E.__file__), 'checks', '*.py')):\n"
                            "    open(f, 'w').write('')",
    "reads_solutions": "import os, glob, lowdim_utils as lu\nfrom lowdim_utils.course.exercises import load_solution\n"
                       "stolen = load_solution('01.pca')\nif stolen:\n    pca_np = stolen\n"
                       "paths = glob.glob('**/solutions/*.py', recursive=True) + glob.glob(os.path.join("
                       "os.path.dirname(lu.__file__), '..', 'solutions', '*.py'))\n"
                       "for p in paths:\n    exec(open(p).read())",
    "os_exit": "import os\nos._exit(0)",
    "sys_exit": "import sys\nsys.exit(0)",
    "endless_loop": "while True:\n    pass",
    "too_much_memory": "import numpy as np\nx = np.ones(2**31)",
    "deletes_files": "import os, shutil, lowdim_utils\nshutil.rmtree(os.path.dirname(lowdim_utils.__file__))\n"
                     "for f in os.listdir('.'):\n    os.path.isfile(f) and os.remove(f)",
    "fake_function": "class Anything:\n    def __eq__(self, other): return True\n    def __getattr__(self, n): return self\n"
                     "def pca_np(X, k):\n    return Anything()",
}


@pytest.mark.parametrize("cheat", sorted(CHEATS))
def test_cheating_earns_nothing_and_honest_work_keeps_its_score(tmp_path, cheat):
    # the honest answer to 01.pca comes first; 01.power and 01.range stay unsolved; then the cheat
    cells = [STUBS, PCA, "pca_np = lu.check('01.pca', pca_np)", CHEATS[cheat], "print('the notebook went on')"]
    rep, by = _grade(tmp_path, f"01_{cheat}", *cells, cell_timeout=5, memory_mb=2048)
    solved = 0.0 if cheat == "fake_function" else 1.0     # the fake redefines pca_np after the honest one
    assert by["01.pca"]["score"] == solved, by["01.pca"]
    assert by["01.power"]["score"] == 0 and by["01.range"]["score"] == 0
    assert rep["score"] == solved
    if cheat in ("os_exit", "endless_loop", "too_much_memory", "sys_exit"):
        assert rep["events"], "the report must say what happened"
    if cheat == "os_exit":
        assert any("stopped the kernel" in e and "cell 5" in e for e in rep["events"])
    if cheat == "endless_loop":
        assert any("ran longer than 5 s and was interrupted" in e for e in rep["events"])
    if cheat == "too_much_memory":
        assert any("MemoryError" in e for e in rep["events"])
    if cheat == "fake_function":
        assert by["01.pca"]["status"] in ("failed", "error") and by["01.pca"]["message"]


def test_deleting_a_check_cell_does_not_shrink_the_maximum(tmp_path):
    rep, by = _grade(tmp_path, "01_two", PCA, POWER)          # no check cells at all, no range_finder_np
    assert rep["max_score"] == 3 and set(by) == {"01.pca", "01.power", "01.range"}
    assert by["01.pca"]["score"] == 1 and by["01.power"]["score"] == 1
    assert by["01.range"]["status"] == "missing" and "defines no function `range_finder_np`" in by["01.range"]["message"]


def test_checks_of_another_lesson_do_not_count(tmp_path):
    sol3 = (ROOT / "solutions" / "03_sparse_coding.py").read_text()
    rep, by = _grade(tmp_path, "01_other", sol3, "lu.check('03.soft', soft_threshold_np)")
    assert set(by) == {"01.pca", "01.power", "01.range"} and rep["score"] == 0


def test_a_function_that_modifies_its_input_is_caught_across_the_process_boundary(tmp_path):
    inplace = ("def pca_np(X, k):\n    X -= X.mean(axis=0)\n    _, s, Vt = np.linalg.svd(X, full_matrices=False)\n"
               "    return Vt[:k], s[:k] ** 2 / (X.shape[0] - 1)")
    rep, by = _grade(tmp_path, "01_inplace", inplace)
    assert by["01.pca"]["score"] < 1 and "modified its input" in by["01.pca"]["message"]


# ------------------------------------------------------------------ many submissions
def test_grade_all_writes_a_csv_and_survives_a_broken_submission(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    _notebook(subs / "01_ann.ipynb", PCA, POWER, RANGE)
    _notebook(subs / "01_ben.ipynb", PCA)
    (subs / "01_broken.ipynb").write_text("{ this is not a notebook")
    rows = grading.grade_all(subs, lesson="01_pca_svd", out_dir=tmp_path / "g", cell_timeout=20, progress=False)
    by = {r["submission"]: r for r in rows}
    assert by["01_ann.ipynb"]["score"] == 3 and by["01_ben.ipynb"]["score"] == 1
    assert by["01_broken.ipynb"]["score"] == 0 and "not graded" in by["01_broken.ipynb"]["problem"]
    with open(tmp_path / "g" / "scores.csv") as f:
        table = list(csv.DictReader(f))
    assert [r["submission"] for r in table] == ["01_ann.ipynb", "01_ben.ipynb", "01_broken.ipynb"]
    assert table[0]["01.pca"] == "1.0" and table[1]["01.range"] == "0.0"


def test_cli_grade_and_lesson_inference(tmp_path):
    path = _notebook(tmp_path / "01_cli.ipynb", PCA)
    p = subprocess.run([sys.executable, "-m", "lowdim_utils.course.instructor", "grade", str(path),
                        "--cell-timeout", "30"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "score **1 / 3**" in p.stdout
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("lowdim")
    nbformat.write(nb, tmp_path / "alice.ipynb")
    with pytest.raises(SystemExit, match="pass --lesson"):
        grading.grade(tmp_path / "alice.ipynb")
