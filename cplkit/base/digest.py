"""The one digest helper: SHA-256 of bytes, of a file, or of a new file as it is written, as
lower-case hex.

Registry records, chained DCC files, manifests and change-file sources all name files by this
digest, so they are computed one way. It reads a file in chunks and keeps nothing; a file being
written is digested on its way to the disk, so no one holds its bytes to hash them. Where the
file is written, and whether it is made durable, is for the caller.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

_CHUNK = 1 << 20


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's content, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


class DigestedFile(io.FileIO):
    """A new file (``path`` must not exist), opened for writing, whose SHA-256 is taken of the
    bytes as they go to it. It cannot seek or truncate: the digest is of exactly what the file
    holds (a zip writer, told it cannot seek, writes its sizes after each member instead)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "xb")
        self._digest = hashlib.sha256()

    def write(self, data: ReadableBuffer, /) -> int:
        written = super().write(data)
        # a short write is retried by the buffer above with the rest: digest what went out
        self._digest.update(memoryview(data).cast("B")[:written])
        return written

    def seekable(self) -> bool:
        return False

    def seek(self, *_: Any) -> int:
        raise io.UnsupportedOperation("a file digested as it is written cannot seek")

    def truncate(self, *_: Any) -> int:
        raise io.UnsupportedOperation("a file digested as it is written cannot be truncated")

    def sha256_hex(self) -> str:
        """The SHA-256 of what was written so far."""
        return self._digest.hexdigest()
