"""Tests of lowdim_utils.bench: the statistics, warm-up, thread control, the log, tables and plots.

Timed callables sleep for set durations (driven by a call counter), so the assertions hold on
a busy machine: they compare durations that differ several-fold, never tight timings.
"""
import dataclasses
import json
import time

import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_info

from lowdim_utils import bench

MS = 1e-3


def sleeper(durations_ms):
    """A callable whose i-th call sleeps ``durations_ms[i]`` milliseconds; also returns its call list."""
    calls = []

    def fn():
        time.sleep(durations_ms[min(len(calls), len(durations_ms) - 1)] * MS)
        calls.append(1)
    return fn, calls


def counter():
    calls = []
    return (lambda: calls.append(1)), calls


def blas_threads():
    return [d["num_threads"] for d in threadpool_info() if d["user_api"] == "blas"]


def other_thread_count():
    """A thread count different from torch's current one, so the tests can fail."""
    return 1 if torch.get_num_threads() != 1 else 2


# ----------------------------------------------------------------------------- statistics
def test_the_median_is_the_median_not_the_mean():
    # warm-up 15 ms (slow path: one call per timing), then four 12 ms calls and one of 200 ms
    fn, calls = sleeper([15, 12, 12, 12, 12, 200])
    t = bench.measure(fn, repeats=5, warmup=1)
    assert len(calls) == 6 and len(t.times) == 5 and t.calls == 5
    assert max(t.times) >= 0.2                  # the slow call was timed ...
    assert np.mean(t.times) >= 0.049             # ... so the mean is >= 49 ms,
    assert 12 * MS * 0.99 <= t.median < 30 * MS  # but the median stays near 12 ms
    assert t.median == pytest.approx(float(np.median(t.times)))


def test_time_it_returns_the_median_seconds():
    fn, calls = sleeper([15, 12, 200, 12])
    sec = bench.time_it(fn, repeats=3)
    assert isinstance(sec, float) and 12 * MS * 0.99 <= sec < 30 * MS and len(calls) == 4


def test_the_iqr_is_larger_for_a_noisy_callable_than_for_a_steady_one():
    steady = bench.measure(sleeper([15] + [12] * 7)[0], repeats=7)
    noisy = bench.measure(sleeper([15, 12, 70, 12, 70, 12, 70, 40])[0], repeats=7)  # IQR 58 ms
    assert noisy.iqr > 30 * MS
    assert steady.iqr < noisy.iqr / 3
    q25, q75 = np.percentile(noisy.times, [25, 75])
    assert noisy.iqr == pytest.approx(q75 - q25)


def test_timing_is_frozen_and_prints_its_statistic_and_threads():
    t = bench.measure(sleeper([12])[0], repeats=2, threads=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.median = 0.0
    assert isinstance(t.times, tuple) and t.threads == 1 and t.device is None
    assert "median ± IQR/2" in str(t) and "1 thread" in str(t) and " ms " in str(t)
    assert bench.measure(sleeper([12])[0], repeats=1, device="cpu").device == "cpu"


# ----------------------------------------------------------------------------- warm-up, fast and slow
def test_warmup_calls_are_not_timed_on_the_slow_path():
    fn, calls = sleeper([120, 120, 15])  # two 120 ms warm-ups, then 15 ms calls
    t = bench.measure(fn, repeats=3, warmup=2)
    assert len(calls) == 5 and len(t.times) == 3  # exactly warmup + repeats calls
    assert max(t.times) < 0.1


@pytest.mark.parametrize("warmup", [1, 2])  # 1: the slow warm-up was only a cold start
def test_a_fast_function_is_timed_in_blocks_after_untimed_warmups(warmup):
    calls = []

    def fn():  # a 100 ms first warm-up, then (nearly) free calls
        if not calls:
            time.sleep(0.1)
        calls.append(1)
    t = bench.measure(fn, repeats=3, warmup=warmup, min_run_time=0.02)
    assert len(t.times) >= 3 and t.calls > len(t.times)  # blocks of several calls
    assert max(t.times) < 0.05                            # the 100 ms warm-up was not timed
    assert t.median < 1 * MS and len(calls) >= t.calls + 2


def test_warmup_zero_makes_exactly_repeats_calls():
    fn, calls = counter()
    t = bench.measure(fn, repeats=4, warmup=0)
    assert len(calls) == 4 and len(t.times) == 4 and t.calls == 4


# ----------------------------------------------------------------------------- threads
@pytest.mark.parametrize("path", ["slow", "fast"])
def test_torch_and_blas_run_with_the_requested_threads_and_are_restored(path):
    n = other_thread_count()
    before, before_blas = torch.get_num_threads(), blas_threads()
    seen_torch, seen_blas = [], []

    def fn():
        seen_torch.append(torch.get_num_threads())
        if len(seen_blas) < 3:  # threadpool_info takes ~1 ms: sample a few calls
            seen_blas.append(blas_threads())
        if path == "slow":
            time.sleep(12 * MS)
    t = bench.measure(fn, repeats=3, warmup=1, threads=n, min_run_time=0.02)
    assert t.threads == n and len(seen_torch) >= 4
    assert set(seen_torch) == {n}
    assert torch.get_num_threads() == before and blas_threads() == before_blas
    if not before_blas:
        pytest.skip("threadpoolctl finds no BLAS library here")
    assert all(b == [n] * len(before_blas) for b in seen_blas)


@pytest.mark.parametrize("fail_at", [0, 1])  # in the warm-up, in the first timed call
def test_threads_are_restored_when_fn_raises(fail_at):
    n = other_thread_count()
    before, before_blas = torch.get_num_threads(), blas_threads()
    calls = []

    def fn():
        calls.append((torch.get_num_threads(), blas_threads()))
        if len(calls) > fail_at:
            raise RuntimeError("boom")
        time.sleep(12 * MS)
    with pytest.raises(RuntimeError, match="boom"):
        bench.measure(fn, repeats=2, threads=n)
    assert calls[-1][0] == n
    assert torch.get_num_threads() == before and blas_threads() == before_blas


def test_threads_default_to_torch_then_the_benchmark():
    assert bench.measure(sleeper([12])[0], repeats=1).threads == torch.get_num_threads()
    n = other_thread_count()
    b = bench.Benchmark("t", threads=n)
    seen = []
    b.run("a", 1, lambda: (seen.append(torch.get_num_threads()), time.sleep(12 * MS)), repeats=1)
    b.run("b", 1, lambda: time.sleep(12 * MS), repeats=1, threads=torch.get_num_threads())
    assert set(seen) == {n}
    assert [r["threads"] for r in b.rows] == [n, torch.get_num_threads()]


# ----------------------------------------------------------------------------- the log
def test_the_log_file_gets_one_json_line_per_run(tmp_path, monkeypatch):
    log = tmp_path / "timings.jsonl"
    monkeypatch.setenv("LOWDIM_BENCH_LOG", str(log))
    b = bench.Benchmark("svd", size_label="n")
    b.run("fast", 10, counter()[0], min_run_time=0.01)
    b.run("slow", np.int64(20), sleeper([12])[0], repeats=2, threads=1)
    b.add("elsewhere", 30, 0.5)  # not a timing of this module: not logged
    t = bench.measure(sleeper([12])[0], repeats=2)
    bench.time_it(sleeper([12])[0], repeats=1)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(records) == 4
    fields = {"title", "method", "size", "median", "iqr", "repeats", "threads", "device"}
    assert all(fields <= set(r) for r in records)
    assert [(r["title"], r["method"], r["size"]) for r in records] == [
        ("svd", "fast", 10), ("svd", "slow", 20), (None, None, None), (None, None, None)]
    assert records[1]["threads"] == 1 and records[1]["repeats"] == 2
    assert records[2]["median"] == pytest.approx(t.median) and records[2]["iqr"] == pytest.approx(t.iqr)
    assert all(r["median"] > 0 and r["iqr"] >= 0 and r["device"] is None for r in records)
    monkeypatch.delenv("LOWDIM_BENCH_LOG")
    bench.measure(sleeper([12])[0], repeats=1)
    assert len(log.read_text().splitlines()) == 4


def test_an_unwritable_log_warns_instead_of_failing(tmp_path, monkeypatch):
    monkeypatch.setenv("LOWDIM_BENCH_LOG", str(tmp_path / "missing" / "log.jsonl"))
    with pytest.warns(RuntimeWarning, match="LOWDIM_BENCH_LOG"):
        assert bench.time_it(sleeper([12])[0], repeats=1) > 0


# ----------------------------------------------------------------------------- tables and plots
def make_benchmark(threads=(2, 2)):
    b = bench.Benchmark("t", size_label="n")
    for n in (10, 20):
        b.add("slow", n, 2.0 * n * MS, iqr=0.2 * n * MS, threads=threads[0])
        b.add("fast", n, 1.0 * n * MS, threads=threads[1])
    return b


def test_benchmark_table_and_ratio():
    b = make_benchmark()
    t = b.table()
    assert list(t.index) == [10, 20] and set(t.columns) == {"slow", "fast"} and t.index.name == "n"
    assert t.loc[20, "slow"] == pytest.approx(0.04)
    q = b.table("iqr")
    assert q.shape == t.shape and q.loc[10, "slow"] == pytest.approx(0.002) and np.isnan(q.loc[10, "fast"])
    assert b.ratio("slow", "fast") == pytest.approx(2.0)
    assert b.ratio("slow", "fast", size=10) == pytest.approx(2.0)
    with pytest.raises(KeyError, match="was not benchmarked"):
        b.ratio("slow", "missing")
    with pytest.raises(ValueError, match="no timings"):
        bench.Benchmark().table()


def test_report_states_unit_statistic_and_threads():
    r = make_benchmark().report()
    assert r.loc[10, "slow"] == "20.0 ± 1.0" and r.loc[20, "fast"] == "20.0"
    text = r.to_string()
    assert "median ± IQR/2 [ms]" in text and "2 threads" in text and "20.0 ± 1.0" in text
    assert "2 threads" in r.attrs["caption"] and "<table" in r.to_html()
    assert make_benchmark().report(unit="s").loc[10, "slow"] == "0.0200 ± 0.0010"
    mixed = make_benchmark(threads=(1, 2)).report()
    assert set(mixed.columns) == {"slow (1 thread)", "fast (2 threads)"}
    assert "threads per method" in mixed.to_string()


def test_plot_draws_error_bars_slopes_and_threads():
    import matplotlib.pyplot as plt
    ax = make_benchmark().plot()
    assert len(ax.containers) == 2 and ax.get_xscale() == "log" and ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["fast (slope 1.00)", "slow (slope 1.00)"]
    bars = {lab: c for lab, c in zip(labels, ax.containers)}
    assert bars["slow (slope 1.00)"].has_yerr and not bars["fast (slope 1.00)"].has_yerr
    assert "2 threads" in ax.get_title()
    plt.close(ax.figure)
    _, ax = plt.subplots()
    assert make_benchmark(threads=(1, 2)).plot(ax=ax) is ax
    assert "1–2 threads" in ax.get_title() and "1 thread" in ax.get_legend().get_texts()[1].get_text()
    plt.close(ax.figure)


def test_benchmark_run_records_median_and_iqr():
    b = bench.Benchmark("t", size_label="n")
    fn, calls = sleeper([15, 12, 12, 200])
    sec = b.run("sleep", 1000, fn, repeats=3)
    assert len(calls) == 4 and 12 * MS * 0.99 <= sec < 30 * MS
    assert b.table().loc[1000, "sleep"] == sec
    assert b.table("iqr").loc[1000, "sleep"] > 0
    assert b.run("sum", 100, sum, range(100), repeats=2, min_run_time=0.01) >= 0  # args pass through
    assert b.table().shape == (2, 2)


def test_loglog_slope_recovers_the_exponent():
    n = np.array([10, 20, 40, 80.0])
    assert abs(bench.fit_loglog_slope(n, 3 * n**2) - 2) < 1e-9
    with pytest.raises(ValueError, match="positive"):
        bench.fit_loglog_slope([1, 2], [0, 1])
    with pytest.raises(ValueError, match="equal length"):
        bench.fit_loglog_slope([1, 2, 3], [1, 2])


# ----------------------------------------------------------------------------- bad input
def _noop():
    pass


@pytest.mark.parametrize("call, err, words", [
    (lambda: bench.measure(3), TypeError, "fn must be callable"),
    (lambda: bench.time_it("f"), TypeError, "fn must be callable"),
    (lambda: bench.measure(_noop, repeats=0), ValueError, "repeats must be >= 1"),
    (lambda: bench.measure(_noop, warmup=-1), ValueError, "warmup must be >= 0"),
    (lambda: bench.measure(_noop, threads=0), ValueError, "threads must be >= 1"),
    (lambda: bench.measure(_noop, threads=1.5), TypeError, "threads must be an integer"),
    (lambda: bench.measure(_noop, min_run_time=0), ValueError, "min_run_time must be"),
    (lambda: bench.measure(_noop, device="gpu"), ValueError, "device must name"),
    (lambda: bench.measure(_noop, device=3), TypeError, "device must be"),
    (lambda: bench.Benchmark(threads=0), ValueError, "threads must be >= 1"),
    (lambda: bench.Benchmark().run("a", 1, None), TypeError, "fn must be callable"),
    (lambda: bench.Benchmark().run("a", 1, _noop, threads=-2), ValueError, "threads must be >= 1"),
    (lambda: make_benchmark().table(stat="mean"), ValueError, r"stat must be one of \['median', 'iqr'\]"),
    (lambda: make_benchmark().report(unit="min"), ValueError, "unit must be one of"),
    (lambda: bench.Benchmark().add("a", 1, -1.0), ValueError, "seconds must be"),
    (lambda: bench.Benchmark().add("a", 1, 1.0, iqr="x"), TypeError, "iqr must be"),
])
def test_bad_arguments_raise_errors_naming_them(call, err, words):
    with pytest.raises(err, match=words):
        call()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_measure_on_cuda_records_the_device():
    x = torch.randn(512, 512, device="cuda")
    t = bench.measure(torch.mm, x, x, device="cuda", min_run_time=0.05)
    assert t.device == "cuda" and t.median > 0 and len(t.times) >= 5


def test_slope_is_the_fitted_exponent():
    b = bench.Benchmark("t")
    for n in (10, 100, 1000):
        b.add("quadratic", n, 1e-6 * n**2)
        b.add("linear", n, 1e-3 * n)
    assert b.slope("quadratic") == pytest.approx(2.0) and b.slope("linear") == pytest.approx(1.0)
    with pytest.raises(KeyError, match="was not benchmarked"):
        b.slope("cubic")


# ----------------------------------------------------------------------------- interleaved

def test_interleaved_rotates_the_order_and_pauses_before_each_call():
    order = []

    def make(name, ms):
        def fn():
            time.sleep(ms * MS)
            order.append(name)
        return fn
    fns = {"a": make("a", 12), "b": make("b", 24), "c": make("c", 12)}
    t0 = time.perf_counter()
    out = bench.interleaved(fns, repeats=3, warmup=1, pause=0.03)
    elapsed = time.perf_counter() - t0
    assert order[:3] == ["a", "b", "c"]                      # the warm-ups
    assert order[3:] == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]   # three rotated rounds
    assert elapsed >= 12 * 0.03                              # a pause before each of the 12 calls
    assert set(out) == {"a", "b", "c"} and all(len(t.times) == 3 for t in out.values())
    assert 1.4 < out["b"].median / out["a"].median < 3.0     # 24 ms against 12 ms
    assert out["a"].calls == 3 and out["a"].threads == torch.get_num_threads()


def test_interleaved_times_a_fast_function_in_blocks():
    fn, calls = counter()
    out = bench.interleaved({"fast": fn}, repeats=2, warmup=1, pause=0.0, min_run_time=0.02)
    assert out["fast"].calls > 100 and len(calls) > 100
    assert out["fast"].median < 1e-3


def test_interleaved_restores_threads():
    before = torch.get_num_threads()
    seen = []
    bench.interleaved({"f": lambda: seen.append(torch.get_num_threads())}, repeats=1, pause=0.0,
                      threads=other_thread_count())
    assert seen and set(seen) == {other_thread_count()} and torch.get_num_threads() == before


@pytest.mark.parametrize("call, err, words", [
    (lambda: bench.interleaved({}), TypeError, "fns must be a non-empty dict"),
    (lambda: bench.interleaved({"a": 3}), TypeError, r"fns\['a'\] must be callable"),
    (lambda: bench.interleaved({"a": lambda: None}, pause=-1), ValueError, "pause must be"),
    (lambda: bench.interleaved({"a": lambda: None}, repeats=0), ValueError, "repeats must be >= 1"),
])
def test_interleaved_bad_arguments_name_them(call, err, words):
    with pytest.raises(err, match=words):
        call()
