"""Instructor-only parts of the exercise checks: wrong answers and hidden parts (reference-based
checks used in grading), one module per lesson, ``lessonNN.py``. A classroom release does not
contain this package; importing it registers everything with :mod:`lowdim_utils.course.registry`."""
import importlib
import pkgutil

for _m in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("lesson")):
    importlib.import_module(f"{__name__}.{_m}")
