"""Progress bars that work live in JupyterLab and read well in the static book.

``for x in lu.progress_bar(items, desc="training"):`` shows a live bar (``tqdm.auto``: a widget
in JupyterLab, text in a terminal). When lessons are executed headless for the book or the
tests (``LOWDIM_STATIC=1``, which ``make book``/``make test``/``make sync`` set), it draws no
widget and no intermediate states: it prints one plain line when the loop ends, e.g.
``training: 500/500 in 3.2 s``, so the committed notebooks and the book carry no widget
state and nothing that needs a network to render.
"""
from __future__ import annotations

import os
import sys
import time

__all__ = ["progress_bar", "is_static"]


def is_static() -> bool:
    """True when lessons are executed headless for the book or the tests (``LOWDIM_STATIC=1``)."""
    return os.environ.get("LOWDIM_STATIC", "") == "1"


class _StaticBar:
    """The static stand-in for a tqdm bar: counts, and prints one line when closed."""

    def __init__(self, iterable=None, total=None, desc=None, disable=False):
        self.iterable = iterable
        if total is None and iterable is not None:
            try:
                total = len(iterable)
            except TypeError:
                total = None
        self.total, self.desc, self.disable = total, desc, disable
        self.n = 0
        self.postfix = ""
        self._t0 = time.perf_counter()
        self._closed = False

    def __iter__(self):
        try:
            for item in self.iterable:
                yield item
                self.n += 1
        finally:
            self.close()

    def __len__(self):
        return self.total if self.total is not None else 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def update(self, n: int = 1):
        self.n += n

    def set_postfix(self, *args, refresh=True, **kwargs):
        parts = [str(a) for a in args] + [f"{k}={v}" for k, v in kwargs.items()]
        self.postfix = ", ".join(parts)

    def set_description(self, desc=None, refresh=True):
        self.desc = desc

    def refresh(self):
        pass

    def close(self):
        if self._closed:
            return
        self._closed = True
        if self.disable:
            return
        seconds = time.perf_counter() - self._t0
        if seconds < 2.0:   # short loops stay silent, as a live bar would barely show
            return
        count = f"{self.n}/{self.total}" if self.total is not None else f"{self.n}"
        tail = f" ({self.postfix})" if self.postfix else ""
        print(f"{self.desc or 'progress'}: {count} in {seconds:.1f} s{tail}", file=sys.stdout, flush=True)


def progress_bar(iterable=None, *, total: int | None = None, desc: str | None = None, disable: bool = False,
                 leave: bool = False):
    """A progress bar over ``iterable`` (or a manual one with ``total`` and ``.update()``).

    Live (JupyterLab, terminal): ``tqdm.auto.tqdm``. Static (``LOWDIM_STATIC=1``): no widget;
    one line ``desc: n/total in t s`` when the loop ends (and nothing for loops under 2 s).
    ``disable=True`` shows nothing at all.
    """
    if is_static():
        return _StaticBar(iterable, total=total, desc=desc, disable=disable)
    from tqdm.auto import tqdm
    return tqdm(iterable, total=total, desc=desc, disable=disable, leave=leave, mininterval=0.5)
