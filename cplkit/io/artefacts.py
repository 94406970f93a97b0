"""The files issued with each CPL version, made and checked before the version exists.

For a version it makes the DCC file (XML, enveloped signature, naming the SHA-256 of the previous
version's DCC file), the legacy CSV extract with a detached CMS signature, the publications
people read (SECAS's four-tab workbook, a JSON export, a self-contained web page) and a signed
manifest of them all. Every signature is verified with the signer's own certificate before the
files are handed to the registry transaction, so a version whose files do not verify is never
issued. It does not store anything.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import tempfile
from pathlib import Path

from cplkit.core import model as m
from cplkit.core.ruleset import Ruleset
from cplkit.errors import SigningError, VerificationError
from cplkit.io import dccxml, manifest
from cplkit.io.html import version_page
from cplkit.io.listing import entry_dict, safe_csv_cell
from cplkit.io.signing import SigningIdentity, check_valid, sign_cms, sign_xml
from cplkit.io.verify import verify_csv, verify_dcc, verify_manifest
from cplkit.io.xlsx_write import CSV_COLUMNS, csv_extract_row, write_cpl_workbook


def csv_name(version: str) -> str:
    return f"cpl-{version}.csv"


def extract_csv(version: m.CplVersion) -> bytes:
    """SECAS's 'CPL - saveable in CSV' extract: 13 columns, one header row, CRLF lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in version.entries:
        writer.writerow([safe_csv_cell(c) for c in csv_extract_row(version.label, entry.values)])
    return buffer.getvalue().encode("utf-8")


def workbook_bytes(version: m.CplVersion, ruleset: Ruleset) -> bytes:
    """SECAS's four-tab workbook (no macros) with the full history."""
    history = []
    for line in version.history:
        try:
            date = dt.date.fromisoformat(line.date).strftime("%d/%m/%Y")
        except ValueError:
            date = line.date
        history.append((line.version, date, line.changes))
    with tempfile.TemporaryDirectory(prefix="cplkit-") as folder:
        path = Path(folder) / "cpl.xlsx"
        write_cpl_workbook(path, ruleset, version.label, history,
                           [e.values for e in version.entries])
        return path.read_bytes()


def export_json(version: m.CplVersion) -> bytes:
    """The version for scripts (schemas/cpl-export.schema.json), one entry per line: readable,
    and written by the C encoder even for 100,000 entries."""
    header = json.dumps({"format": "cplkit-cpl-export-1", "version": str(version.number),
                         "label": version.label, "issue_date": version.issue_date.isoformat()},
                        ensure_ascii=False)
    history = ",\n".join(json.dumps({"version": h.version, "date": h.date, "changes": h.changes},
                                    ensure_ascii=False) for h in version.history)
    entries = ",\n".join(json.dumps(entry_dict(e), ensure_ascii=False) for e in version.entries)
    return (header[:-1] + ',\n"entries": [\n' + entries + '\n],\n"history": [\n' + history
            + "\n]}\n").encode("utf-8")


def signed_files(version: m.CplVersion, previous: tuple[str, bytes] | None,
                 identity: SigningIdentity, ruleset: Ruleset) -> dict[str, bytes]:
    """{file name: bytes} for every file of the version, all signatures verified."""
    number = str(version.number)
    link = None if previous is None else (previous[0], hashlib.sha256(previous[1]).hexdigest())
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    check_valid(identity, now)
    xml = sign_xml(dccxml.build(version, link, now), identity)
    extract = extract_csv(version)
    signature = sign_cms(extract, identity)
    try:
        checked = verify_dcc(xml, [identity.certificate])
        verify_csv(extract, signature, [identity.certificate])
    except VerificationError as exc:
        raise SigningError(f"the signed files of version {number} did not verify ({exc.message});"
                           " nothing was issued") from exc
    content = checked.content
    assert content is not None
    if str(content.number) != number or len(content.entries) != len(version.entries) or \
            content.previous != link:
        raise SigningError(f"the signed DCC file does not hold version {number} as built; "
                           "nothing was issued")
    files = {dccxml.file_name(number): xml, csv_name(number): extract,
             csv_name(number) + ".p7s": signature,
             f"cpl-{number}.xlsx": workbook_bytes(version, ruleset),
             f"cpl-{number}.json": export_json(version)}
    links = [("Signed DCC file (XML)", dccxml.file_name(number)),
             ("Workbook (.xlsx)", f"cpl-{number}.xlsx"), ("CSV extract", csv_name(number)),
             ("CSV signature (CMS)", csv_name(number) + ".p7s"),
             ("JSON", f"cpl-{number}.json"), ("Signed manifest", manifest.file_name(number))]
    files[f"cpl-{number}.html"] = version_page(version, links)
    signed_manifest = sign_xml(manifest.build(number, version.label, files, now), identity)
    with tempfile.TemporaryDirectory(prefix="cplkit-") as folder:
        for name, data in files.items():
            (Path(folder) / name).write_bytes(data)
        try:
            verify_manifest(signed_manifest, Path(folder), [identity.certificate])
        except VerificationError as exc:
            raise SigningError(f"the manifest of version {number} did not verify "
                               f"({exc.message}); nothing was issued") from exc
    files[manifest.file_name(number)] = signed_manifest
    return files
