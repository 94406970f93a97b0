"""Every file one CPL version issues, built, signed and verified before the version exists.

For a version it makes the DCC file (XML, enveloped signature, naming the SHA-256 of the previous
version's DCC file), the legacy CSV extract with a detached CMS signature, the publications
people read (SECAS's four-tab workbook, a JSON export, a self-contained web page, the Plain
English Mapping as a workbook and CSV), the restricted FIR extract for the Firmware
Information Repository (CMS-signed too), the rules it was checked
with, and a signed manifest of them all (and of the approvals, under four eyes). Every
signature is verified with the signer's own certificate before the files are handed back, so
a version whose files do not verify is never issued. It stores nothing: the registry
transaction does.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass

from cplkit.base.digest import sha256_hex
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
    verify_manifest_of,
)
from cplkit.publications.webpage import version_page
from cplkit.publications.workbook import workbook_bytes
from cplkit.signing.cms import sign_cms
from cplkit.signing.signers import Signer
from cplkit.signing.xmldsig import sign_xml


@dataclass(frozen=True, slots=True)
class SignedStatement:
    """latest.xml as signed, and what it says."""

    data: bytes
    statement: latest.Statement


def signed_statement(version: m.CplVersion, dcc: bytes, signer: Signer,
                     next_update: dt.timedelta = latest.DEFAULT_NEXT_UPDATE, *,
                     now: dt.datetime) -> SignedStatement:
    """latest.xml for ``version`` (whose DCC file is ``dcc``), signed at ``now`` and
    verified."""
    now = now.replace(microsecond=0)
    signer.check_valid(now)
    number = str(version.number)
    statement = latest.Statement(version.number, IssuedFiles(number).dcc_xml, sha256_hex(dcc),
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


def _workbook(started: InChild[bytes], version: m.CplVersion) -> bytes:
    """The workbook a child process was building: the slowest file of a large list
    (openpyxl writes a cell in about 20 microseconds, and 72,900 entries are 2.5 million
    cells), made while the other files are built on the machine's other core."""
    try:
        return started.result()
    except ChildFailed as failed:
        raise OutputError(f"cannot build the workbook of version {version.number}: "
                          f"{failed.reason}",
                          hint="run it again; if it stops again, free some memory") from None


def unsigned_files(version: m.CplVersion, ruleset: Ruleset, companies: Mapping[str, str],
                   fir_before: tuple[FirRecord, ...] = (),
                   changed: Diff | None = None, *,
                   signed_by: SignedBy, workbook: InChild[bytes] | None = None,
                   secas: SecasTexts | None = None) -> dict[str, bytes]:
    """{file name: bytes} for every file of the version that is not itself a signature or
    signed XML: the CSV and FIR extracts (signed later, detached), the workbook, the JSON
    export, the page, the notice to all parties and the rules it was checked with.
    ``companies`` (the names register) names the makers; ``fir_before`` is the previous
    version's FIR extract, carried on; ``changed`` is what the version changed from the one
    before, which the notice tells (None: the first version); ``signed_by`` the signing
    certificate the page and the notice tell readers to check with; ``workbook`` is the workbook
    already started; ``secas`` are SECAS's own texts, which the workbook of a registry that
    started from an import writes."""
    started = workbook or InChild(lambda: workbook_bytes(version, ruleset, secas))
    names = IssuedFiles(str(version.number))
    group = ruleset.groups.get(FIR_GROUP)
    records = fir_records(version, group.all_fields if group else (), fir_before)
    try:
        extract, export = extract_csv(version), export_json(version, companies)
        fir = fir_extract.build(version, records)
        page = version_page(version, names.links(), companies, signed_by)
        notice, email = (notice_text(version, changed, companies, signed_by),
                         notice_email(version, changed, companies, signed_by))
        mapping, mapping_csv = plain_english_files(version, companies)
        workbook_data = _workbook(started, version)
    finally:
        started.cancel()  # if anything failed before it was collected
    # the rules are listed in the manifest like every other file, so a reader who downloads
    # them from the site can tell they are the ones the version was checked with
    rules = {names.ruleset: ruleset.canonical.encode("utf-8")} if ruleset.canonical else {}
    return {names.csv_extract: extract, names.workbook: workbook_data,
            names.json_export: export, names.fir_extract: fir, names.web_page: page,
            names.notice_text: notice, names.notice_email: email,
            names.plain_english_workbook: mapping, names.plain_english_csv: mapping_csv,
            **rules}


def signed_dcc(version: m.CplVersion, previous: PreviousDcc | None, signer: Signer, *,
               now: dt.datetime) -> bytes:
    """The version's DCC file, built, signed at ``now`` and verified with the signer's own
    certificate: it holds the version as built and names the previous DCC file's SHA-256."""
    number = str(version.number)
    link = None if previous is None else (previous.version, previous.sha256)
    now = now.replace(microsecond=0)
    signer.check_valid(now)
    out = io.BytesIO()
    dccxml.write_signed(version, link, now, signer, out)
    xml = out.getvalue()
    _check_dcc(xml, signer, number, len(version.entries), link)
    return xml


def _check_dcc(xml: bytes, signer: Signer, number: str, count: int,
               link: tuple[str, str] | None) -> None:
    """Refuse a signed DCC file that does not verify with the signer's own certificate or does
    not hold the version as built. The verifier parses the file into a tree (about 480 MiB at
    72,900 entries): it runs in a child process, so this one, which holds the rest of the
    version, never holds that tree too; only what is compared here comes back."""
    def held() -> tuple[str, int, tuple[str, str] | None]:
        content = verify_dcc(xml, [signer.certificate]).content
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


def sign_version(version: m.CplVersion, previous: PreviousDcc | None, signer: Signer,
                 unsigned: Mapping[str, bytes], dcc: bytes | None = None, *,
                 now: dt.datetime) -> dict[str, bytes]:
    """Every file of the version, signed at ``now``: the DCC file (``dcc``, if already built
    by ``signed_dcc``, or built and signed here), detached signatures of the extracts in
    ``unsigned``, and the signed manifest of them all (every file in ``unsigned`` is listed:
    under four eyes, what was staged and approved, with the approvals); every signature
    verified with the signer's own certificate before anything is handed back."""
    number = str(version.number)
    names = IssuedFiles(number)
    now = now.replace(microsecond=0)
    xml = dcc if dcc is not None else signed_dcc(version, previous, signer, now=now)
    signer.check_valid(now)
    extract, fir = unsigned[names.csv_extract], unsigned[names.fir_extract]
    signature, fir_signature = (sign_cms(extract, signer, now=now),
                                sign_cms(fir, signer, now=now))
    try:
        verify_csv(extract, signature, [signer.certificate])
        verify_fir(fir, fir_signature, [signer.certificate])
    except VerificationError as exc:
        raise SigningError(f"the signed files of version {number} did not verify ({exc.message});"
                           " nothing was issued") from exc
    files = {names.dcc_xml: xml, **unsigned, names.csv_signature: signature,
             names.fir_signature: fir_signature}
    signed_manifest = sign_xml(manifest.build(number, version.label, files, now,
                                              names.restricted), signer)
    try:
        verify_manifest_of(signed_manifest, files, [signer.certificate])
    except VerificationError as exc:
        raise SigningError(f"the manifest of version {number} did not verify ({exc.message}); "
                           "nothing was issued") from exc
    files[names.manifest] = signed_manifest
    return files


def signed_files(version: m.CplVersion, previous: PreviousDcc | None, signer: Signer,
                 ruleset: Ruleset, companies: Mapping[str, str],
                 fir_before: tuple[FirRecord, ...] = (),
                 changed: Diff | None = None, *,
                 secas: SecasTexts | None = None, now: dt.datetime) -> dict[str, bytes]:
    """{file name: bytes} for every file of the version, built and signed at ``now`` in one go:
    the workbook in a child process while the DCC file and the other files are made here."""
    workbook = InChild(lambda: workbook_bytes(version, ruleset, secas))
    try:
        dcc = signed_dcc(version, previous, signer, now=now)
    except BaseException:
        workbook.cancel()
        raise
    unsigned = unsigned_files(version, ruleset, companies, fir_before, changed,
                              signed_by=SignedBy.signer(signer.subject, signer.fingerprint),
                              workbook=workbook)
    return sign_version(version, previous, signer, unsigned, dcc, now=now)
