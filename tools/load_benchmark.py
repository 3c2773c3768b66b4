"""How much slower do the lessons get on a busy machine? (library-v2 issue, "steady under load")

Runs the notebook part of `make test` (nbval over every lesson, as `make test` runs it) twice:
once on an idle machine and once with ``--busy`` CPU-bound processes competing (default 2:
on a 2-core machine, every core has a second runnable process). Reports each lesson's time
(from pytest's ``--durations``) and the slowdown, and writes them to a JSON file. The target
of the course is a slowdown of at most 3× with 2 busy processes on 2 cores.

    python tools/load_benchmark.py [--busy 2] [--out load-benchmark.json] [notebooks/01_pca_svd.ipynb ...]

Run it on an otherwise idle machine (no other test runs or notebook executions).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _spin(stop_at: float) -> None:
    x = 0
    while time.time() < stop_at:
        x += 1


def _nbval(paths, env):
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
           "--nbval-sanitize-with", "tests/sanitize.cfg", "--nbval-cell-timeout=300", "--durations=0",
           *paths]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    total = time.perf_counter() - t0
    per = {}
    for m in re.finditer(r"^\s*([\d.]+)s call\s+(notebooks/\S+?\.ipynb)::Cell (\d+)", p.stdout, re.M):
        per[m.group(2)] = per.get(m.group(2), 0.0) + float(m.group(1))
    tail = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else p.stderr[-500:]
    return {"rc": p.returncode, "seconds": round(total, 1), "per_lesson": {k: round(v, 1) for k, v in per.items()},
            "summary": tail}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--busy", type=int, default=2, help="CPU-bound processes competing in the loaded run")
    ap.add_argument("--out", type=Path, default=ROOT / "load-benchmark.json")
    ap.add_argument("notebooks", nargs="*", help="default: every lesson and the Datasets page")
    a = ap.parse_args(argv)
    paths = a.notebooks or sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("*.ipynb"))
    # what tests/conftest.py gives every kernel of `make test`
    env = dict(os.environ, LOWDIM_STATIC="1", LOWDIM_DEVICE="cpu", LOWDIM_NETGUARD="1")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "tests" / "netguard")]
                                        + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")       # as `make test` sets it
    env.pop("MPLBACKEND", None)
    print(f"idle run of {len(paths)} notebooks ...", flush=True)
    idle = _nbval(paths, env)
    print(f"  {idle['seconds']} s ({idle['summary']})", flush=True)
    print(f"loaded run with {a.busy} busy processes ...", flush=True)
    stop_at = time.time() + 4 * 3600
    procs = [mp.Process(target=_spin, args=(stop_at,), daemon=True) for _ in range(a.busy)]
    for p in procs:
        p.start()
    try:
        loaded = _nbval(paths, env)
    finally:
        for p in procs:
            p.terminate()
    print(f"  {loaded['seconds']} s ({loaded['summary']})", flush=True)
    rows = []
    for nb in sorted(set(idle["per_lesson"]) | set(loaded["per_lesson"])):
        i, lo = idle["per_lesson"].get(nb), loaded["per_lesson"].get(nb)
        rows.append({"notebook": nb, "idle_s": i, "loaded_s": lo,
                     "slowdown": round(lo / i, 2) if i and lo else None})
    result = {"cores": os.cpu_count(), "busy_processes": a.busy, "env": {k: env.get(k) for k in ("OMP_WAIT_POLICY",)},
              "idle": idle, "loaded": loaded, "slowdown_total": round(loaded["seconds"] / idle["seconds"], 2),
              "lessons": rows}
    a.out.write_text(json.dumps(result, indent=2))
    print(f"\n{'notebook':42s} {'idle s':>8s} {'loaded s':>9s} {'slowdown':>9s}")
    for r in rows:
        print(f"{r['notebook']:42s} {r['idle_s'] or 0:8.1f} {r['loaded_s'] or 0:9.1f} {r['slowdown'] or 0:8.2f}×")
    print(f"{'all notebooks (wall time)':42s} {idle['seconds']:8.1f} {loaded['seconds']:9.1f} "
          f"{result['slowdown_total']:8.2f}×")
    return 0 if idle["rc"] == 0 and loaded["rc"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
