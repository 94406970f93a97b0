"""Renders what ``cplkit verify`` found: one line for people, a JSON summary for scripts.

It renders a verification record; it never verifies anything. The text form shows the signer's
name, labels and paths through ``escape.one_line``: a certificate's subject is its maker's text,
and an escape sequence in it must not reach the terminal.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from cplkit.core.text import plural
from cplkit.publications.verify import (
    Verified,
    VerifiedCsv,
    VerifiedDcc,
    VerifiedFir,
    VerifiedLatest,
    VerifiedManifest,
)
from cplkit.render.escape import one_line


def _utc(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def verification_summary(r: Verified, file: Path, *, previous: Path | None = None,
                         statement: VerifiedLatest | None = None) -> dict[str, object]:
    if isinstance(r, VerifiedDcc):
        content = r.content
        return {"file": str(file), "kind": "dcc-xml", "valid": True,
                "version": str(content.number), "label": content.label,
                "issue_date": content.issue_date.isoformat(), "entries": content.entry_count,
                "previous": content.previous[0] if content.previous else None,
                "chain_checked": previous is not None,
                "current_until": _utc(statement.content.next_update) if statement else None,
                "signer": r.signer_name, "sha256": r.sha256}
    if isinstance(r, VerifiedLatest):
        said = r.content
        return {"file": str(file), "kind": "latest", "valid": True,
                "version": str(said.version), "dcc_file": said.dcc_file,
                "dcc_sha256": said.dcc_sha256, "signed_at": _utc(said.signed_at),
                "next_update": _utc(said.next_update), "signer": r.signer_name,
                "sha256": r.sha256}
    if isinstance(r, VerifiedCsv):
        return {"file": str(file), "kind": "csv-extract", "valid": True, "label": r.label,
                "rows": r.rows, "signer": r.signer_name, "sha256": r.sha256}
    if isinstance(r, VerifiedFir):
        return {"file": str(file), "kind": "fir-extract", "valid": True, "version": r.version,
                "label": r.label, "entries": r.entries, "restricted": True,
                "signer": r.signer_name, "sha256": r.sha256}
    assert isinstance(r, VerifiedManifest)
    return {"file": str(file), "kind": "manifest", "valid": True, "label": r.content.label,
            "files": len(r.content.files), "restricted": sorted(r.content.restricted),
            "restricted_absent": sorted(r.absent),
            "signer": r.signer_name, "sha256": r.sha256}


def render_verification(r: Verified, fmt: str, file: Path, *, previous: Path | None = None,
                        signature: Path | None = None,
                        statement: VerifiedLatest | None = None) -> str:
    if fmt == "json":
        return json.dumps(verification_summary(r, file, previous=previous,
                                               statement=statement), indent=1)
    name, signer = one_line(file), one_line(r.signer_name)
    if isinstance(r, VerifiedDcc):
        content = r.content
        return (f"{name}: valid, {one_line(content.label)}, "
                f"{plural(content.entry_count, 'entry', 'entries')}, signed by {signer}"
                + (f"; follows {one_line(previous)}" if previous else "")
                + (f"; current (latest.xml, next update by "
                   f"{statement.content.next_update:%Y-%m-%d %H:%M} UTC)" if statement else ""))
    if isinstance(r, VerifiedLatest):
        said = r.content
        return (f"{name}: valid statement that version {said.version} "
                f"({one_line(said.dcc_file)}) is current, signed "
                f"{said.signed_at:%Y-%m-%d %H:%M} UTC by {signer}; next update by "
                f"{said.next_update:%Y-%m-%d %H:%M} UTC")
    if isinstance(r, VerifiedCsv):
        return (f"{name}: valid CSV extract, {one_line(r.label)}, {r.rows} rows, signed by "
                f"{signer} ({one_line(signature)})")
    if isinstance(r, VerifiedFir):
        return (f"{name}: valid FIR extract (restricted: not for publication), "
                f"{one_line(r.label)}, FIR details of "
                f"{plural(r.entries, 'entry', 'entries')}, signed by {signer} "
                f"({one_line(signature)})")
    assert isinstance(r, VerifiedManifest)
    checked = len(r.content.files) - len(r.absent)
    return (f"{name}: valid manifest of {one_line(r.content.label)}: all {checked} files "
            f"present match, signed by {signer}"
            + (f"; restricted, not here (as on the public site): "
               f"{one_line(', '.join(sorted(r.absent)))}" if r.absent else ""))
