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
Checks are defined next to the lesson's methods (``lowdim_utils/checks/``) with
:func:`exercise`, each with plausible wrong answers that the test suite feeds it to prove
it can fail.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch

__all__ = ["check", "exercise", "Feedback", "ExerciseNotSolved", "CheckResult", "run_check",
           "get_exercise", "all_exercises", "load_solution", "solutions_dir", "is_release",
           "expect", "expect_array", "expect_close", "expect_orthonormal_columns"]


class Feedback(AssertionError):
    """Raised by a check's test: the message is shown to the learner as it is."""


class ExerciseNotSolved(RuntimeError):
    """Stops a classroom-release lesson at an unsolved exercise."""

    def _render_traceback_(self):  # IPython shows just the message, no traceback
        return [f"ExerciseNotSolved: {self}"]


class _Timeout(BaseException):
    pass


@dataclass
class Exercise:
    name: str                     # "01.power_iteration"
    lesson: str                   # notebook stem, e.g. "01_pca_svd"
    function: str                 # the stub's name in the lesson and the solution's in solutions/
    test: Callable                # test(candidate) -> None, raises Feedback
    wrong_answers: list = field(default_factory=list)  # plausible wrong answers (callables)
    timeout: float = 20.0         # seconds for the whole test
    points: float = 1.0
    title: str = ""


_REGISTRY: dict[str, Exercise] = {}


def exercise(name: str, *, lesson: str, function: str, title: str = "", timeout: float = 20.0,
             points: float = 1.0):
    """Decorator registering ``test(candidate)`` as the check of exercise ``name``.

    The decorated test gets a ``wrong_answers`` list attribute-style via :meth:`add_wrong`::

        @exercise("01.center", lesson="01_pca_svd", function="center_np")
        def _test(f): ...
        @_test.wrong
        def _(X): return X - X.mean()
    """
    def deco(test):
        ex = Exercise(name, lesson, function, test, [], timeout, points, title)
        _REGISTRY[name] = ex

        def wrong(fn):
            ex.wrong_answers.append(fn)
            return fn
        test.wrong = wrong
        test.exercise = ex
        return test
    return deco


def _load_checks():
    from . import checks  # noqa: F401  (registers every lesson's exercises)


def get_exercise(name: str) -> Exercise:
    _load_checks()
    if name not in _REGISTRY:
        raise KeyError(f"name must be a known exercise such as {sorted(_REGISTRY)[:3]}, got {name!r}.")
    return _REGISTRY[name]


def all_exercises() -> list[Exercise]:
    _load_checks()
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


# ---------------------------------------------------------------- solutions and releases

def _repo_root() -> Path:
    return Path(__file__).resolve().parents[1]


def is_release() -> bool:
    """True in a classroom release (``LOWDIM_RELEASE=1`` or a ``_release`` marker in the package)."""
    return os.environ.get("LOWDIM_RELEASE") == "1" or (Path(__file__).parent / "_release").exists()


def solutions_dir() -> Path | None:
    """Where written solutions live (``$LOWDIM_SOLUTIONS`` or ``solutions/``); None in a release."""
    if is_release():
        return None
    p = Path(os.environ.get("LOWDIM_SOLUTIONS") or _repo_root() / "solutions")
    return p if p.is_dir() else None


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
    here = str(Path(__file__).parent)
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


# ---------------------------------------------------------------- helpers for writing tests

def expect(condition, message: str) -> None:
    """Raise :class:`Feedback` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise Feedback(message)


def expect_array(out, what: str, *, shape=None, kind: str = "any"):
    """Check an output is an array/tensor of the right shape with finite values; return it as float64 NumPy.

    ``kind``: ``"numpy"``, ``"torch"`` or ``"any"``.
    """
    if kind == "numpy" and not isinstance(out, np.ndarray):
        raise Feedback(f"{what} should be a NumPy array, got {type(out).__name__}.")
    if kind == "torch" and not isinstance(out, torch.Tensor):
        raise Feedback(f"{what} should be a torch tensor, got {type(out).__name__}.")
    if isinstance(out, torch.Tensor):
        arr = out.detach().cpu().numpy()
    elif isinstance(out, np.ndarray):
        arr = out
    elif kind == "any" and isinstance(out, (int, float, np.number)) and not isinstance(out, bool):
        arr = np.asarray(out)
    else:
        raise Feedback(f"{what} should be an array, got {type(out).__name__}"
                       + (" (did you forget a `return`?)" if out is None else "") + ".")
    if shape is not None and tuple(arr.shape) != tuple(shape):
        raise Feedback(f"{what} has shape {tuple(arr.shape)}, expected {tuple(shape)}.")
    if not np.issubdtype(arr.dtype, np.number):
        raise Feedback(f"{what} should hold numbers, got dtype {arr.dtype}.")
    if np.iscomplexobj(arr):
        raise Feedback(f"{what} is complex; expected real values.")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise Feedback(f"{what} contains {int((~np.isfinite(arr)).sum())} NaN/inf entries "
                       f"(first at index {tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])}).")
    return arr


def expect_close(out, ref, what: str, *, rtol: float = 1e-5, atol: float = 1e-8, hint: str = "") -> None:
    """Compare ``out`` with ``ref`` entrywise; on failure name the first differing entry."""
    ref = np.asarray(ref, dtype=np.float64)
    arr = expect_array(out, what, shape=ref.shape)
    bad = ~np.isclose(arr, ref, rtol=rtol, atol=atol)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise Feedback(f"{what} differs from the expected value in {int(bad.sum())} of {bad.size} entries; "
                       f"first at index {idx}: got {arr[idx]:.6g}, expected {ref[idx]:.6g}."
                       + (f" {hint}" if hint else ""))


def expect_orthonormal_columns(Q, what: str, *, tol: float = 1e-6) -> None:
    """Check ``QᵀQ = I``."""
    Q = expect_array(Q, what)
    if Q.ndim != 2:
        raise Feedback(f"{what} should be a matrix, got shape {Q.shape}.")
    G = Q.T @ Q
    err = np.abs(G - np.eye(G.shape[0])).max()
    if err > tol:
        norms = np.sqrt(np.diag(G))
        detail = (f"column norms range {norms.min():.3g}..{norms.max():.3g}" if np.abs(norms - 1).max() > tol
                  else "the columns have unit norm but are not mutually orthogonal")
        raise Feedback(f"the columns of {what} are not orthonormal (max |QᵀQ − I| = {err:.2g}; {detail}).")
