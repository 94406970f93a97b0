"""Verify: tell what a file is by its content and verify it, trusting only the certificates
given.

A DCC file (and, with ``previous``, its place in the chain), a manifest with every file it lists,
or a CSV or FIR extract with its detached signature. The library behind ``cplkit verify``; it
returns the verification record, and failures are ``VerificationError`` with their own exit
status.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from cplkit.base.files import not_regular
from cplkit.errors import (
    CplkitError,
    InputFileError,
    RegistryError,
    UsageError,
    VerificationError,
)
from cplkit.publications import fir_extract
from cplkit.publications.verify_issued import (
    Verified,
    VerifiedDcc,
    VerifiedLatest,
    check_chain,
    check_current,
    verify_csv,
    verify_dcc,
    verify_fir,
    verify_latest,
    verify_manifest,
)
from cplkit.signing.x509 import load_certificates
from cplkit.signing.xmldsig import MAX_BYTES

_MANIFEST_NS = b"urn:cplkit:manifest:1"
_LATEST_NS = b"urn:cplkit:latest:1"


def read_checked(path: Path, what: str) -> bytes:
    """A file given to verify (or found in a mirror), its size and type checked before a byte
    is read."""
    return _read(path, what)


def trusted_from(trust: Path) -> list[x509.Certificate]:
    """The certificates of ``--trust``: a file that holds none is a usage error."""
    try:
        return load_certificates(_read(trust, "--trust file"), str(trust))
    except CplkitError as exc:
        raise UsageError(exc.message, hint=exc.hint) from None


def _read(path: Path, what: str) -> bytes:
    """A file given to verify, its size and type checked before a byte is read."""
    problem = not_regular(path)
    if problem is not None:
        raise InputFileError(f"the {what} {path} {problem}")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputFileError(f"the {what} {path} is {size // 2**20} MiB, larger than any "
                                 f"CPL file ({MAX_BYTES // 2**20} MiB at most)",
                                 hint="name the signed file cplkit issued")
        return path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read the {what} {path}: {exc.strerror or exc}") from None


@dataclass(frozen=True, slots=True)
class Verification:
    """What was verified: the file, and the record its kind gives."""

    file: Path
    result: Verified
    previous: Path | None = None  # a DCC file's predecessor, when the chain was checked
    signature: Path | None = None  # a CSV extract's detached signature
    statement: VerifiedLatest | None = None  # latest.xml, when the file was held to it


def verify_file(file: Path, trust: Path, *, previous: Path | None = None,
                at: dt.date | None = None, signature: Path | None = None,
                latest: Path | None = None, policy: Path | None = None,
                now: dt.datetime) -> Verification:
    """Verify ``file`` by what it is; with ``latest``, a DCC file must also be the one the
    signed statement names as current, and the statement fresh at ``now`` (the time a
    signature that carries none is judged at, too). With ``policy`` (a
    registry's signed policy chain, as its site publishes it), a file signed by a key the
    chain rotated to is trusted too, as long as the chain starts from ``trust``."""
    trusted = trusted_from(trust)
    if policy is not None:
        trusted = _followed(policy, trusted)
    data = _read(file, "file")
    # a DCC file re-saved as UTF-16 is still XML, and gets XML's verdict
    is_xml = data.startswith((b"\xff\xfe", b"\xfe\xff")) or data.lstrip(
        b"\xef\xbb\xbf \t\r\n").startswith(b"<")
    if latest is not None and not (is_xml and _MANIFEST_NS not in data[:2000]
                                   and _LATEST_NS not in data[:2000]):
        raise UsageError("--latest holds a DCC file to the statement of what is current: give "
                         "a DCC file (cpl-N.xml)")
    if is_xml and _MANIFEST_NS in data[:2000]:
        return Verification(file, verify_manifest(data, file.parent, trusted, at=at))
    if is_xml and _LATEST_NS in data[:2000]:
        return Verification(file, verify_latest(data, trusted, now))
    if is_xml:
        result = verify_dcc(data, trusted, at=at)
        if previous is not None:
            check_chain(result, _previous(previous, trusted))
        statement = None
        if latest is not None:
            statement = verify_latest(_read(latest, "--latest file"), trusted, now)
            check_current(result, statement)
        return Verification(file, result, previous=previous, statement=statement)
    if fir_extract.is_fir_extract(data):
        signature = signature or file.with_name(file.name + ".p7s")
        return Verification(file, verify_fir(data, _read(signature, "signature"), trusted,
                                             at=at, now=now), signature=signature)
    if data.startswith(b"PK\x03\x04") or file.suffix.lower() in (".xlsx", ".json", ".html"):
        raise UsageError(f"{file} carries no signature of its own: it is checked through the "
                         "version's signed manifest",
                         hint=f"cplkit verify {file.parent / 'manifest-N.xml'} --trust CERT, with "
                              "the manifest of the version it belongs to")
    signature = signature or file.with_name(file.name + ".p7s")
    return Verification(file, verify_csv(data, _read(signature, "signature"), trusted, at=at,
                                         now=now), signature=signature)


def _followed(folder: Path, pinned: list[x509.Certificate]) -> list[x509.Certificate]:
    """The certificates trusted once the policy chain in ``folder`` is followed from
    ``pinned``."""
    from cplkit.app.policy import followed
    from cplkit.registry.store import read_policy_chain

    if not folder.is_dir():
        raise UsageError(f"--policy {folder} is not a folder",
                         hint="give the policy/ folder of the registry or its site")
    try:
        chain = read_policy_chain(folder)
    except RegistryError as exc:
        raise VerificationError("policy", f"the policy chain cannot be read: {exc.message}",
                                hint="do not trust a key this chain names") from None
    return followed(chain, pinned)


def _previous(path: Path, trusted: list[x509.Certificate]) -> VerifiedDcc:
    """The --previous file: it must be a DCC file too, and say so if it is not."""
    data = _read(path, "--previous file")
    if _MANIFEST_NS in data[:2000] or not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise UsageError(f"--previous {path} is not a DCC file: give the signed DCC file "
                         "(cpl-N.xml) of the version before")
    try:
        return verify_dcc(data, trusted)
    except VerificationError as exc:
        raise VerificationError(exc.failure, f"--previous {path}: {exc.message}",
                                hint=exc.hint) from None
