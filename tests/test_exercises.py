"""Every exercise: its check passes the written solution (full credit), rejects plausible wrong answers
(less than full credit, partial credit where a check has parts), says "not implemented" for the lesson's
stub, and the stub's signature is the solution's. The public checks (shipped in a classroom release)
contain no solution code: wrong answers and hidden parts live in ``lowdim_utils/course/hidden/``."""
import ast
import functools
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lowdim_utils.course import exercises as exm
from lowdim_utils.course import registry as reg
from lowdim_utils.course.exercises import all_exercises, check, load_solution, run_check

ROOT = Path(__file__).resolve().parents[1]
CHECKS_DIR = ROOT / "lowdim_utils" / "course" / "checks"
EXERCISES = all_exercises()
IDS = [e.name for e in EXERCISES]


@functools.lru_cache(maxsize=None)
def _result(name: str, fn):
    """run_check(name, fn), once per (exercise, candidate): several tests look at the same run."""
    ex = exm.get_exercise(name)
    if "never_stops" in getattr(fn, "__name__", ""):
        old, ex.timeout = ex.timeout, 1.0
        try:
            return run_check(name, fn)
        finally:
            ex.timeout = old
    return run_check(name, fn)


@functools.lru_cache(maxsize=None)
def _solution(name: str):
    return load_solution(name)


def _stub(ex):
    src = (ROOT / "notebooks" / f"{ex.lesson}.py").read_text()
    tree = ast.parse(src)
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == ex.function]
    assert len(defs) == 1, f"notebooks/{ex.lesson}.py must define `{ex.function}` exactly once (found {len(defs)})"
    ns = {}
    exec(compile(ast.Module(body=defs, type_ignores=[]), f"{ex.lesson}.py", "exec"), ns)
    return ns[ex.function], src


def test_there_are_exercises():
    assert len(EXERCISES) >= 4


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_solution_exists_and_passes(ex):
    sol = _solution(ex.name)
    assert sol is not None, f"solutions/{ex.lesson}.py must define `{ex.function}`"
    res = _result(ex.name, sol)
    assert res.passed, res.message


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_check_rejects_every_wrong_answer(ex):
    assert len(ex.wrong_answers) >= 2, f"{ex.name} needs at least two plausible wrong answers"
    for wrong in ex.wrong_answers:
        res = _result(ex.name, wrong)
        assert not res.passed, f"{ex.name} accepted the wrong answer {wrong.__name__}"
        assert res.message and res.status in ("failed", "error", "timeout")


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_solution_earns_full_credit_and_wrong_answers_less(ex):
    res = _result(ex.name, _solution(ex.name))
    assert res.fraction == 1, f"the solution of {ex.name} earns {res.fraction:.2f}: {res.message}"
    assert [r["title"] for r in res.parts] == [p.title for p in ex.all_parts()]
    for wrong in ex.wrong_answers:
        res = _result(ex.name, wrong)
        assert res.fraction < 1, f"{ex.name} gave full credit to the wrong answer {wrong.__name__}"


@pytest.mark.parametrize("ex", [e for e in EXERCISES if e.parts], ids=[e.name for e in EXERCISES if e.parts])
def test_declared_parts_are_the_parts_the_check_runs(ex):
    """Every `with part(title)` of the check names a declared part (a typo would be ignored silently),
    and the solution passes each of them."""
    outcomes, status, message = exm._run_test(ex.test, _solution(ex.name), ex.timeout)
    assert status == "passed", message
    declared = [p.title for p in ex.parts]
    ran = [t for t, _, _ in outcomes]
    assert set(ran) == set(declared), f"{ex.name}: parts run {sorted(set(ran))}, declared {declared}"
    assert all(ok for _, ok, _ in outcomes)


def test_partial_credit_is_used():
    with_parts = [e.name for e in EXERCISES if len(e.parts) >= 2]
    assert len(with_parts) >= 10, f"only {with_parts} declare two or more parts"
    partial = sorted({e.name for e in EXERCISES for w in e.wrong_answers if 0 < _result(e.name, w).fraction < 1})
    assert len(partial) >= 5, f"a wrong answer earns partial credit only on {partial}"
    # the total points of an exercise are unchanged by parts: weights are shares of ex.points
    assert all(e.points == 1.0 for e in EXERCISES)


def test_a_partly_right_answer_is_told_which_parts_failed():
    ex = exm.get_exercise("01.pca")
    inplace = next(w for w in ex.wrong_answers if w.__name__ == "_pca_inplace")
    res = _result("01.pca", inplace)
    assert 0 < res.fraction < 1 and res.status == "failed"
    failed = [r["title"] for r in res.parts if not r["passed"]]
    assert failed == ["leaves X unchanged"]
    assert res.message.startswith(f"{len(res.parts) - 1} of {len(res.parts)} parts passed.")
    assert "modified its input X in place" in res.message


# ------------------------------------------------------------------ a classroom release ships no solution code
def _function_bodies(tree):
    """(name, ast.dump of the body without its docstring) of every function in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                body = body[1:]
            if body:
                yield node.name, ast.dump(ast.Module(body=body, type_ignores=[]))


def _statements(tree, min_ops=3):
    """ast.dump of every non-trivial statement inside a function of ``tree``: one with at least
    ``min_ops`` operations (calls, arithmetic, attribute lookups, indexing...), so that ``r = A.shape[0]``
    may repeat but ``Xc = X - X.mean(axis=0)`` may not."""
    def ops(node):
        return sum(isinstance(n, ast.expr) and not isinstance(n, (ast.Name, ast.Constant)) for n in ast.walk(node))
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, ast.stmt) and node is not fn and not isinstance(node, ast.Expr) \
                        and not isinstance(node, (ast.FunctionDef, ast.If, ast.For, ast.While, ast.With, ast.Try)) \
                        and ops(node) >= min_ops:
                    yield node


def _check_modules():
    mods = sorted(CHECKS_DIR.glob("*.py"))
    assert len([m for m in mods if m.name.startswith("lesson")]) >= 9
    return [(m, ast.parse(m.read_text(), str(m))) for m in mods]


def test_checks_contain_no_solution_function_body():
    solutions = {}
    for path in sorted((ROOT / "solutions").glob("*.py")):
        for name, body in _function_bodies(ast.parse(path.read_text())):
            solutions[body] = f"solutions/{path.name}:{name}"
    assert len(solutions) >= 25
    for path, tree in _check_modules():
        for name, body in _function_bodies(tree):
            assert body not in solutions, \
                f"checks/{path.name}:{name} has the body of {solutions[body]}: move it to hidden/ or use an oracle"


def test_checks_contain_no_statement_of_a_solution():
    lines = {}
    for path in sorted((ROOT / "solutions").glob("*.py")):
        for node in _statements(ast.parse(path.read_text())):
            lines[ast.dump(node)] = f"solutions/{path.name}"
    assert len(lines) >= 20
    for path, tree in _check_modules():
        copied = [f"`{ast.unparse(n)}` (from {lines[ast.dump(n)]})" for n in _statements(tree) if ast.dump(n) in lines]
        assert not copied, f"checks/{path.name} repeats lines of a solution: {copied}"


def test_checks_import_neither_hidden_nor_solutions():
    for path, tree in _check_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                mod = node.module or ""
                names = [a.name for a in node.names]
                assert "hidden" not in mod.split(".") and "hidden" not in names, \
                    f"checks/{path.name} imports from the instructor-only package hidden/"
                assert "solutions" not in mod and not mod.startswith("lowdim_solutions"), \
                    f"checks/{path.name} imports a solution"
                assert not {"wrong", "hidden_part", "load_solution"} & set(names), \
                    f"checks/{path.name} imports {sorted({'wrong', 'hidden_part', 'load_solution'} & set(names))}"
            elif isinstance(node, ast.Import):
                for a in node.names:
                    assert "hidden" not in a.name.split(".") and "solutions" not in a.name, \
                        f"checks/{path.name} imports {a.name}"
            elif isinstance(node, (ast.Name, ast.Attribute)):
                ident = node.id if isinstance(node, ast.Name) else node.attr
                assert ident not in ("load_solution", "solutions_dir"), f"checks/{path.name} uses {ident}"


def test_no_wrong_answer_is_defined_in_checks():
    def is_wrong(dec):
        f = dec.func if isinstance(dec, ast.Call) else dec
        return (isinstance(f, ast.Attribute) and f.attr in ("wrong", "hidden_part")) or \
               (isinstance(f, ast.Name) and f.id in ("wrong", "hidden_part"))
    for path, tree in _check_modules():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert not any(is_wrong(d) for d in node.decorator_list), \
                    f"checks/{path.name}:{node.name} is a wrong answer or hidden part: it belongs in hidden/"


def test_every_wrong_answer_lives_in_hidden():
    hidden = ROOT / "lowdim_utils" / "course" / "hidden"
    for ex in EXERCISES:
        for w in ex.wrong_answers:
            assert Path(inspect.getsourcefile(w)).resolve().parent == hidden.resolve(), \
                f"the wrong answer {w.__name__} of {ex.name} is defined outside hidden/"


def test_checks_work_without_the_hidden_package():
    """A classroom release ships checks/ but not hidden/: every check still registers and passes its solution."""
    code = (
        "import sys\n"
        "sys.modules['lowdim_utils.course.hidden'] = None   # as if the package were not shipped\n"
        "from lowdim_utils.course.exercises import all_exercises, load_solution, run_check\n"
        "exs = all_exercises()\n"
        "assert len(exs) >= 20, len(exs)\n"
        "for ex in exs:\n"
        "    assert not ex.wrong_answers and all(not p.hidden for p in ex.all_parts()), ex.name\n"
        "    res = run_check(ex.name, load_solution(ex))\n"
        "    assert res.passed and res.fraction == 1, (ex.name, res.message)\n"
        "print('ok', len(exs))\n")
    env = dict(os.environ, LOWDIM_DEVICE=os.environ.get("LOWDIM_DEVICE", "cpu"))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.startswith("ok")


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_stub_is_tied_to_the_solution(ex):
    stub, src = _stub(ex)
    sol = load_solution(ex)
    assert inspect.signature(stub) == inspect.signature(sol), \
        f"stub {inspect.signature(stub)} and solution {inspect.signature(sol)} of {ex.name} differ"
    assert run_check(ex.name, stub).status == "not_implemented"
    assert re.search(rf"""check\(\s*["']{re.escape(ex.name)}["']\s*,\s*{ex.function}\s*\)""", src), \
        f"the lesson must call check({ex.name!r}, {ex.function})"
    assert f":pyobject: {ex.function}" in src, f"the lesson must show the solution of {ex.name} with literalinclude"


# ------------------------------------------------------------------ the mechanism itself
def test_unsolved_exercise_continues_with_the_solution(capsys):
    def pca_np(X, k):
        raise NotImplementedError
    f = check("01.pca", pca_np)
    out = capsys.readouterr().out
    # the returned function is the written solution (load_solution re-executes the file, so compare
    # where its code comes from, not object identity)
    assert f is not pca_np and f.__name__ == "pca_np"
    assert Path(f.__code__.co_filename).resolve() == (ROOT / "solutions" / "01_pca_svd.py").resolve()
    assert "not implemented yet" in out and "continues with the course's solution" in out


def test_passing_exercise_returns_the_learners_function(capsys):
    sol = load_solution("01.pca")
    assert check("01.pca", sol) is sol
    assert "✓ Exercise 01.pca" in capsys.readouterr().out


def test_release_mode_stops_with_a_clear_message(monkeypatch, capsys):
    monkeypatch.setenv("LOWDIM_RELEASE", "1")

    def pca_np(X, k):
        raise NotImplementedError
    with pytest.raises(reg.ExerciseNotSolved, match="must be solved before the lesson can go on"):
        check("01.pca", pca_np)
    assert load_solution("01.pca") is None


def test_learner_exceptions_become_messages_with_the_line():
    def pca_np(X, k):
        Xc = X - X.mean(axis=0)
        return np.linalg.svd(Xc)[5]      # IndexError in the learner's code
    res = run_check("01.pca", pca_np)
    assert res.status == "error"
    assert "raised IndexError" in res.message and "np.linalg.svd(Xc)[5]" in res.message


def test_endless_loop_is_interrupted():
    ex = exm.get_exercise("01.power")
    old, ex.timeout = ex.timeout, 0.5

    def power_iteration_np(A, n_iter=500, tol=1e-10):
        while True:
            pass
    try:
        res = run_check("01.power", power_iteration_np)
    finally:
        ex.timeout = old
    assert res.status == "timeout" and "did not finish within 0.5 s" in res.message


def test_non_function_and_missing_return_get_feedback():
    assert "expected a function" in run_check("01.pca", 42).message
    res = run_check("01.range", lambda X, size, n_iter, rng: None)
    assert res.status == "failed" and "did you forget a `return`" in res.message


def test_recursion_is_contained():
    def f(s):
        return f(s)
    assert run_check("00.evr", f).status == "error"


def test_unknown_exercise_name():
    with pytest.raises(KeyError, match="name must be a known exercise"):
        exm.get_exercise("99.nope")


# ------------------------------------------------------------------ feedback helpers
def test_expect_close_names_the_first_differing_entry():
    with pytest.raises(reg.Feedback, match=r"first at index \(1,\): got 5, expected 2"):
        reg.expect_close(np.array([1.0, 5.0, 3.0]), np.array([1.0, 2.0, 3.0]), "v")


def test_expect_array_shape_nan_and_type():
    with pytest.raises(reg.Feedback, match=r"has shape \(2,\), expected \(3,\)"):
        reg.expect_array(np.ones(2), "v", shape=(3,))
    with pytest.raises(reg.Feedback, match=r"1 NaN/inf entries \(first at index \(1,\)\)"):
        reg.expect_array(np.array([1.0, np.nan]), "v")
    with pytest.raises(reg.Feedback, match="should be a NumPy array"):
        reg.expect_array([1, 2], "v", kind="numpy")


def test_expect_orthonormal_columns_explains_why():
    with pytest.raises(reg.Feedback, match="column norms range"):
        reg.expect_orthonormal_columns(2 * np.eye(3), "Q")
    with pytest.raises(reg.Feedback, match="not mutually orthogonal"):
        reg.expect_orthonormal_columns(np.array([[1.0, 1 / np.sqrt(2)], [0.0, 1 / np.sqrt(2)]]), "Q")


def test_show_solution_prints_the_written_solution(capsys, monkeypatch):
    import lowdim_utils as lu
    lu.show_solution("01.pca")
    out = capsys.readouterr().out
    assert "Solution of exercise 01.pca" in out and "def pca_np(X, k):" in out
    monkeypatch.setenv("LOWDIM_RELEASE", "1")
    lu.show_solution("01.pca")
    assert "has no written solutions" in capsys.readouterr().out
