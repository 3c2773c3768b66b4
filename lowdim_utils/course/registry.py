"""The exercise registry and the helpers checks are written with.

A check of lesson NN lives in ``lowdim_utils/course/checks/lessonNN.py``::

    from ..registry import Feedback, exercise, expect, expect_array

    @exercise("01.center", lesson="01_pca_svd", function="center_np", title="Centring")
    def _test(f):
        ...                       # raise Feedback("what is wrong and how to fix it")

A check may have **parts**, each worth a share of the exercise's points (partial credit)::

    @exercise("01.pca", lesson="01_pca_svd", function="pca_np", parts={"shape": 1, "values": 2})
    def _test(f):
        out = f(X, 3)
        with part("shape"):
            ...                   # a Feedback here fails this part only; the next part still runs
        with part("values"):
            ...

Two kinds of code stay with the instructor and never ship in a classroom release (they live in
``lowdim_utils/course/hidden/lessonNN.py``): **wrong answers** (``@wrong("01.pca")``), which the
test suite feeds each check to prove it can fail, and **hidden parts**
(``@hidden_part("01.pca", "matches the reference", weight=1)``), extra checks that grading runs,
e.g. against reference implementations.

This module imports nothing of the checks (they import it), so there is no import cycle:
``registry`` ← ``checks``, ``hidden`` ← ``exercises``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import contextlib
import contextvars

import numpy as np

__all__ = ["Feedback", "ExerciseNotSolved", "Exercise", "Part", "exercise", "part", "wrong", "hidden_part",
           "registered", "expect", "expect_array", "expect_close", "expect_orthonormal_columns"]


class Feedback(AssertionError):
    """Raised by a check's test: the message is shown to the learner as it is."""


class ExerciseNotSolved(RuntimeError):
    """Stops a classroom-release lesson at an unsolved exercise."""

    def _render_traceback_(self):  # IPython shows just the message, no traceback
        return [f"ExerciseNotSolved: {self}"]


@dataclass
class Part:
    """A part of a check: its title, its weight (share of the points), and whether it is hidden
    (graded, but not shown in a release; ``test`` is then its own function ``test(candidate)``)."""
    title: str
    weight: float = 1.0
    hidden: bool = False
    test: Callable | None = None


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
    parts: list = field(default_factory=list)          # [Part]; empty: the test is one part

    def all_parts(self) -> list:
        """The parts of the check, public ones first; a test without declared parts is one part."""
        public = self.parts or [Part("all checks", 1.0)]
        return public + [p for p in _HIDDEN.get(self.name, [])]


_REGISTRY: dict[str, Exercise] = {}
_WRONG: dict[str, list] = {}
_HIDDEN: dict[str, list] = {}
# the parts' outcomes of the check being run: a list of (title, passed, message), or None when
# no check is running (then part() lets Feedback through, so the first failure is reported)
_OUTCOMES: contextvars.ContextVar = contextvars.ContextVar("lowdim_part_outcomes", default=None)


def registered() -> dict[str, Exercise]:
    """The exercises registered so far, by name (import ``lowdim_utils.course.checks`` to register all)."""
    return _REGISTRY


def exercise(name: str, *, lesson: str, function: str, title: str = "", timeout: float = 20.0,
             points: float = 1.0, parts: dict | None = None):
    """Decorator registering ``test(candidate)`` as the check of exercise ``name``.

    ``parts`` maps part titles to weights (``{"shape": 1, "values": 2}``); the test then marks
    each part with ``with part(title):``. The decorated test gains ``.exercise`` (its
    :class:`Exercise`).
    """
    def deco(test):
        declared = [Part(str(t), float(w)) for t, w in (parts or {}).items()]
        ex = Exercise(name, lesson, function, test, _WRONG.setdefault(name, []), timeout, points, title, declared)
        _REGISTRY[name] = ex
        test.exercise = ex
        test.wrong = wrong(name)
        return test
    return deco


def wrong(name: str):
    """Decorator adding a plausible wrong answer to exercise ``name`` (instructor copy only)."""
    def deco(fn):
        _WRONG.setdefault(name, []).append(fn)
        return fn
    return deco


def hidden_part(name: str, title: str, *, weight: float = 1.0):
    """Decorator adding a hidden part ``test(candidate)`` to exercise ``name``: graded (and run by the
    instructor's copy), but absent from a classroom release."""
    def deco(fn):
        _HIDDEN.setdefault(name, []).append(Part(title, float(weight), True, fn))
        return fn
    return deco


@contextlib.contextmanager
def part(title: str):
    """Mark a block of a check as the part ``title`` (declared in ``@exercise(parts=...)``).

    While a check runs under :func:`lowdim_utils.course.exercises.run_check`, a
    :class:`Feedback` (or an exception of the learner's code) inside the block fails this part
    only, and the check goes on with its next part.
    """
    outcomes = _OUTCOMES.get()
    if outcomes is None:
        yield
        return
    try:
        yield
    except NotImplementedError:
        raise                      # the stub: the whole exercise is "not implemented yet"
    except Feedback as fb:
        outcomes.append((title, False, str(fb)))
    except Exception as exc:   # the learner's function raised inside this part
        outcomes.append((title, False, describe_error(exc)))
    else:
        outcomes.append((title, True, ""))


def _learner_frame(tb) -> str:
    """'(at line N: `code`)' for the innermost frame outside lowdim_utils, when there is one."""
    import traceback
    from .layout import PACKAGE_DIR
    here = str(PACKAGE_DIR)
    frames = [f for f in traceback.extract_tb(tb) if not f.filename.startswith(here)]
    if not frames:
        return ""
    f = frames[-1]
    return f" (at line {f.lineno}: `{(f.line or '').strip()}`)"


def describe_error(exc) -> str:
    """The message a learner sees when their function raised ``exc``."""
    if isinstance(exc, RecursionError):
        return "your function recursed too deeply (RecursionError)."
    return f"your function raised {type(exc).__name__}: {exc}{_learner_frame(exc.__traceback__)}"


# ---------------------------------------------------------------- helpers for writing tests

def expect(condition, message: str) -> None:
    """Raise :class:`Feedback` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise Feedback(message)


def expect_array(out, what: str, *, shape=None, kind: str = "any"):
    """Check an output is an array/tensor of the right shape with finite values; return it as float64 NumPy.

    ``kind``: ``"numpy"``, ``"torch"`` or ``"any"``.
    """
    import torch
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
