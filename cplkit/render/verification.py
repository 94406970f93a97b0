"""Renders what ``cplkit verify`` found: one line for people, a JSON summary for scripts.

It renders a verification record; it never verifies anything.
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
    if isinstance(r, VerifiedDcc):
        content = r.content
        return (f"{file}: valid, {content.label}, "
                f"{plural(content.entry_count, 'entry', 'entries')}, signed by "
                f"{r.signer_name}" + (f"; follows {previous}" if previous else "")
                + (f"; current (latest.xml, next update by "
                   f"{statement.content.next_update:%Y-%m-%d %H:%M} UTC)" if statement else ""))
    if isinstance(r, VerifiedLatest):
        said = r.content
        return (f"{file}: valid statement that version {said.version} ({said.dcc_file}) is "
                f"current, signed {said.signed_at:%Y-%m-%d %H:%M} UTC by {r.signer_name}; "
                f"next update by {said.next_update:%Y-%m-%d %H:%M} UTC")
    if isinstance(r, VerifiedCsv):
        return (f"{file}: valid CSV extract, {r.label}, {r.rows} rows, signed by "
                f"{r.signer_name} ({signature})")
    if isinstance(r, VerifiedFir):
        return (f"{file}: valid FIR extract (restricted: not for publication), {r.label}, "
                f"FIR details of {plural(r.entries, 'entry', 'entries')}, signed by "
                f"{r.signer_name} ({signature})")
    assert isinstance(r, VerifiedManifest)
    checked = len(r.content.files) - len(r.absent)
    return (f"{file}: valid manifest of {r.content.label}: all {checked} files present match, "
            f"signed by {r.signer_name}"
            + (f"; restricted, not here (as on the public site): {', '.join(sorted(r.absent))}"
               if r.absent else ""))
