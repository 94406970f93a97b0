"""Durable file operations for the registry: write a new file and fsync it, fsync a directory,
a folder of new files each written once as it is made (``NewFiles``), and the failpoints tests
use to prove that a crash at any step is harmless.

Nothing here knows what the files hold, or which folder is a version's.
"""

from __future__ import annotations

import io
import os
import re
import stat
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from cplkit.base.digest import DigestedFile, file_sha256, sha256_hex
from cplkit.errors import RegistryError

#: a written file's name: one plain name inside its folder, never a path
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
#: what a producer's small writes are gathered into before they reach the disk (and the digest)
_BUFFER = 1 << 20


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


class NewFiles:
    """A folder (which must exist) that new files are written into one by one as they are made,
    each digested on its way to the disk and, if ``durable``, fsynced when it is closed; no
    file's bytes are kept. A name is written once. ``digests`` says what was written, in the
    order written; ``read`` reads a file back, held to its digest.

    A forked child (the workbook, made on the other core) may write a file with its own copy;
    the parent then ``adopt``\\ s it, digesting it from the disk."""

    def __init__(self, folder: Path, *, durable: bool = True) -> None:
        self.folder = folder
        self.durable = durable
        self._digests: dict[str, str] = {}

    @property
    def digests(self) -> Mapping[str, str]:
        """name -> SHA-256 of every file written, in the order written."""
        return dict(self._digests)

    def __contains__(self, name: object) -> bool:
        return name in self._digests

    def digest(self, name: str) -> str:
        try:
            return self._digests[name]
        except KeyError:
            raise RegistryError(f"{name} was not written to {self.folder}") from None

    @contextmanager
    def create(self, name: str) -> Iterator[BinaryIO]:
        """A new file ``name`` to write to (it cannot seek); when the block ends normally it is
        closed, fsynced if durable, and its digest recorded. A block that fails leaves a partial
        file and no digest: whoever owns the folder removes it."""
        path = self._new(name)
        raw = DigestedFile(path)
        with io.BufferedWriter(raw, _BUFFER) as out:
            yield out
            out.flush()
            if self.durable:
                os.fsync(raw.fileno())
        self._digests[name] = raw.sha256_hex()

    def add(self, name: str, data: bytes) -> str:
        """Write ``data`` as the new file ``name``; its SHA-256."""
        with self.create(name) as out:
            out.write(data)
        return self._digests[name]

    def adopt(self, name: str) -> str:
        """Record ``name``, written by a forked copy of this folder's writer, digesting it from
        the disk (fsynced by the writer if durable); its SHA-256. A file this very writer wrote
        (where no child could be forked) is already recorded."""
        if name in self._digests:
            return self._digests[name]
        path = self.folder / name
        try:
            regular = _NAME.fullmatch(name) is not None and stat.S_ISREG(path.lstat().st_mode)
        except FileNotFoundError:
            regular = False
        if not regular:
            raise RegistryError(f"{path} is not a file written for {self.folder}")
        self._digests[name] = file_sha256(path)
        return self._digests[name]

    def read(self, name: str) -> bytes:
        """The file ``name`` read back, held to the digest it was written with."""
        expected = self.digest(name)
        data = (self.folder / name).read_bytes()
        if sha256_hex(data) != expected:
            raise RegistryError(f"{self.folder / name} changed after it was written",
                                hint="find out what else writes to that folder")
        return data

    def unexpected(self) -> list[str]:
        """What the folder holds besides the files written (a child's file never adopted)."""
        return sorted({p.name for p in self.folder.iterdir()} - set(self._digests))

    def _new(self, name: str) -> Path:
        if not _NAME.fullmatch(name):
            raise RegistryError(f"{name!r} cannot be the name of a file written to {self.folder}")
        if name in self._digests:
            raise RegistryError(f"{name} was written to {self.folder} already")
        return self.folder / name
