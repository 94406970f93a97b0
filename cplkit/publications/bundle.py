"""Every file one CPL version issues, built, signed and verified before the version exists.

For a version it makes the DCC file (XML, enveloped signature, naming the SHA-256 of the previous
version's DCC file), the legacy CSV extract with a detached CMS signature, the publications
people read (SECAS's four-tab workbook, a JSON export, a self-contained web page, the Plain
English Mapping as a workbook and CSV), the restricted FIR extract for the Firmware
Information Repository (CMS-signed too), the rules it was checked
with, and a signed manifest of them all (and of the approvals, under four eyes). Each file is
written to a ``Files`` sink as soon as it is made (the registry transaction's folder), which
digests it on the way, so no file's bytes are held once written; a signature is made over a
file read back. Every signature is verified with the signer's own certificate before the
version can be issued, so a version whose files do not verify is never issued. It stores
nothing itself: the sink and the registry transaction do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from cplkit.base.isolation import ChildFailed, InChild
from cplkit.core import model as m
from cplkit.core.diff import Diff
from cplkit.core.fir import FIR_GROUP, FirRecord, fir_records
from cplkit.core.ruleset import Ruleset
from cplkit.core.secas_texts import SecasTexts
from cplkit.errors import OutputError, SigningError, VerificationError
from cplkit.publications import dccxml, fir_extract, latest, manifest
from cplkit.publications.csv_extract import extract_csv
from cplkit.publications.filenames import IssuedFiles
from cplkit.publications.json_export import export_json
from cplkit.publications.notice import notice_email, notice_text
from cplkit.publications.plain_english import plain_english_files
from cplkit.publications.signed_by import SignedBy
from cplkit.publications.verify_issued import (
    verify_csv,
    verify_dcc,
    verify_fir,
    verify_latest,
    verify_listed_each,
)
from cplkit.publications.webpage import version_page
from cplkit.publications.workbook import workbook_bytes
from cplkit.signing.cms import sign_cms
from cplkit.signing.signers import Signer
from cplkit.signing.xmldsig import sign_xml


class Files(Protocol):
    """Where a version's files go as they are made (``cplkit.registry.disk.NewFiles``): each
    written once, digested as written; a producer that writes to a binary file object writes
    to ``create``'s."""

    def create(self, name: str) -> AbstractContextManager[BinaryIO]: ...

    def add(self, name: str, data: bytes) -> str: ...

    def adopt(self, name: str) -> str: ...

    def read(self, name: str) -> bytes: ...

    def digest(self, name: str) -> str: ...

    @property
    def digests(self) -> Mapping[str, str]: ...


@dataclass(frozen=True, slots=True)
class SignedStatement:
    """latest.xml as signed, and what it says."""

    data: bytes
    statement: latest.Statement


def signed_statement(version: m.CplVersion, dcc_sha256: str, signer: Signer,
                     next_update: dt.timedelta = latest.DEFAULT_NEXT_UPDATE, *,
                     now: dt.datetime) -> SignedStatement:
    """latest.xml for ``version`` (whose DCC file has the SHA-256 ``dcc_sha256``), signed at
    ``now`` and verified."""
    now = now.replace(microsecond=0)
    signer.check_valid(now)
    number = str(version.number)
    statement = latest.Statement(version.number, IssuedFiles(number).dcc_xml, dcc_sha256,
                                 version.issue_date, now, now + next_update)
    data = sign_xml(latest.build(statement), signer)
    try:
        verify_latest(data, [signer.certificate], now)
    except VerificationError as exc:
        raise SigningError(f"the statement that {number} is current did not verify "
                           f"({exc.message}); nothing was changed") from exc
    return SignedStatement(data, statement)


@dataclass(frozen=True, slots=True)
class PreviousDcc:
    """The DCC file of the version before, by its SHA-256, which the new one names (the
    digest, not the file: at 72,900 entries it is 60 MB a publish need not hold)."""

    version: str
    sha256: str


def start_workbook(files: Files, version: m.CplVersion, ruleset: Ruleset,
                   secas: SecasTexts | None = None) -> InChild[str]:
    """The workbook, the slowest file of a large list (openpyxl writes a cell in about 20
    microseconds, and 72,900 entries are 2.5 million cells), started in a child process that
    writes it to ``files`` itself, while the other files are made here on the machine's other
    core; ``collect_workbook`` waits for it."""
    name = IssuedFiles(str(version.number)).workbook

    def write() -> str:
        with files.create(name) as out:
            out.write(workbook_bytes(version, ruleset, secas))
        return name

    return InChild(write)


def collect_workbook(started: InChild[str], files: Files, version: m.CplVersion) -> None:
    """Wait for the workbook ``start_workbook`` started, and record it in ``files``."""
    try:
        name = started.result()
    except ChildFailed as failed:
        raise OutputError(f"cannot build the workbook of version {version.number}: "
                          f"{failed.reason}",
                          hint="run it again; if it stops again, free some memory") from None
    files.adopt(name)


def unsigned_files(files: Files, version: m.CplVersion, ruleset: Ruleset,
                   companies: Mapping[str, str], fir_before: tuple[FirRecord, ...] = (),
                   changed: Diff | None = None, *,
                   signed_by: SignedBy, workbook: InChild[str] | None = None,
                   secas: SecasTexts | None = None) -> None:
    """Write to ``files`` every file of the version that is not itself a signature or signed
    XML, each as soon as it is made: the CSV and FIR extracts (signed later, detached), the
    workbook, the JSON export, the page, the notice to all parties and the rules it was checked
    with. ``companies`` (the names register) names the makers; ``fir_before`` is the previous
    version's FIR extract, carried on; ``changed`` is what the version changed from the one
    before, which the notice tells (None: the first version); ``signed_by`` the signing
    certificate the page and the notice tell readers to check with; ``workbook`` is the workbook
    already started (``start_workbook``); ``secas`` are SECAS's own texts, which the workbook of
    a registry that started from an import writes."""
    started = workbook or start_workbook(files, version, ruleset, secas)
    names = IssuedFiles(str(version.number))
    group = ruleset.groups.get(FIR_GROUP)
    try:
        records = fir_records(version, group.all_fields if group else (), fir_before)
        files.add(names.csv_extract, extract_csv(version))
        files.add(names.json_export, export_json(version, companies))
        files.add(names.fir_extract, fir_extract.build(version, records))
        files.add(names.web_page, version_page(version, names.links(), companies, signed_by))
        files.add(names.notice_text, notice_text(version, changed, companies, signed_by))
        files.add(names.notice_email, notice_email(version, changed, companies, signed_by))
        mapping, mapping_csv = plain_english_files(version, companies)
        files.add(names.plain_english_workbook, mapping)
        files.add(names.plain_english_csv, mapping_csv)
        del mapping, mapping_csv
        collect_workbook(started, files, version)
    finally:
        started.cancel()  # if anything failed before it was collected
    if ruleset.canonical:
        # the rules are listed in the manifest like every other file, so a reader who downloads
        # them from the site can tell they are the ones the version was checked with
        files.add(names.ruleset, ruleset.canonical.encode("utf-8"))


def signed_dcc(files: Files, version: m.CplVersion, previous: PreviousDcc | None,
               signer: Signer, *, now: dt.datetime) -> None:
    """Write the version's DCC file to ``files``, built a batch of entries at a time and signed
    at ``now``, then verify it, read back, with the signer's own certificate: it holds the
    version as built and names the previous DCC file's SHA-256."""
    number = str(version.number)
    link = None if previous is None else (previous.version, previous.sha256)
    now = now.replace(microsecond=0)
    signer.check_valid(now)
    name = IssuedFiles(number).dcc_xml
    with files.create(name) as out:
        dccxml.write_signed(version, link, now, signer, out)
    _check_dcc(lambda: files.read(name), signer, number, len(version.entries), link)


def _check_dcc(read: Callable[[], bytes], signer: Signer, number: str, count: int,
               link: tuple[str, str] | None) -> None:
    """Refuse a signed DCC file that does not verify with the signer's own certificate or does
    not hold the version as built. The file is read back and parsed into a tree (about 480 MiB
    at 72,900 entries) in a child process, so this one, which holds the rest of the version,
    never holds that tree too; only what is compared here comes back."""
    def held() -> tuple[str, int, tuple[str, str] | None]:
        content = verify_dcc(read(), [signer.certificate]).content
        return str(content.number), content.entry_count, content.previous

    try:
        said = InChild(held).result()
    except VerificationError as exc:
        raise SigningError(f"the signed DCC file of version {number} did not verify "
                           f"({exc.message}); nothing was issued") from exc
    except ChildFailed as failed:
        raise SigningError(f"the signed DCC file of version {number} could not be verified "
                           f"({failed.reason}); nothing was issued",
                           hint="run it again; if it stops again, free some memory") from None
    if said != (number, count, link):
        raise SigningError(f"the signed DCC file does not hold version {number} as built; "
                           "nothing was issued")


def sign_version(files: Files, version: m.CplVersion, previous: PreviousDcc | None,
                 signer: Signer, *, now: dt.datetime) -> None:
    """Complete ``files``, which hold every unsigned file of the version, signed at ``now``:
    the DCC file (unless ``signed_dcc`` wrote it already), detached signatures of the
    extracts, and the signed manifest of every file written so far (under four eyes, what was
    staged and approved, with the approvals); every signature verified with the signer's own
    certificate."""
    number = str(version.number)
    names = IssuedFiles(number)
    now = now.replace(microsecond=0)
    if names.dcc_xml not in files.digests:
        signed_dcc(files, version, previous, signer, now=now)
    signer.check_valid(now)
    for name, signature_name, verify in (
            (names.csv_extract, names.csv_signature, verify_csv),
            (names.fir_extract, names.fir_signature, verify_fir)):
        data = files.read(name)
        signature = sign_cms(data, signer, now=now)
        try:
            verify(data, signature, [signer.certificate])
        except VerificationError as exc:
            raise SigningError(f"the signed files of version {number} did not verify "
                               f"({exc.message}); nothing was issued") from exc
        files.add(signature_name, signature)
    digests = files.digests
    signed_manifest = sign_xml(manifest.build(number, version.label, digests, now,
                                              names.restricted), signer)
    verified, problems = verify_listed_each(signed_manifest, [signer.certificate], None,
                                            digests.get, "from the version's files")
    if problems or set(verified.content.files) != set(digests):
        reason = problems[0].message if problems else "it does not list every file"
        raise SigningError(f"the manifest of version {number} did not verify ({reason}); "
                           "nothing was issued")
    files.add(names.manifest, signed_manifest)


def signed_files(files: Files, version: m.CplVersion, previous: PreviousDcc | None,
                 signer: Signer, ruleset: Ruleset, companies: Mapping[str, str],
                 fir_before: tuple[FirRecord, ...] = (), changed: Diff | None = None, *,
                 secas: SecasTexts | None = None, now: dt.datetime) -> None:
    """Write to ``files`` every file of the version, built and signed at ``now`` in one go: the
    workbook in a child process while the DCC file and the other files are made here."""
    workbook = start_workbook(files, version, ruleset, secas)
    try:
        signed_dcc(files, version, previous, signer, now=now)
    except BaseException:
        workbook.cancel()
        raise
    unsigned_files(files, version, ruleset, companies, fir_before, changed,
                   signed_by=SignedBy.signer(signer.subject, signer.fingerprint),
                   workbook=workbook)
    sign_version(files, version, previous, signer, now=now)
