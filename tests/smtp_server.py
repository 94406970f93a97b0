"""A real SMTP server (aiosmtpd) on a free local port, for the tests that send mail.

The port is the kernel's choice; tests run on parallel workers, so when another process takes
it between the probe and the server's bind, the server is started on another one.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def free_port() -> int:
    """A local port no one listens on now (nothing is promised for later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(handler: Any, **options: Any) -> Iterator[int]:
    """``handler`` serving SMTP on 127.0.0.1 for the block (aiosmtpd's ``Controller``, with
    ``options``); yields the port."""
    from aiosmtpd.controller import Controller

    for _ in range(5):
        controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **options)
        try:
            controller.start()
        except OSError:  # the port was taken since the probe: another one
            continue
        break
    else:
        raise RuntimeError("no free local port for the test's SMTP server after five tries")
    try:
        yield int(controller.port)
    finally:
        controller.stop()
