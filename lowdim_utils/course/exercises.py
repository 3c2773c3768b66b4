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
import json
import os
import signal
import threading
import time
import traceback
from dataclasses import dataclass

from .layout import PACKAGE_DIR, solutions_dir
from .registry import Exercise, ExerciseNotSolved, Feedback, registered

__all__ = ["check", "CheckResult", "run_check", "get_exercise", "all_exercises", "load_solution"]


class _Timeout(BaseException):
    pass


def _load_checks():
    from . import checks  # noqa: F401  (registers every lesson's exercises)


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


# ---------------------------------------------------------------- running a check

@dataclass
class CheckResult:
    name: str
    status: str      # passed | not_implemented | failed | error | timeout
    message: str
    seconds: float

    @property
    def passed(self) -> bool:
        return self.status == "passed"


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


def _learner_frame(tb) -> str:
    """'line N of your code' for the innermost frame outside lowdim_utils, when there is one."""
    here = str(PACKAGE_DIR)
    frames = [f for f in traceback.extract_tb(tb) if not f.filename.startswith(here)]
    if not frames:
        return ""
    f = frames[-1]
    return f" (at line {f.lineno}: `{(f.line or '').strip()}`)"


def run_check(name: str, candidate) -> CheckResult:
    """Run exercise ``name``'s test on ``candidate`` and classify the outcome (never raises)."""
    ex = get_exercise(name)
    t0 = time.perf_counter()

    def result(status, msg):
        return CheckResult(name, status, msg, time.perf_counter() - t0)

    if not callable(candidate):
        return result("failed", f"expected a function `{ex.function}`, got {type(candidate).__name__}.")
    try:
        with _time_limit(ex.timeout):
            ex.test(candidate)
    except _Timeout:
        return result("timeout", f"your function did not finish within {ex.timeout:g} s: look for a loop "
                                 "that never ends (e.g. a convergence test that can never become true).")
    except NotImplementedError:
        return result("not_implemented", "not implemented yet.")
    except Feedback as fb:
        return result("failed", str(fb))
    except RecursionError:
        return result("error", "your function recursed too deeply (RecursionError).")
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # the learner's code raised
        return result("error", f"your function raised {type(exc).__name__}: {exc}{_learner_frame(exc.__traceback__)}")
    return result("passed", "passed all checks.")


def _grading_log(res: CheckResult) -> None:
    path = os.environ.get("LOWDIM_GRADING_LOG")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps(res.__dict__) + "\n")


def check(name: str, candidate):
    """Check the learner's ``candidate`` for exercise ``name``; return the function the lesson
    should go on with (the learner's if it passed, else the course's solution)."""
    ex = get_exercise(name)
    res = run_check(name, candidate)
    _grading_log(res)
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
