"""`make gpu-check`: prove the GPU path of the course on a CUDA machine, in one short run.

1. the unit tests that take the ``device`` fixture (and the CUDA-only tests) run on CUDA;
2. every lesson is executed under nbval twice, on the CPU and on CUDA (``LOWDIM_DEVICE``),
   at the default scale, so that each checked output is verified on both devices;
3. a JSON report (default ``gpu-check.json``) records the GPU's name, every step's result and
   wall time, each lesson's CPU and GPU times, and every timing the lessons' benchmarks took
   (``lowdim_utils.bench`` appends them to ``$LOWDIM_BENCH_LOG``), tagged with the device run.

It prints a line per step and keeps within a time budget (``--budget``, default 480 s: what is
left is reported as skipped). Where there is no CUDA GPU it says so, writes a report saying
so, and exits 0.

    python tools/gpu_check.py [--out gpu-check.json] [--budget 480] [--lessons 01_pca_svd ...]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _say(msg: str) -> None:
    print(f"[gpu-check {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _cuda():
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    return {"name": torch.cuda.get_device_name(0), "count": torch.cuda.device_count(),
            "torch": torch.__version__, "cuda": torch.version.cuda}


def _env(device: str, bench_log: Path) -> dict:
    env = dict(os.environ, LOWDIM_DEVICE=device, LOWDIM_STATIC="1", LOWDIM_BENCH_LOG=str(bench_log),
               LOWDIM_NETGUARD="1", OMP_WAIT_POLICY=os.environ.get("OMP_WAIT_POLICY", "PASSIVE"))
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "tests" / "netguard")]
                                        + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env.pop("MPLBACKEND", None)
    env.pop("LOWDIM_SCALE", None)
    return env


def _run(cmd, env, timeout):
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        rc, tail = p.returncode, (p.stdout + p.stderr)[-3000:]
    except subprocess.TimeoutExpired as exc:
        rc, tail = None, f"timed out after {timeout:.0f} s\n" + str(exc.stdout or "")[-2000:]
    return rc, round(time.perf_counter() - t0, 1), tail


def _lessons(names):
    all_nb = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    return [n for n in all_nb if not names or n in names]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "gpu-check.json")
    ap.add_argument("--budget", type=float, default=480.0, help="seconds for the whole check")
    ap.add_argument("--lessons", nargs="*", default=None, help="notebook stems (default: all lessons)")
    ap.add_argument("--skip-cpu", action="store_true", help="execute the lessons on CUDA only")
    a = ap.parse_args(argv)
    start = time.perf_counter()
    report = {"host": platform.node(), "python": sys.version.split()[0], "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    gpu = _cuda()
    report["gpu"] = gpu
    if gpu is None:
        _say("no CUDA GPU here: nothing to check (run this on a machine with a CUDA GPU). Exiting cleanly.")
        report["result"] = "no CUDA GPU"
        a.out.write_text(json.dumps(report, indent=2))
        return 0
    _say(f"CUDA GPU: {gpu['name']} (torch {gpu['torch']}, CUDA {gpu['cuda']})")

    def left():
        return a.budget - (time.perf_counter() - start)

    steps = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # 1. unit tests on CUDA
        _say("unit tests on CUDA (tests taking the device fixture, and CUDA-only tests) ...")
        log = tmp / "bench-tests.jsonl"
        env = _env("cpu", log)
        env["LOWDIM_TEST_DEVICES"] = "cuda"
        rc, sec, tail = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "cuda or gpu",
                              "-m", "not slow and not book and not browser", "tests"], env, timeout=max(30, left() * 0.3))
        steps.append({"step": "unit tests on cuda", "rc": rc, "seconds": sec, "tail": tail[-1500:]})
        _say(f"  -> {'passed' if rc == 0 else 'FAILED' if rc else 'timed out'} in {sec} s: "
             f"{tail.strip().splitlines()[-1] if tail.strip() else ''}")
        # 2. lessons on CPU and CUDA under nbval
        lessons = {}
        devices = ["cuda"] if a.skip_cpu else ["cuda", "cpu"]
        for stem in _lessons(a.lessons):
            lessons[stem] = {}
            for dev in devices:
                if left() < 20:
                    lessons[stem][dev] = {"skipped": "time budget used up"}
                    _say(f"{stem} on {dev}: skipped (budget)")
                    continue
                log = tmp / f"bench-{stem}-{dev}.jsonl"
                cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
                       "--nbval-sanitize-with", "tests/sanitize.cfg", "--nbval-cell-timeout=300",
                       f"notebooks/{stem}.ipynb"]
                rc, sec, tail = _run(cmd, _env(dev, log), timeout=min(300, max(20, left())))
                bench = []
                if log.exists():
                    for line in log.read_text().splitlines():
                        try:
                            bench.append(json.loads(line))
                        except json.JSONDecodeError:
                            pass
                lessons[stem][dev] = {"rc": rc, "seconds": sec, "benchmarks": bench,
                                      "tail": tail[-1200:] if rc != 0 else tail.strip().splitlines()[-1:]}
                _say(f"{stem} on {dev}: {'passed' if rc == 0 else 'FAILED' if rc else 'timed out'} in {sec} s "
                     f"({len(bench)} benchmark timings)")
        report["steps"] = steps
        report["lessons"] = lessons
    report["seconds"] = round(time.perf_counter() - start, 1)
    ok = all(s["rc"] == 0 for s in steps) and all(
        r.get("rc") == 0 for per in report["lessons"].values() for r in per.values() if "skipped" not in r)
    report["result"] = "passed" if ok else "failed"
    a.out.write_text(json.dumps(report, indent=2))
    _say(f"done in {report['seconds']} s: {report['result']}; report in {a.out}")
    for stem, per in report["lessons"].items():
        c, g = per.get("cpu", {}).get("seconds"), per.get("cuda", {}).get("seconds")
        _say(f"  {stem:28s} cpu {c if c is not None else '-':>6} s   cuda {g if g is not None else '-':>6} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
