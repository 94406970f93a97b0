"""What whoever signs a staged version is shown: its findings, its diff, its history line and
any change of rules, rendered from the summary ``publish --prepare`` staged with it.

``render_summary`` shows the summary document (``cplkit.app.four_eyes.summary_document`` builds
it; it is one of the staged files, so the digest approvers sign covers it and it cannot be
swapped) the same way to the preparer, to each approver before they sign (``approve``) and to
anyone who asks (``staged show``). It reads and decides nothing. Every text a submission put in
it is shown through ``escape.one_line``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cplkit.core.text import plural
from cplkit.render.escape import block, one_line


def render_summary(doc: Mapping[str, Any], fmt: str = "text") -> str:
    """A staged version's summary for people (``text``) or scripts (``json``)."""
    if fmt == "json":
        return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    findings, diff, rules = doc["findings"], doc["diff"], doc["rules"]
    out = [f"Staged: {one_line(doc['label'])} (after {one_line(doc['base'] or 'nothing')}), "
           f"{plural(int(doc['entries']), 'entry', 'entries')} ({doc['current']} Current)"]
    by_code = ", ".join(f"{n} {one_line(code)}" for code, n in findings["by_code"].items())
    out.append(f"Findings: {plural(int(findings['errors']), 'error')}, "
               f"{plural(int(findings['warnings']), 'warning')}"
               + (f" ({by_code})" if by_code else ""))
    if diff is None:
        out.append("Changes: the first version (every entry is new)")
    else:
        out.append(f"Changes: {diff['added']} added, {diff['removed']} removed, "
                   f"{diff['amended']} amended"
                   + (f", {diff['missing']} MISSING" if diff["missing"] else ""))
        out.extend(f"  {line}" for line in _diff_lines(diff))
    if rules.get("changed"):
        out.append(f"Rules: CHANGED from {_rules(rules, 'previous_')} to {_rules(rules)}")
        out.extend(f"  {line}" for line in block(str(rules.get("change") or "")))
    else:
        out.append(f"Rules: unchanged, {_rules(rules)}")
    out.append("History line:")
    out.extend(f"  {line}" for line in block(str(doc["changes"])))
    return "\n".join(out) + "\n"


def _rules(rules: Mapping[str, Any], which: str = "") -> str:
    """A ruleset as the summary names it: its id and the start of its SHA-256."""
    digest = str(rules.get(f"{which}sha256") or "-")
    return f"{one_line(rules.get(f'{which}id') or 'unknown')} (SHA-256 {one_line(digest[:12])})"


def _diff_lines(diff: Mapping[str, Any]) -> list[str]:
    """The diff entry by entry, as ``cplkit diff`` writes it."""
    out = [one_line(" ".join(["+", *(str(v) for v in e)])) for e in diff["added_entries"]]
    out += [one_line(" ".join(["-", *(str(v) for v in e), "(now Removed)"]))
            for e in diff["removed_entries"]]
    out += [one_line(f"~ {a['entry']} {a['field']}: {a['from'] or ''!r} -> {a['to'] or ''!r}")
            for a in diff["amended_fields"]]
    out += [one_line(f"! {number} is missing from the staged version")
            for number in diff["missing_entries"]]
    return out
