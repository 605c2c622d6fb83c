"""The server's listening socket, bound before anything else starts.

Binding first means a port already in use is said in one line with what to do, before a worker,
a database or model instances exist (uvicorn alone logs the error and leaves by ``sys.exit``
from inside the event loop: a page of traceback). uvicorn then serves on this socket.
"""

from __future__ import annotations

import errno
import socket


class CannotListen(Exception):
    pass


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise CannotListen(
                f"Port {port} on {host} is already in use (another mimeo serve?): stop what "
                f"listens there, or choose another port with --port."
            ) from error
        raise CannotListen(f"Cannot listen on {host}:{port}: {error.strerror}.") from error
    return sock
