"""The performance suite (`make bench`, tools/perf.py) behind Appendix A: its quick mode runs every
case end to end (a smoke test, not a measurement), and its checks can fail."""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _perf():
    spec = importlib.util.spec_from_file_location("lowdim_perf", ROOT / "tools" / "perf.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["lowdim_perf"] = mod          # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.timeout(600)
def test_quick_mode_runs_every_case_and_the_course_matches_each_oracle(tmp_path):
    out = tmp_path / "perf.json"
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "perf.py"), "--quick", "--out", str(out)],
                          capture_output=True, text=True, timeout=580, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    res = json.loads(out.read_text())
    perf = _perf()
    assert [c["key"] for c in res["cases"]] == [c.key for c in perf.CASES]
    assert res["mode"] == "quick" and res["machine"]["threads"] >= 1 and res["machine"]["torch"]
    for c in res["cases"]:
        for r in c["rows"]:
            assert r["course"]["median"] > 0 and r["oracle"]["median"] > 0
            assert r["ratio"] == pytest.approx(r["course"]["median"] / r["oracle"]["median"])
            assert r["out_of_bounds"] == {}, (c["key"], r)
        assert "slope_course" in c and "slope_oracle" in c
    assert "ratio" in proc.stdout and "slopes" in proc.stdout
    peak = res["matmul_peak_gflops"]
    assert {"torch float32", "numpy float32", "torch float64", "numpy float64"} <= set(peak)
    assert all(v > 0 for v in peak.values()) and res["matmul_peak_gflops_end"]["torch float32"] > 0
    assert 0 <= res.get("steal_fraction", 0) <= 1
    with_flops = [c.key for c in perf.CASES if c.flops is not None]
    assert {"rsvd", "rp_gauss"} <= set(with_flops)
    for c in res["cases"]:
        for r in c["rows"]:
            assert ("course_gflops" in r) == (c["key"] in with_flops)
            if "course_gflops" in r:
                assert 0 < r["course_gflops"] < 1e5


def test_the_flop_counts_of_the_matmul_bound_cases():
    perf = _perf()
    # randomized SVD, l = k + oversample = 60, two power iterations: X Ω, 2 × (Xᵀ Q, X Q), Qᵀ X -> 6 products
    # of 2·n·d·l flops each, and Q U_b of 2·n·l·k
    assert perf._rsvd_flops(1000, d=100, k=50) == 6 * 2 * 1000 * 100 * 60 + 2 * 1000 * 60 * 50
    assert perf._rp_flops(10) == 2 * 10 * 10000 * 500


def test_a_case_whose_answers_disagree_is_reported():
    perf = _perf()
    calls = []

    def make(size, dtype):
        return ({"course": lambda: calls.append("c"), "oracle": lambda: calls.append("o")},
                lambda: {"error": 0.5})
    case = perf.Case("fake", "a fake method", "00", "none", "n", [10, 20], [1, 2], make,
                     bounds={"error": (0, 1e-3)})
    out = perf.run_case(case, quick=True, repeats=1, pause=0.0, threads=1, say=lambda s: None)
    assert out["rows"][0]["out_of_bounds"] == {"error": 0.5}
    assert "c" in calls and "o" in calls
    assert out["standard_size"] == 2 and "slope_course" in out
    text = perf.table({"cases": [dict(out, ratio=2.0)]})
    assert "ratio above 1" in text and "a fake method" in text


def test_unknown_case_names_are_rejected():
    perf = _perf()
    with pytest.raises(SystemExit):
        perf.main(["--quick", "--only", "no_such_case", "--out", "/dev/null"])


def test_a_full_run_keeps_the_run_it_replaces(tmp_path):
    perf = _perf()
    out = tmp_path / "performance.json"
    assert perf.keep_previous(out) is None                       # nothing to keep yet
    out.write_text(json.dumps({"mode": "quick", "date": "2026-01-01 10:00 UTC"}))
    assert perf.keep_previous(out) is None                       # a smoke test is not a measurement
    out.write_text(json.dumps({"mode": "full", "date": "2026-01-02 10:05 UTC", "cases": []}))
    kept = perf.keep_previous(out)
    assert kept == tmp_path / "performance-history" / "2026-01-02-1005.json"
    assert json.loads(kept.read_text())["date"] == "2026-01-02 10:05 UTC"
