"""The tests run offline: any non-loopback connection fails, here and in child processes."""
import os
import socket
import subprocess
import sys

import pytest


def test_guard_blocks_outside_connections_in_this_process():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(RuntimeError, match="network access blocked"):
            s.connect(("192.0.2.1", 80))   # TEST-NET-1: blocked before any packet is sent
    finally:
        s.close()
    with pytest.raises(RuntimeError, match="network access blocked"):
        socket.getaddrinfo("example.org", 443)


def test_guard_allows_loopback():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    c = socket.socket()
    c.connect(srv.getsockname())
    c.close()
    srv.close()


def test_guard_is_active_in_child_processes_such_as_notebook_kernels():
    code = ("import socket\ns = socket.socket()\n"
            "try:\n    s.connect(('192.0.2.1', 80))\nexcept Exception as e:\n    print(type(e).__name__, e)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=os.environ.copy())
    assert "network access blocked" in r.stdout, r.stdout + r.stderr
