"""Where the course's files are: the only module of the package that knows the checkout's layout.

A checkout of the course has ``notebooks/`` (the lessons) and ``solutions/`` (one written
solution per exercise) beside the package folder ``lowdim_utils/``. An installed wheel has
neither: then :func:`solutions_dir` is None (unless ``$LOWDIM_SOLUTIONS`` names a folder) and
an unsolved exercise stops the lesson instead of continuing with the course's solution.
A classroom release (``python -m lowdim_utils.course.instructor release``) marks its copy of
the package with a ``_release`` file: it never uses solutions.
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["checkout_root", "notebooks_dir", "solutions_dir", "is_release", "PACKAGE_DIR"]

#: the folder of the ``lowdim_utils`` package itself
PACKAGE_DIR = Path(__file__).resolve().parents[1]


def checkout_root() -> Path | None:
    """The course checkout holding this package (the folder with ``notebooks/`` beside
    ``lowdim_utils/``), or None for an installed copy."""
    root = PACKAGE_DIR.parent
    return root if (root / "notebooks").is_dir() and (root / "pyproject.toml").is_file() else None


def notebooks_dir() -> Path | None:
    """``notebooks/`` of the checkout, or None."""
    root = checkout_root()
    return root / "notebooks" if root else None


def is_release() -> bool:
    """True in a classroom release (``LOWDIM_RELEASE=1`` or a ``_release`` marker in the package)."""
    return os.environ.get("LOWDIM_RELEASE") == "1" or (PACKAGE_DIR / "_release").exists()


def solutions_dir() -> Path | None:
    """Where written solutions live: ``$LOWDIM_SOLUTIONS``, else the checkout's ``solutions/``;
    None in a release or when there is no such folder."""
    if is_release():
        return None
    env = os.environ.get("LOWDIM_SOLUTIONS")
    if env:
        p = Path(env)
    else:
        root = checkout_root()
        if root is None:
            return None
        p = root / "solutions"
    return p if p.is_dir() else None
