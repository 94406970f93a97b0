"""Files in and out, safely: an output is written beside its target and renamed (whole or
absent, never over one of the command's inputs), and an input must be a regular file (a pipe or
a device would make a read wait for ever or never end) of a bounded size.

It does not decide what goes into a file or where outputs go.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from cplkit.errors import CplkitError, OutputError


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``; renamed over ``path`` when the block ends normally.

    Only a regular file (or a new name) is replaced: renamed over a device, a pipe or a socket
    (``-o /dev/null`` as root), the rename would put a plain file where the system's special
    file was, so such a target is refused before anything is written."""
    try:
        mode: int | None = path.lstat().st_mode
    except OSError:
        mode = None  # a new name, or a folder the rename itself reports
    if mode is not None and not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)
                                 or stat.S_ISDIR(mode)):
        raise OutputError(f"{path} is not a regular file (a device, pipe or socket); cplkit "
                          "writes an output whole, by replacing a file",
                          hint="name a file to write (and copy it where it should go)")
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield temporary
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


def not_regular(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file (missing, a directory, a pipe, a device), or None."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "cannot be opened: it does not exist"
    except OSError as exc:
        return f"cannot be opened: {exc.strerror or exc}"
    if stat.S_ISDIR(mode):
        return "is a directory, not a file"
    if not stat.S_ISREG(mode):
        return "is not a regular file (a pipe, socket or device): refused, as reading it may " \
               "never end"
    return None


def read_small(path: Path, limit: int, error: type[CplkitError], what: str = "",
               hint: str | None = None) -> bytes:
    """The bytes of ``path``, a regular file of at most ``limit`` bytes; otherwise ``error``
    naming the path and the reason. Opened without blocking, so a pipe put in the file's place
    is refused at once instead of waited on, and read no further than the limit, so a device
    that never ends (``/dev/zero``) costs nothing."""
    label = f"{what} {path}" if what else str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise error(f"{label} does not exist", hint=hint) from None
    except OSError as exc:
        raise error(f"cannot open {label}: {exc.strerror or exc}", hint=hint) from None
    status = os.fstat(fd)
    if not stat.S_ISREG(status.st_mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(status.st_mode) else "a pipe, socket or device"
        raise error(f"{label} is {kind}, not a regular file: refused", hint=hint)
    with os.fdopen(fd, "rb") as stream:
        try:
            # a read of n bytes reserves n bytes first: ask for what the file holds (plus one,
            # to see it grew past the limit), never for the whole limit
            data = stream.read(min(limit, status.st_size) + 1)
        except OSError as exc:
            raise error(f"cannot read {label}: {exc.strerror or exc}", hint=hint) from None
    if len(data) > limit:
        raise error(f"{label} is larger than the {_size(limit)} such a file can hold: refused",
                    hint=hint)
    return data


def _size(limit: int) -> str:
    return f"{limit // (1 << 20)} MiB" if limit >= 1 << 20 else f"{limit // 1024} KiB"


def write_output(path: Path, data: bytes, *, inputs: Sequence[Path] = ()) -> None:
    """Write ``data`` to ``path`` whole or not at all; never over one of ``inputs``."""
    for source in inputs:
        try:
            same = path.exists() and source.exists() and path.samefile(source)
        except OSError:
            same = False
        if same or path.resolve() == source.resolve():
            raise OutputError(f"{path} is one of the files being read; cplkit never writes over "
                              "an input", hint="name another output file")
    try:
        with replacing(path) as temporary:
            temporary.write_bytes(data)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}",
                          hint="check that the folder exists, is writable and has space") \
            from None
