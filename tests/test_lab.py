"""JupyterLab as learners use it (`make lab`): it starts, and the extensions the lessons rely on
(jupyterlab-myst for theorem/proof/exercise boxes, jupytext for the .py pairs, widgets) are
installed *and compatible* with this Lab."""
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_lab_extensions_are_compatible():
    p = subprocess.run([str(BIN / "jupyter"), "labextension", "list"], capture_output=True, text=True, timeout=120)
    out = p.stdout + p.stderr
    assert "not compatible" not in out, out
    for ext in ("jupyterlab-myst", "jupyterlab-jupytext", "@jupyter-widgets/jupyterlab-manager"):
        line = next((ln for ln in out.splitlines() if ext in ln), "")
        assert "enabled" in line and "OK" in line, f"{ext}: {line or 'not installed'}"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_lab_starts_and_serves_the_lessons(tmp_path):
    port = _free_port()
    env_cmd = [str(BIN / "jupyter"), "lab", "--no-browser", f"--port={port}", "--ServerApp.token=",
               "--ServerApp.password=", "--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={ROOT / 'notebooks'}",
               f"--ServerApp.runtime_dir={tmp_path}", "--allow-root"]
    proc = subprocess.Popen(env_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        body = ""
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab", timeout=5) as r:
                    body = r.read().decode()
                    break
            except Exception:
                time.sleep(1)
        assert "JupyterLab" in body, "JupyterLab did not serve /lab within 60 s"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents/01_pca_svd.ipynb?content=0", timeout=10) as r:
            assert r.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
