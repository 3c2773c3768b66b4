"""The maintenance scripts in tools/: gpu-check exits cleanly without a GPU; the load benchmark
parses pytest's durations."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU: `make gpu-check` runs for real")
def test_gpu_check_without_a_gpu_exits_cleanly(tmp_path):
    out = tmp_path / "report.json"
    p = subprocess.run([sys.executable, str(ROOT / "tools" / "gpu_check.py"), "--out", str(out)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert "no CUDA GPU here" in p.stdout
    report = json.loads(out.read_text())
    assert report["gpu"] is None and report["result"] == "no CUDA GPU"


def test_gpu_check_lists_every_lesson():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import gpu_check
    finally:
        sys.path.pop(0)
    stems = gpu_check._lessons(None)
    assert stems == sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) and len(stems) >= 9
    assert gpu_check._lessons(["01_pca_svd"]) == ["01_pca_svd"]
