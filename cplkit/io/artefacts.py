"""The signed files issued with each CPL version, made and checked before the version exists.

For a version it makes the DCC file (XML, enveloped signature, naming the SHA-256 of the previous
version's DCC file) and the legacy CSV extract with a detached CMS signature. Both are verified
with the signer's own certificate before they are handed to the registry transaction, so a
version whose files do not verify is never issued. It does not store anything.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io

from cplkit.core import model as m
from cplkit.errors import SigningError, VerificationError
from cplkit.io import dccxml
from cplkit.io.listing import safe_csv_cell
from cplkit.io.signing import SigningIdentity, check_valid, sign_cms, sign_xml
from cplkit.io.verify import verify_csv, verify_dcc
from cplkit.io.xlsx_write import CSV_COLUMNS, csv_extract_row


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


def signed_files(version: m.CplVersion, previous: tuple[str, bytes] | None,
                 identity: SigningIdentity) -> dict[str, bytes]:
    """{file name: bytes} for the DCC file, the CSV extract and its signature, all verified."""
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
    return {dccxml.file_name(number): xml, csv_name(number): extract,
            csv_name(number) + ".p7s": signature}
