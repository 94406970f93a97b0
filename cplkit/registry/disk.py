"""Durable file operations for the registry: write a new file and fsync it, fsync a directory,
and the failpoints tests use to prove that a crash at any step is harmless.

Nothing here knows what the files hold.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def failpoint(name: str) -> None:
    """Die (CPLKIT_FAILPOINT=name) or wait (CPLKIT_PAUSE=name:seconds) at a named step, when a
    test asks: proves a crash at any step of a publish is harmless, and that a second publish
    during the first is refused."""
    if os.environ.get("CPLKIT_FAILPOINT") == name:
        os._exit(86)
    pause_name, _, seconds = os.environ.get("CPLKIT_PAUSE", "").partition(":")
    if pause_name == name:
        time.sleep(float(seconds or 1))


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durably(path: Path, data: bytes) -> None:
    """Create ``path`` (it must not exist) with ``data``, flushed to disk."""
    with path.open("xb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def replace_durably(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically: readers see the old file or the new one, never half."""
    staged = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    staged.unlink(missing_ok=True)
    write_durably(staged, data)
    staged.replace(path)
    fsync_dir(path.parent)
