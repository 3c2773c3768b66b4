"""Course machinery: exercise checks, the checks of every lesson, classroom releases and grading.

This is the top layer of :mod:`lowdim_utils`: it may import everything below it, and it is
the only part of the package that knows the layout of a course checkout (``notebooks/``,
``solutions/``; see :mod:`~lowdim_utils.course.layout`).

* :mod:`~lowdim_utils.course.registry` — :func:`exercise` (register a check), :class:`Feedback`,
  ``expect*`` helpers for writing checks;
* :mod:`~lowdim_utils.course.checks` — one module per lesson, ``lessonNN.py``;
* :mod:`~lowdim_utils.course.exercises` — :func:`check` (what a lesson calls), :func:`run_check`;
* :mod:`~lowdim_utils.course.instructor` — ``python -m lowdim_utils.course.instructor release|grade``.
"""
from .exercises import CheckResult, all_exercises, check, get_exercise, load_solution, run_check, show_solution
from .layout import is_release, solutions_dir
from .registry import ExerciseNotSolved, Feedback, exercise

__all__ = ["check", "show_solution", "run_check", "CheckResult", "get_exercise", "all_exercises", "load_solution",
           "exercise", "Feedback", "ExerciseNotSolved", "is_release", "solutions_dir"]
