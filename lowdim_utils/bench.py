"""Benchmarking: honest timings of course code against references and oracles.

Each measurement warms up first, synchronises the device around every call (GPU kernels
are asynchronous) and reports the median of several repeats. Results gather in a table
(pandas) and a log-log plot of time against problem size.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .device import synchronize
from .validate import check_int

__all__ = ["time_it", "Benchmark", "fit_loglog_slope"]


def time_it(fn, *args, repeats: int = 5, warmup: int = 1, device=None, **kwargs) -> float:
    """Median wall-clock seconds of ``fn(*args, **kwargs)``.

    ``warmup`` untimed calls come first (allocation, JIT, caches); with ``device`` a CUDA
    or MPS device is synchronised before and after each timed call.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}.")
    repeats = check_int(repeats, "repeats", low=1)
    warmup = check_int(warmup, "warmup", low=0)
    for _ in range(warmup):
        fn(*args, **kwargs)
    times = []
    for _ in range(repeats):
        synchronize(device)
        t0 = time.perf_counter()
        fn(*args, **kwargs)
        synchronize(device)
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def fit_loglog_slope(sizes, times) -> float:
    """Least-squares slope of log(time) against log(size): the empirical complexity exponent."""
    s, t = np.asarray(sizes, float), np.asarray(times, float)
    if s.shape != t.shape or s.ndim != 1 or len(s) < 2:
        raise ValueError(f"sizes and times must be 1-D of equal length >= 2, got {s.shape} and {t.shape}.")
    if (s <= 0).any() or (t <= 0).any():
        raise ValueError("sizes and times must be positive for a log-log fit.")
    return float(np.polyfit(np.log(s), np.log(t), 1)[0])


@dataclass
class Benchmark:
    """Collect timings of several implementations over growing sizes.

    >>> bench = Benchmark("randomized SVD, k=20", size_label="n (rows)")
    >>> for n in sizes:
    ...     bench.run("course (torch)", n, course_fn, X)   # doctest: +SKIP
    >>> bench.table(); bench.plot()                       # doctest: +SKIP
    """

    title: str = "benchmark"
    size_label: str = "size"
    rows: list = field(default_factory=list)

    def run(self, name: str, size, fn, *args, repeats: int = 3, warmup: int = 1, device=None, **kwargs) -> float:
        """Time ``fn(*args, **kwargs)``, record it under ``name`` at ``size`` and return the seconds."""
        sec = time_it(fn, *args, repeats=repeats, warmup=warmup, device=device, **kwargs)
        self.add(name, size, sec)
        return sec

    def add(self, name: str, size, seconds: float) -> None:
        """Record a time measured elsewhere."""
        self.rows.append({"method": str(name), self.size_label: size, "seconds": float(seconds)})

    def table(self):
        """A pandas table: one row per size, one column per method (seconds)."""
        import pandas as pd
        if not self.rows:
            raise ValueError("no timings recorded yet: call run() or add() first.")
        df = pd.DataFrame(self.rows)
        return df.pivot_table(index=self.size_label, columns="method", values="seconds", aggfunc="median")

    def ratio(self, numerator: str, denominator: str, size=None) -> float:
        """time(numerator) / time(denominator) at ``size`` (default: the largest size)."""
        t = self.table()
        for m in (numerator, denominator):
            if m not in t.columns:
                raise KeyError(f"method {m!r} was not benchmarked; have {list(t.columns)}.")
        size = t.index.max() if size is None else size
        return float(t.loc[size, numerator] / t.loc[size, denominator])

    def plot(self, ax=None):
        """Log-log plot of seconds against size, one line per method, with fitted slopes."""
        import matplotlib.pyplot as plt
        t = self.table()
        if ax is None:
            _, ax = plt.subplots(figsize=(5.5, 3.8))
        for m in t.columns:
            col = t[m].dropna()
            label = m
            if len(col) >= 2:
                label += f" (slope {fit_loglog_slope(col.index.values, col.values):.2f})"
            ax.loglog(col.index.values, col.values, "o-", label=label)
        sizes = sorted(t.index.values)
        ax.set_xticks(sizes, [f"{v:g}" for v in sizes])
        ax.minorticks_off()
        ax.set_xlabel(self.size_label)
        ax.set_ylabel("median time [s]")
        ax.set_title(self.title)
        ax.legend()
        return ax
