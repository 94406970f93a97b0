"""Renders what ``cplkit verify`` found: one line for people, a JSON summary for scripts; for a
whole mirror (``--site``, ``--registry``), one line per problem and one of what was checked.

It renders a verification record; it never verifies anything. The text form shows the signer's
name, labels and paths through ``escape.one_line``: a certificate's subject is its maker's text,
and an escape sequence in it must not reach the terminal.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from cplkit.core.text import plural
from cplkit.errors import VerificationError
from cplkit.publications.verify_issued import (
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


def render_mirror(kind: str, folder: Path, versions: Sequence[str], current: str | None,
                  approved: Mapping[str, Sequence[str]],
                  problems: Sequence[tuple[str, VerificationError]], fmt: str) -> str:
    """What ``verify --site`` or ``verify --registry`` found: one line per problem (where, the
    exit status its failure gives, why), then one line of what was checked."""
    if fmt == "json":
        return json.dumps({"kind": kind, "folder": str(folder), "valid": not problems,
                           "versions": list(versions), "current": current,
                           "approved": {v: list(people) for v, people in approved.items()},
                           "problems": [{"where": where, "failure": e.failure,
                                         "exit": e.exit_code, "message": e.message}
                                        for where, e in problems]}, indent=1,
                          ensure_ascii=False)
    lines = [f"{one_line(where)}: {e.failure} (exit {e.exit_code}): {one_line(e.message)}"
             for where, e in problems]
    what = (f"the {kind} {one_line(folder)}: {plural(len(versions), 'version')}"
            + (f" ({one_line(versions[0])} to {one_line(versions[-1])})" if versions else "")
            + (f", {len(approved)} with approvals" if approved else "")
            + (f"; latest.xml names {one_line(current)} as current" if current else ""))
    if problems:
        lines.append(f"{plural(len(problems), 'problem')} in {what}")
    else:
        lines.append(f"valid: {what}; every file matches its signed manifest, the DCC files "
                     "chain, and the policy chain follows from --trust")
    return "\n".join(lines)
