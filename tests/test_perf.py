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
