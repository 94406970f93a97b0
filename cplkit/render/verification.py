"""Renders what ``cplkit verify`` found: one line for people, a JSON summary for scripts.

It renders a verification record; it never verifies anything.
"""

from __future__ import annotations

import json
from pathlib import Path

from cplkit.core.text import plural
from cplkit.publications.verify import (
    Verified,
    VerifiedCsv,
    VerifiedDcc,
    VerifiedFir,
    VerifiedManifest,
)


def verification_summary(r: Verified, file: Path, *,
                         previous: Path | None = None) -> dict[str, object]:
    if isinstance(r, VerifiedDcc):
        content = r.content
        return {"file": str(file), "kind": "dcc-xml", "valid": True,
                "version": str(content.number), "label": content.label,
                "issue_date": content.issue_date.isoformat(), "entries": len(content.entries),
                "previous": content.previous[0] if content.previous else None,
                "chain_checked": previous is not None, "signer": r.signer_name,
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
                        signature: Path | None = None) -> str:
    if fmt == "json":
        return json.dumps(verification_summary(r, file, previous=previous), indent=1)
    if isinstance(r, VerifiedDcc):
        content = r.content
        return (f"{file}: valid, {content.label}, "
                f"{plural(len(content.entries), 'entry', 'entries')}, signed by "
                f"{r.signer_name}" + (f"; follows {previous}" if previous else ""))
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
