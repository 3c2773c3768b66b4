"""Benchmarking: timings of course code against references and oracles that readers can trust.

What is measured
----------------
:func:`measure` times ``fn(*args, **kwargs)`` with :class:`torch.utils.benchmark.Timer` and
returns a :class:`Timing`: the **median** seconds per call, the **interquartile range** (IQR,
75th minus 25th percentile: the spread of the middle half of the calls, which one slow call
caused by a busy machine does not move), the per-call times behind them, the thread count
and the device. ``warmup`` untimed calls come first (allocation, caches, lazy
initialisation). Garbage collection is off during the timed calls, as in :mod:`timeit`.

* **GPUs** run asynchronously. The Timer synchronises the accelerator before and after every
  timed block; on Apple's MPS each call is also followed by ``torch.mps.synchronize()``.
* **Slow and fast functions.** The last warm-up call is clocked to choose how to measure:

  - a call of :data:`FAST_CALL` (10 ms) or more is *slow*: exactly ``repeats`` timed calls,
    one call each, so ``times`` holds ``repeats`` per-call durations and nothing else runs;
  - a faster call is *fast*: one call is too short to time on its own (the clock, the Python
    call and the scheduler are a visible fraction of it), so ``Timer.blocked_autorange`` runs
    blocks of calls for ``min_run_time`` seconds (default :data:`MIN_RUN_TIME`, 0.2 s) — with
    at least ``repeats`` blocks — and ``times`` holds the per-call average of each block
    (``Timing.calls`` counts the calls behind them). The Timer calibrates its block size
    with a few untimed calls of its own first. A fast measurement costs about 0.2 s
    whatever ``repeats`` says.
  - a slow warm-up followed by a fast first timed call means ``fn`` was only cold (lazy
    initialisation, thread pools starting): that call counts as one more warm-up and the
    fast path follows;
  - ``warmup=0`` always takes the slow path: the caller wants no call beyond the ``repeats``
    timed ones (e.g. a solver that runs for a minute).

Threads
-------
A timing is only comparable with another run with the same resources. During the warm-up
and the timed calls, torch (``Timer(num_threads=...)``) *and* the BLAS/OpenMP pools of
NumPy, SciPy and scikit-learn (``threadpoolctl.threadpool_limits``) use ``threads`` threads
— by default torch's current ``torch.get_num_threads()`` — so a torch implementation and a
NumPy oracle measured side by side compete on equal terms. Everything is restored
afterwards, also when ``fn`` raises. Every :class:`Timing`, table and plot states the count.

Collecting timings
------------------
If the environment variable ``LOWDIM_BENCH_LOG`` names a file, every :func:`measure` (hence
every :func:`time_it`) and every :meth:`Benchmark.run` appends one JSON line
``{"title", "method", "size", "median", "iqr", "repeats", "calls", "threads", "device"}``
(``title`` and ``method`` are null for a bare measurement; ``repeats`` is the number of
entries of ``times``), so a script can gather all timings of a lesson run.

:class:`Benchmark` gathers timings of several implementations over growing sizes into a
pandas table (:meth:`~Benchmark.table`, :meth:`~Benchmark.report`) and a log-log plot with
fitted slopes (:meth:`~Benchmark.plot`).
"""
from __future__ import annotations

import contextlib
import json
import math
import numbers
import os
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch

from .device import synchronize, threads as _thread_limits
from .validate import check_choice, check_int, check_positive

__all__ = ["measure", "interleaved", "Timing", "time_it", "Benchmark", "fit_loglog_slope", "FAST_CALL", "MIN_RUN_TIME"]

#: a warm-up call shorter than this (seconds) makes a function *fast* (timed in blocks)
FAST_CALL = 0.010
#: default seconds spent timing a fast function
MIN_RUN_TIME = 0.2
#: the environment variable naming the JSON-lines log of every timing
LOG_ENV = "LOWDIM_BENCH_LOG"

_STATS = ("median", "iqr")
_UNITS = {"s": 1.0, "ms": 1e3, "us": 1e6, "µs": 1e6, "ns": 1e9}


@dataclass(frozen=True)
class Timing:
    """One measurement: ``median`` and ``iqr`` of ``times`` (seconds per call).

    ``calls`` is the number of timed calls behind ``times`` (``len(times)`` for a slow
    function; blocks × calls per block for a fast one); ``device`` is the device passed to
    :func:`measure` (None when none was).
    """

    median: float
    iqr: float
    times: tuple
    threads: int
    device: str | None = None
    calls: int = 0

    def __str__(self) -> str:
        unit = _auto_unit(self.median)
        return (f"{_format_cell(self.median, self.iqr, unit)} {unit} (median ± IQR/2 of "
                f"{len(self.times)} timings, {self.calls} calls, {_threads_text([self.threads])}"
                + (f", {self.device}" if self.device else "") + ")")


# ----------------------------------------------------------------------------- validation

def _check_fn(fn) -> None:
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}.")


def _check_threads(threads) -> int | None:
    return None if threads is None else check_int(threads, "threads", low=1)


def _check_device(device) -> torch.device | None:
    if device is None:
        return None
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"device must be None, a device name such as 'cuda' or a torch.device, got {device!r}.")
    try:
        return torch.device(device)
    except RuntimeError:
        raise ValueError(f"device must name a torch device such as 'cpu', 'cuda' or 'mps', got {device!r}.") from None


# ----------------------------------------------------------------------------- measuring

def _timer(fn, args, kwargs, device, threads):
    from torch.utils.benchmark import Timer
    if device is not None and device.type == "mps":
        def call():
            fn(*args, **kwargs)
            torch.mps.synchronize()
    else:
        def call():
            fn(*args, **kwargs)
    # the Timer's clock synchronises the *current* accelerator before and after each block
    return Timer(stmt="fn()", globals={"fn": call}, num_threads=threads)


def _one_call(timer) -> float:
    """Seconds of one timed call.

    ``Timer.timeit(1)`` would first run two untimed calls of its own (``max(number // 100, 2)``),
    tripling the cost of a slow benchmark, so the one-call timing underneath it is used; should
    a later torch drop it, ``timeit(1)`` gives the same number at that cost.
    """
    one = getattr(timer, "_timeit", None)
    return float(one(1)) if one is not None else float(timer.timeit(1).times[0])


def _measure(fn, args, kwargs, repeats, warmup, device, threads, min_run_time) -> Timing:
    _check_fn(fn)
    repeats = check_int(repeats, "repeats", low=1)
    warmup = check_int(warmup, "warmup", low=0)
    threads = _check_threads(threads)
    dev = _check_device(device)
    min_run_time = MIN_RUN_TIME if min_run_time is None else check_positive(min_run_time, "min_run_time")
    if threads is None:
        threads = torch.get_num_threads()
    cuda = dev is not None and dev.type == "cuda"
    with (torch.cuda.device(dev) if cuda else contextlib.nullcontext()), _thread_limits(threads):
        timer = _timer(fn, args, kwargs, dev, threads)
        last = math.inf  # warmup=0: slow path
        for _ in range(warmup):
            synchronize(dev)
            t0 = time.perf_counter()
            fn(*args, **kwargs)
            synchronize(dev)
            last = time.perf_counter() - t0
        slow, times, calls = last >= FAST_CALL, [], 0
        if slow:
            first = _one_call(timer)
            if warmup and first < FAST_CALL:
                slow = False  # the warm-up was slow only because fn was cold: one more warm-up
            else:
                times = [first] + [_one_call(timer) for _ in range(repeats - 1)]
                calls = repeats
        if not slow:
            while len(times) < repeats:  # each round gives >= 1 block, so <= repeats rounds
                m = timer.blocked_autorange(min_run_time=min_run_time)
                times += m.times
                calls += m.number_per_run * len(m.raw_times)
    t = np.asarray(times, dtype=float)
    q25, q50, q75 = np.percentile(t, [25, 50, 75])
    return Timing(median=float(q50), iqr=float(q75 - q25), times=tuple(float(x) for x in t),
                  threads=int(threads), device=None if dev is None else str(dev), calls=int(calls))


def measure(fn, *args, repeats: int = 5, warmup: int = 1, device=None, threads: int | None = None,
            min_run_time: float | None = None, **kwargs) -> Timing:
    """Time ``fn(*args, **kwargs)`` and return a :class:`Timing` (median, IQR, times, threads, device).

    Args:
        fn: the callable to time.
        repeats: timed calls of a slow function (a warm-up call of 10 ms or more); the
            minimum number of timed blocks of a fast one.
        warmup: untimed calls first; the last one decides slow or fast (``0``: slow, exactly
            ``repeats`` calls in all).
        device: the device ``fn`` computes on (``'cuda'``, ``'mps'``): synchronised around
            the calls and recorded in the timing.
        threads: torch's and the BLAS/OpenMP pools' thread count during the calls (default:
            ``torch.get_num_threads()``); restored afterwards.
        min_run_time: seconds of timed blocks for a fast function (default 0.2).
    """
    timing = _measure(fn, args, kwargs, repeats, warmup, device, threads, min_run_time)
    _log(None, None, None, timing)
    return timing


def time_it(fn, *args, repeats: int = 5, warmup: int = 1, device=None, threads: int | None = None,
            min_run_time: float | None = None, **kwargs) -> float:
    """Median seconds per call of ``fn(*args, **kwargs)``: :func:`measure`'s ``median``."""
    return measure(fn, *args, repeats=repeats, warmup=warmup, device=device, threads=threads,
                   min_run_time=min_run_time, **kwargs).median


def _pause_for(seconds):
    if seconds:
        time.sleep(seconds)


def interleaved(fns: dict, *, repeats: int = 5, warmup: int = 1, pause: float = 0.25, device=None,
                threads: int | None = None, min_run_time: float | None = None) -> dict:
    """Time several implementations of one computation side by side: ``{name: Timing}``.

    ``fns`` maps names to zero-argument callables. After ``warmup`` untimed calls of each,
    ``repeats`` rounds follow; each round times every function once (one call, or one block of
    calls for a function faster than :data:`FAST_CALL`), in an order that rotates from round to
    round, so that a slow phase of the machine hits every implementation alike. Before each timed
    call the process sleeps ``pause`` seconds: thread pools of the previous call (OpenBLAS
    spins its workers for ~0.1–0.2 s after a call) go idle first, so one library's pool does not
    slow the next one's — the trap that made back-to-back benchmarks of torch against
    scikit-learn disagree by 2–3x on two cores (Appendix A). ``threads`` (default torch's count)
    applies to torch and to the BLAS/OpenMP pools alike; ``device`` is synchronised around calls.
    """
    if not isinstance(fns, dict) or not fns:
        raise TypeError(f"fns must be a non-empty dict of name -> callable, got {type(fns).__name__}.")
    for name, fn in fns.items():
        if not callable(fn):
            raise TypeError(f"fns[{name!r}] must be callable, got {type(fn).__name__}.")
    repeats = check_int(repeats, "repeats", low=1)
    warmup = check_int(warmup, "warmup", low=0)
    pause = check_positive(pause, "pause", allow_zero=True)
    threads = _check_threads(threads)
    dev = _check_device(device)
    min_run_time = MIN_RUN_TIME if min_run_time is None else check_positive(min_run_time, "min_run_time")
    if threads is None:
        threads = torch.get_num_threads()
    names = list(fns)
    times = {n: [] for n in names}
    calls = {n: 0 for n in names}
    cuda = dev is not None and dev.type == "cuda"
    with (torch.cuda.device(dev) if cuda else contextlib.nullcontext()), _thread_limits(threads):
        timers = {n: _timer(fns[n], (), {}, dev, threads) for n in names}
        fast = {}
        for n in names:
            last = math.inf
            for _ in range(max(warmup, 1)):
                _pause_for(pause)
                synchronize(dev)
                t0 = time.perf_counter()
                fns[n]()
                synchronize(dev)
                last = time.perf_counter() - t0
            fast[n] = warmup > 0 and last < FAST_CALL
        for r in range(repeats):
            for n in names[r % len(names):] + names[:r % len(names)]:
                _pause_for(pause)
                if fast[n]:
                    m = timers[n].blocked_autorange(min_run_time=min_run_time / repeats)
                    times[n].append(float(np.median(m.times)))
                    calls[n] += m.number_per_run * len(m.raw_times)
                else:
                    times[n].append(_one_call(timers[n]))
                    calls[n] += 1
    out = {}
    for n in names:
        t = np.asarray(times[n], dtype=float)
        q25, q50, q75 = np.percentile(t, [25, 50, 75])
        out[n] = Timing(median=float(q50), iqr=float(q75 - q25), times=tuple(float(x) for x in t),
                        threads=int(threads), device=None if dev is None else str(dev), calls=int(calls[n]))
        _log(None, n, None, out[n])
    return out


# ----------------------------------------------------------------------------- the log

def _jsonable(value):
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value) if math.isfinite(value) else None
    return str(value)


def _log(title, method, size, timing: Timing) -> None:
    """Append one JSON line to the file named by ``LOWDIM_BENCH_LOG`` (if set)."""
    path = os.environ.get(LOG_ENV)
    if not path:
        return
    record = {"title": title, "method": method, "size": _jsonable(size), "median": timing.median,
              "iqr": timing.iqr, "repeats": len(timing.times), "calls": timing.calls,
              "threads": timing.threads, "device": timing.device}
    try:
        with open(path, "a", encoding="utf-8") as f:  # one open per record: safe across processes
            f.write(json.dumps(record) + "\n")
    except OSError as exc:  # a broken log must not stop a lesson
        warnings.warn(f"{LOG_ENV}={path!r}: could not append the timing ({exc}).", RuntimeWarning, stacklevel=3)


# ----------------------------------------------------------------------------- presentation

def fit_loglog_slope(sizes, times) -> float:
    """Least-squares slope of log(time) against log(size): the empirical complexity exponent."""
    s, t = np.asarray(sizes, float), np.asarray(times, float)
    if s.shape != t.shape or s.ndim != 1 or len(s) < 2:
        raise ValueError(f"sizes and times must be 1-D of equal length >= 2, got {s.shape} and {t.shape}.")
    if (s <= 0).any() or (t <= 0).any():
        raise ValueError("sizes and times must be positive for a log-log fit.")
    return float(np.polyfit(np.log(s), np.log(t), 1)[0])


def _threads_text(counts) -> str:
    counts = sorted({int(c) for c in counts})
    if len(counts) == 1:
        return f"{counts[0]} thread" + ("s" if counts[0] != 1 else "")
    return f"{counts[0]}–{counts[-1]} threads"


def _auto_unit(seconds: float) -> str:
    for unit in ("s", "ms", "us"):
        if seconds >= 1 / _UNITS[unit]:
            return unit
    return "ns"


def _format_cell(median: float, iqr: float | None, unit: str) -> str:
    """``"12.3 ± 0.4"``: median ± IQR/2 in ``unit``, three significant digits of the median."""
    if median is None or not math.isfinite(median):
        return ""
    m = median * _UNITS[unit]
    decimals = max(0, 2 - math.floor(math.log10(abs(m)))) if m else 2
    text = f"{m:.{decimals}f}"
    if iqr is not None and math.isfinite(iqr):
        text += f" ± {iqr * _UNITS[unit] / 2:.{decimals}f}"
    return text


@dataclass
class Benchmark:
    """Collect timings of several implementations over growing sizes.

    >>> bench = Benchmark("randomized SVD, k=20", size_label="n (rows)")
    >>> for n in sizes:
    ...     bench.run("course (torch)", n, course_fn, X)   # doctest: +SKIP
    >>> bench.report(); bench.plot()                      # doctest: +SKIP

    ``threads`` fixes the thread count of every :meth:`run` — torch's and NumPy's/SciPy's alike.
    The default, **1**, makes CPU tables reproducible and fair between torch, NumPy and
    scikit-learn, and steady on a busy machine (on two shared cores a multi-threaded timing loop
    measured up to 7x slower); ``threads=None`` uses torch's current count at each run. Each row
    records the count it ran with, and :meth:`report` and :meth:`plot` state it.
    """

    title: str = "benchmark"
    size_label: str = "size"
    threads: int | None = 1
    rows: list = field(default_factory=list)

    def __post_init__(self):
        self.threads = _check_threads(self.threads)

    def run(self, name: str, size, fn, *args, repeats: int = 3, warmup: int = 1, device=None,
            threads: int | None = None, min_run_time: float | None = None, **kwargs) -> float:
        """Time ``fn(*args, **kwargs)`` with :func:`measure`, record it under ``name`` at ``size``
        and return the median seconds. ``threads`` defaults to the Benchmark's, then torch's."""
        threads = _check_threads(threads)
        threads = self.threads if threads is None else threads
        timing = _measure(fn, args, kwargs, repeats, warmup, device, threads, min_run_time)
        self._append(name, size, timing.median, timing.iqr, timing.threads, timing.device)
        _log(self.title, str(name), size, timing)
        return timing.median

    def add(self, name: str, size, seconds: float, iqr: float | None = None, threads: int | None = None) -> None:
        """Record a time measured elsewhere (``threads`` default: the Benchmark's, then torch's current)."""
        seconds = check_positive(seconds, "seconds", allow_zero=True)
        iqr = None if iqr is None else check_positive(iqr, "iqr", allow_zero=True)
        threads = _check_threads(threads)
        if threads is None:
            threads = self.threads if self.threads is not None else torch.get_num_threads()
        self._append(name, size, seconds, iqr, threads, None)

    def _append(self, name, size, seconds, iqr, threads, device):
        self.rows.append({"method": str(name), "size": size, "seconds": float(seconds),
                          "iqr": math.nan if iqr is None else float(iqr), "threads": int(threads), "device": device})

    def table(self, stat: str = "median"):
        """A pandas table, one row per size and one column per method, of the median seconds
        (``stat="median"``) or of their interquartile ranges (``stat="iqr"``; NaN where unknown)."""
        import pandas as pd
        check_choice(stat, "stat", _STATS)
        if not self.rows:
            raise ValueError("no timings recorded yet: call run() or add() first.")
        df = pd.DataFrame(self.rows)
        med = df.pivot_table(index="size", columns="method", values="seconds", aggfunc="median")
        med.index.name = self.size_label
        if stat == "median":
            return med
        iqr = df.pivot_table(index="size", columns="method", values="iqr", aggfunc="median", dropna=False)
        iqr = iqr.reindex(index=med.index, columns=med.columns)
        iqr.index.name = self.size_label
        return iqr

    def threads_used(self, method: str | None = None) -> list[int]:
        """The distinct thread counts of all rows (or of ``method``'s), sorted."""
        return sorted({r["threads"] for r in self.rows if method is None or r["method"] == method})

    def report(self, unit: str = "ms"):
        """A table for readers: cells ``"median ± IQR/2"`` in ``unit``; its header states the unit,
        the statistic and the thread count (per method when they differ).

        A pandas DataFrame of strings: it renders in a notebook and prints as plain text;
        ``.attrs["caption"]`` holds the same statement with the title.
        """
        check_choice(unit, "unit", tuple(_UNITS))
        med, iqr = self.table("median"), self.table("iqr")
        cells = med.copy().astype(object)
        for m in med.columns:
            cells[m] = [_format_cell(a, b, unit) for a, b in zip(med[m].tolist(), iqr[m].tolist())]
        statement = f"median ± IQR/2 [{unit}]"
        if len(self.threads_used()) == 1:
            statement += f", {_threads_text(self.threads_used())}"
        else:  # say it per method
            statement += ", threads per method"
            cells.columns = [f"{m} ({_threads_text(self.threads_used(m))})" for m in med.columns]
        cells.columns.name = statement
        cells.attrs["caption"] = f"{self.title}: {statement}"
        return cells

    def ratio(self, numerator: str, denominator: str, size=None) -> float:
        """time(numerator) / time(denominator) at ``size`` (default: the largest size)."""
        t = self.table()
        for m in (numerator, denominator):
            if m not in t.columns:
                raise KeyError(f"method {m!r} was not benchmarked; have {list(t.columns)}.")
        size = t.index.max() if size is None else size
        return float(t.loc[size, numerator] / t.loc[size, denominator])

    def slope(self, method: str) -> float:
        """The fitted log-log slope of ``method``'s median time against size: its empirical
        complexity exponent in this run (what a lesson compares with the theory, not a fixed claim)."""
        t = self.table()
        if method not in t.columns:
            raise KeyError(f"method {method!r} was not benchmarked; have {list(t.columns)}.")
        col = t[method].dropna()
        return fit_loglog_slope(col.index.values, col.values)

    def plot(self, ax=None):
        """Log-log plot of the median seconds against size, one line per method, IQR error bars
        (median ± IQR/2), the fitted slope in each legend entry and the thread count in the title
        (and in each legend entry when methods ran with different counts)."""
        import matplotlib.pyplot as plt
        med, iqr = self.table("median"), self.table("iqr")
        if ax is None:
            _, ax = plt.subplots(figsize=(5.5, 3.8))
        mixed = len(self.threads_used()) > 1
        for m in med.columns:
            col = med[m].dropna()
            x, y = col.index.values, col.values
            label = m
            if mixed:
                label += f", {_threads_text(self.threads_used(m))}"
            if len(col) >= 2:
                label += f" (slope {fit_loglog_slope(x, y):.2f})"
            half = iqr[m].reindex(col.index).to_numpy(dtype=float) / 2
            yerr = None
            if np.isfinite(half).any():
                half = np.where(np.isfinite(half), half, 0.0)
                yerr = [np.minimum(half, 0.9 * y), half]  # the lower bar stays above 0 on a log axis
            ax.errorbar(x, y, yerr=yerr, fmt="o-", capsize=2, label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        sizes = sorted(med.index.values)
        ax.set_xticks(sizes, [f"{v:g}" for v in sizes])
        ax.minorticks_off()
        ax.set_xlabel(self.size_label)
        ax.set_ylabel("median time [s] (bars: IQR)")
        ax.set_title(f"{self.title} ({_threads_text(self.threads_used())})")
        ax.legend()
        return ax
