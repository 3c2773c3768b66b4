"""Exercises: checks that give feedback a learner can act on.

In a lesson an exercise is a function stub followed by a check::

    def power_iteration_np(A, n_iter=100):
        # YOUR CODE HERE
        raise NotImplementedError

    power_iteration_np = check("01.power_iteration", power_iteration_np)

:func:`check` runs the exercise's tests on the learner's function with a time limit and
prints one of

* ``✓ passed`` — the learner's function is returned and the lesson goes on with it;
* ``… not implemented yet`` / ``✗ <what is wrong>`` — the lesson goes on with the
  course's solution (from ``solutions/``), and says so;
* in a classroom release (no solutions shipped) an unsolved exercise stops the lesson
  with :class:`ExerciseNotSolved`, a clear message and no traceback noise.

A learner's exception, NaN output or endless loop becomes a message, never a dead kernel.
Checks are defined in ``lowdim_utils/course/checks/lessonNN.py`` with
:func:`~lowdim_utils.course.registry.exercise`, each with plausible wrong answers that the
test suite feeds it to prove it can fail.
"""
from __future__ import annotations

import contextlib
import importlib.util
import signal
import threading
import time
from dataclasses import dataclass, field

from .layout import solutions_dir
from .registry import _OUTCOMES, Exercise, ExerciseNotSolved, Feedback, describe_error, registered

__all__ = ["check", "CheckResult", "run_check", "get_exercise", "all_exercises", "load_solution", "show_solution"]


class _Timeout(BaseException):
    pass


def _load_checks():
    from . import checks  # noqa: F401  (registers every lesson's exercises)
    # the instructor's copy also has wrong answers and hidden parts (a release does not)
    if importlib.util.find_spec(f"{__package__}.hidden") is not None:
        from . import hidden  # noqa: F401


def get_exercise(name: str) -> Exercise:
    """The registered :class:`~lowdim_utils.course.registry.Exercise` called ``name`` (e.g. ``"01.pca"``)."""
    _load_checks()
    reg = registered()
    if not isinstance(name, str) or name not in reg:
        raise KeyError(f"name must be a known exercise such as {sorted(reg)[:3]}, got {name!r}.")
    return reg[name]


def all_exercises() -> list[Exercise]:
    """Every registered exercise, sorted by name."""
    _load_checks()
    reg = registered()
    return [reg[k] for k in sorted(reg)]


# ---------------------------------------------------------------- solutions

def load_solution(ex: Exercise | str):
    """The course's solution function of an exercise, or None when no solutions are available."""
    ex = get_exercise(ex) if isinstance(ex, str) else ex
    d = solutions_dir()
    if d is None:
        return None
    path = d / f"{ex.lesson}.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"lowdim_solutions_{ex.lesson}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return getattr(mod, ex.function, None)


def solution_source(ex: Exercise | str) -> str | None:
    """The source code of an exercise's written solution (its function in ``solutions/``), or None."""
    import ast
    ex = get_exercise(ex) if isinstance(ex, str) else ex
    d = solutions_dir()
    path = d / f"{ex.lesson}.py" if d is not None else None
    if path is None or not path.exists():
        return None
    text = path.read_text()
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef) and node.name == ex.function:
            return ast.get_source_segment(text, node)
    return None


def show_solution(name: str) -> None:
    """Print the course's solution of exercise ``name`` (e.g. ``"01.pca"``). In the book the solution
    sits in a box under the exercise; JupyterLab cannot fill that box, so this is the way there."""
    ex = get_exercise(name)
    src = solution_source(ex)
    if src is None:
        print(f"Exercise {ex.name}: this copy of the course has no written solutions (a classroom release).")
        return
    print(f"Solution of exercise {ex.name}" + (f" ({ex.title})" if ex.title else "")
          + f", from solutions/{ex.lesson}.py:\n")
    print(src)


# ---------------------------------------------------------------- running a check

@dataclass
class CheckResult:
    name: str
    status: str      # passed | not_implemented | failed | error | timeout
    message: str
    seconds: float
    parts: list = field(default_factory=list)   # [{"title", "weight", "passed", "message", "hidden"}]

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def fraction(self) -> float:
        """The share of the exercise's points earned: the weights of the passed parts over all weights."""
        total = sum(p["weight"] for p in self.parts)
        return sum(p["weight"] for p in self.parts if p["passed"]) / total if total else 0.0


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Interrupt the body after ``seconds`` (POSIX main thread; elsewhere only measured)."""
    usable = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def handler(signum, frame):
        raise _Timeout()
    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _run_test(test, candidate, timeout):
    """Run one test function under a part collector; returns (outcomes, status, message)."""
    outcomes = []
    token = _OUTCOMES.set(outcomes)
    try:
        with _time_limit(timeout):
            test(candidate)
    except _Timeout:
        return outcomes, "timeout", (f"your function did not finish within {timeout:g} s: look for a loop "
                                     "that never ends (e.g. a convergence test that can never become true).")
    except NotImplementedError:
        return outcomes, "not_implemented", "not implemented yet."
    except Feedback as fb:
        return outcomes, "failed", str(fb)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # the learner's code raised outside any part
        return outcomes, "error", describe_error(exc)
    finally:
        _OUTCOMES.reset(token)
    return outcomes, "passed", ""


def _row(p, passed, message):
    return dict(title=p.title, weight=p.weight, passed=bool(passed), message=message, hidden=p.hidden)


def run_check(name: str, candidate) -> CheckResult:
    """Run exercise ``name``'s check on ``candidate`` — every part, the hidden ones too where this
    copy of the course has them — and classify the outcome; never raises."""
    ex = get_exercise(name)
    t0 = time.perf_counter()
    parts = ex.all_parts()

    def done(status, message, rows):
        return CheckResult(name, status, message, time.perf_counter() - t0, rows)

    if not callable(candidate):
        msg = f"expected a function `{ex.function}`, got {type(candidate).__name__}."
        return done("failed", msg, [_row(p, False, msg) for p in parts])
    outcomes, status, message = _run_test(ex.test, candidate, ex.timeout)
    if status in ("not_implemented", "timeout"):
        return done(status, message, [_row(p, False, message) for p in parts])
    seen = {t: (ok, m) for t, ok, m in outcomes}
    rows = []
    for p in parts:
        if p.hidden:
            _, hstatus, hmsg = _run_test(p.test, candidate, ex.timeout)
            rows.append(_row(p, hstatus == "passed", hmsg))
        elif ex.parts:
            default = (False, message or "this part was not reached (the check stopped before it).")
            rows.append(_row(p, *seen.get(p.title, default)))
        else:                                   # no declared parts: the whole test is one part
            rows.append(_row(p, status == "passed", message))
    failed = [r for r in rows if not r["passed"]]
    if not failed:
        return done("passed", "passed all checks.", rows)
    if len(rows) > 1:
        shown = [r for r in failed if not r["hidden"]] or failed
        by_message: dict = {}                 # parts that failed for the same reason are named together
        for r in shown:
            if r["message"]:
                by_message.setdefault(r["message"], []).append(r["title"])
        message = f"{len(rows) - len(failed)} of {len(rows)} parts passed. " + "; ".join(
            f"{', '.join(titles)}: {msg}" for msg, titles in by_message.items())
    return done("error" if status == "error" else "failed", message, rows)


def check(name: str, candidate):
    """Check the learner's ``candidate`` for exercise ``name``; return the function the lesson
    should go on with (the learner's if it passed, else the course's solution)."""
    ex = get_exercise(name)
    res = run_check(name, candidate)
    title = f"Exercise {name}" + (f" ({ex.title})" if ex.title else "")
    if res.passed:
        print(f"✓ {title}: {res.message}")
        return candidate
    mark = "…" if res.status == "not_implemented" else "✗"
    print(f"{mark} {title}: {res.message}")
    solution = load_solution(ex)
    if solution is None:
        raise ExerciseNotSolved(
            f"{title} must be solved before the lesson can go on (this copy of the course ships "
            f"without solutions): complete `{ex.function}` above and run its cells again.")
    print(f"  → the lesson continues with the course's solution (solutions/{ex.lesson}.py).")
    return solution
