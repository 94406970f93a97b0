"""Verify: tell what a file is by its content and verify it, trusting only the certificates
given.

A DCC file (and, with ``previous``, its place in the chain), a manifest with every file it lists,
or a CSV extract with its detached signature. The library behind ``cplkit verify``; it returns
the verification record, and failures are ``VerificationError`` with their own exit status.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cplkit.errors import CplkitError, InputFileError, UsageError
from cplkit.publications.verify import (
    Verified,
    check_chain,
    verify_csv,
    verify_dcc,
    verify_manifest,
)
from cplkit.signing.certificates import load_certificates

_MANIFEST_NS = b"urn:cplkit:manifest:1"


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror or exc}") from None


@dataclass(frozen=True, slots=True)
class Verification:
    """What was verified: the file, and the record its kind gives."""

    file: Path
    result: Verified
    previous: Path | None = None  # a DCC file's predecessor, when the chain was checked
    signature: Path | None = None  # a CSV extract's detached signature


def verify_file(file: Path, trust: Path, *, previous: Path | None = None,
                at: dt.date | None = None, signature: Path | None = None) -> Verification:
    try:
        trusted = load_certificates(_read(trust), str(trust))
    except CplkitError as exc:  # a --trust file that is not a certificate is a usage error
        raise UsageError(exc.message, hint=exc.hint) from None
    data = _read(file)
    is_xml = data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
    if is_xml and _MANIFEST_NS in data[:2000]:
        return Verification(file, verify_manifest(data, file.parent, trusted, at=at))
    if is_xml:
        result = verify_dcc(data, trusted, at=at)
        if previous is not None:
            check_chain(result, verify_dcc(_read(previous), trusted))
        return Verification(file, result, previous=previous)
    signature = signature or file.with_name(file.name + ".p7s")
    return Verification(file, verify_csv(data, _read(signature), trusted, at=at),
                        signature=signature)
