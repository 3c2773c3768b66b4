"""Every exercise: its check passes the written solution, rejects plausible wrong answers,
says "not implemented" for the lesson's stub, and the stub's signature is the solution's."""
import ast
import inspect
import re
from pathlib import Path

import numpy as np
import pytest

from lowdim_utils.course import exercises as exm
from lowdim_utils.course import registry as reg
from lowdim_utils.course.exercises import all_exercises, check, load_solution, run_check

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = all_exercises()
IDS = [e.name for e in EXERCISES]


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
    sol = load_solution(ex)
    assert sol is not None, f"solutions/{ex.lesson}.py must define `{ex.function}`"
    res = run_check(ex.name, sol)
    assert res.passed, res.message


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_check_rejects_every_wrong_answer(ex):
    assert len(ex.wrong_answers) >= 2, f"{ex.name} needs at least two plausible wrong answers"
    for wrong in ex.wrong_answers:
        if "never_stops" in wrong.__name__:
            ex_timeout, ex.timeout = ex.timeout, 1.0
            try:
                res = run_check(ex.name, wrong)
            finally:
                ex.timeout = ex_timeout
        else:
            res = run_check(ex.name, wrong)
        assert not res.passed, f"{ex.name} accepted the wrong answer {wrong.__name__}"
        assert res.message and res.status in ("failed", "error", "timeout")


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
