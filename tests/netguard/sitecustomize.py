"""Network guard for the test suite, loaded by every Python process the tests start
(notebook kernels included) through PYTHONPATH when LOWDIM_NETGUARD=1.

Loopback (kernels talk to the test runner over 127.0.0.1) and Unix sockets are allowed;
any other connection or name lookup raises before a packet is sent.
"""
import os

if os.environ.get("LOWDIM_NETGUARD") == "1":
    import socket

    class NetworkAccessBlocked(RuntimeError):
        pass

    _LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "", None}

    def _is_local(host):
        if isinstance(host, bytes):
            host = host.decode()
        if host in _LOCAL_NAMES:
            return True
        h = str(host)
        return h.startswith("127.") or h in ("::1", "0.0.0.0", "::")

    def _check_address(sock_family, address):
        if sock_family == getattr(socket, "AF_UNIX", None):
            return
        host = address[0] if isinstance(address, tuple) else address
        if not _is_local(host):
            raise NetworkAccessBlocked(f"network access blocked during the LowDim tests: connection to {address!r}. "
                                       "The course must run offline.")

    _orig_connect = socket.socket.connect
    _orig_connect_ex = socket.socket.connect_ex
    _orig_getaddrinfo = socket.getaddrinfo

    def connect(self, address):
        _check_address(self.family, address)
        return _orig_connect(self, address)

    def connect_ex(self, address):
        _check_address(self.family, address)
        return _orig_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if not _is_local(host):
            raise NetworkAccessBlocked(f"network access blocked during the LowDim tests: name lookup of {host!r}. "
                                       "The course must run offline.")
        return _orig_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.getaddrinfo = getaddrinfo
    socket.NetworkAccessBlocked = NetworkAccessBlocked
