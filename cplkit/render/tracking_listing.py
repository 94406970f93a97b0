"""Renders the submissions register and the deliveries to the DCC: a listing as text (for
people), JSON or CSV (for scripts), and one submission in full with its check report.

It renders records as they are given and never reads the registry.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from cplkit.core import tracking as t
from cplkit.core.findings import Report
from cplkit.core.text import plural, visible
from cplkit.render.reports import render_text


def submission_json(s: t.Submission) -> dict[str, Any]:
    """A submission as scripts read it (``list --format json``, ``show --format json``)."""
    outcome = s.outcome
    return {
        "id": s.id, "status": s.status.value, "received": s.received,
        "from": {"name": s.sender_name, "address": s.sender_address}, "note": s.note,
        "files": [{"name": f.name, "sha256": f.sha256, "size": f.size, "kind": f.kind.value}
                  for f in s.files],
        "check": {"rules_of": s.check.rules_of, "ruleset": s.check.ruleset,
                  "ruleset_sha256": s.check.ruleset_sha256, "as_of": s.check.as_of,
                  "entries": s.check.entries, "errors": s.check.errors,
                  "warnings": s.check.warnings, "unreadable": s.check.unreadable},
        "answered": None if s.status is t.SubmissionStatus.RECEIVED else outcome.at,
        "reason": outcome.reason,
        "version": outcome.version, "issue_date": outcome.issue_date,
        "entries": list(s.accepted_entries()),
        "accepted": [{"sha256": a.sha256, "entries": list(a.entries)}
                     for a in outcome.accepted]}


def _outcome(s: t.Submission) -> str:
    if s.status is t.SubmissionStatus.ACCEPTED:
        entries = ", ".join(s.accepted_entries()) or "no entry"
        return f"accepted in {s.outcome.version}: {entries}"
    if s.status is t.SubmissionStatus.RECEIVED:
        return f"received: {plural(s.check.errors, 'error')}, " \
               f"{plural(s.check.warnings, 'warning')}"
    return f"{s.status.value} {s.outcome.at[:10]}"


def render_submissions(submissions: Sequence[t.Submission], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([submission_json(s) for s in submissions], indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "status", "received", "from", "files", "errors", "warnings",
                         "version", "entries"])
        for s in submissions:
            writer.writerow([s.id, s.status.value, s.received, s.sender,
                             ";".join(f.name for f in s.submitted()), s.check.errors,
                             s.check.warnings, s.outcome.version or "",
                             ";".join(s.accepted_entries())])
        return out.getvalue()
    if not submissions:
        return "no submissions\n"
    lines = [f"{s.id}  {s.received[:10]}  {visible(s.sender)}  {_outcome(s)}"
             for s in submissions]
    return "\n".join(lines) + "\n"


def render_submission(s: t.Submission, report: Report, fmt: str) -> str:
    """One submission in full: who, when, the files, what became of it, and the report."""
    if fmt == "json":
        return json.dumps({**submission_json(s), "report": [
            {"file": f.path, "entries": f.entries, "errors": f.errors, "warnings": f.warnings,
             "findings": [x.as_dict() for x in f.findings]} for f in report.files]},
            indent=2) + "\n"
    lines = [f"{s.id}: {s.status.value}",
             f"  received  {s.received}",
             f"  from      {visible(s.sender)}"]
    if s.note:
        lines.append(f"  note      {visible(s.note)}")
    for f in s.files:
        lines.append(f"  {f.kind.value:<11}{visible(f.name)}  SHA-256 {f.sha256}")
    rules = f"the rules of version {s.check.rules_of}" if s.check.rules_of \
        else "the bundled rules"
    lines.append(f"  checked   as of {s.check.as_of} with {rules} ({s.check.ruleset})")
    outcome = s.outcome
    if s.status is t.SubmissionStatus.ACCEPTED:
        lines.append(f"  accepted  {outcome.at} in version {outcome.version}, issued "
                     f"{outcome.issue_date}")
        names = {f.sha256: f.name for f in s.files}
        for accepted in outcome.accepted:
            numbers = ", ".join(accepted.entries) or "no entry (not in this version)"
            lines.append(f"  entries   {numbers}  from {visible(names.get(accepted.sha256, ''))}")
    elif s.status is not t.SubmissionStatus.RECEIVED:
        lines.append(f"  {s.status.value:<10}{outcome.at}")
        if outcome.reason:
            lines.append(f"  reason    {visible(outcome.reason)}")
    lines += ["", "Check report on receipt:", render_text(report)]
    return "\n".join(lines)


def delivery_json(v: t.VersionDelivery) -> dict[str, Any]:
    d = v.delivery
    ack = d.acknowledgement if d else None
    return {"version": v.version, "issue_date": v.issue_date.isoformat(),
            "state": v.state.value, "file": v.file, "sha256": v.sha256,
            "delivered": None if d is None else {
                "file": d.file, "sha256": d.sha256, "to": d.to, "reference": d.reference,
                "sent": d.sent, "via": d.via},
            "acknowledged": None if ack is None else {
                "reference": ack.reference, "at": ack.at, "loaded_on": ack.loaded_on}}


def render_deliveries(versions: Sequence[t.VersionDelivery], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([delivery_json(v) for v in versions], indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["version", "issue_date", "state", "file", "sha256", "to",
                         "reference", "sent", "acknowledgement", "loaded_on"])
        for v in versions:
            d = v.delivery
            ack = d.acknowledgement if d else None
            writer.writerow([v.version, v.issue_date.isoformat(), v.state.value, v.file or "",
                             v.sha256 or "", d.to if d else "", d.reference if d else "",
                             d.sent if d else "", ack.reference if ack else "",
                             (ack.loaded_on or "") if ack else ""])
        return out.getvalue()
    if not versions:
        return "no versions\n"
    lines = []
    for v in versions:
        d = v.delivery
        if v.file is None:
            what = "no DCC file"
        elif d is None:
            what = "not delivered"
        else:
            what = f"delivered {d.sent[:10]} to {visible(d.to)} ({visible(d.reference)})"
            if d.acknowledgement:
                loaded = d.acknowledgement.loaded_on
                what += (f", acknowledged ({visible(d.acknowledgement.reference)})"
                         + (f", loaded {loaded}" if loaded else ""))
        lines.append(f"{v.version:<10}issued {v.issue_date}  {what}")
    return "\n".join(lines) + "\n"
