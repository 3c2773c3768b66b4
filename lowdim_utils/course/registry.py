"""The exercise registry and the helpers checks are written with.

A check of lesson NN lives in ``lowdim_utils/course/checks/lessonNN.py``::

    from ..registry import Feedback, exercise, expect, expect_array

    @exercise("01.center", lesson="01_pca_svd", function="center_np", title="Centring")
    def _test(f):
        ...                       # raise Feedback("what is wrong and how to fix it")

    @_test.wrong
    def _forgot_the_axis(X):      # a plausible wrong answer; the test suite proves the check rejects it
        return X - X.mean()

This module imports nothing of the checks (they import it), so there is no import cycle:
``registry`` ← ``checks`` ← ``exercises``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = ["Feedback", "ExerciseNotSolved", "Exercise", "exercise", "registered",
           "expect", "expect_array", "expect_close", "expect_orthonormal_columns"]


class Feedback(AssertionError):
    """Raised by a check's test: the message is shown to the learner as it is."""


class ExerciseNotSolved(RuntimeError):
    """Stops a classroom-release lesson at an unsolved exercise."""

    def _render_traceback_(self):  # IPython shows just the message, no traceback
        return [f"ExerciseNotSolved: {self}"]


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


def registered() -> dict[str, Exercise]:
    """The exercises registered so far, by name (import ``lowdim_utils.course.checks`` to register all)."""
    return _REGISTRY


def exercise(name: str, *, lesson: str, function: str, title: str = "", timeout: float = 20.0,
             points: float = 1.0):
    """Decorator registering ``test(candidate)`` as the check of exercise ``name``.

    The decorated test gains ``.wrong`` (a decorator adding a plausible wrong answer) and
    ``.exercise`` (its :class:`Exercise`).
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
