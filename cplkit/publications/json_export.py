"""The version for scripts: every entry keyed by canonical field name, and the whole history.

Described by schemas/cpl-export.schema.json. Written one entry per line: readable in a diff,
and the C JSON encoder stays on its fast path even for 100,000 entries.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping

from cplkit.core import model as m
from cplkit.core.text import entry_dict, history_dict


def export_json(version: m.CplVersion, companies: Mapping[str, str]) -> bytes:
    """The version as JSON, each entry with the company its manufacturer id names."""
    header = json.dumps({"format": "cplkit-cpl-export-1", "version": str(version.number),
                         "label": version.label, "issue_date": version.issue_date.isoformat()},
                        ensure_ascii=False)
    # written a line at a time: the file is the only copy of 72,900 entries held
    out = io.BytesIO()
    out.write(header[:-1].encode() + b',\n"entries": [\n')
    separator = b""
    for entry in version.entries:
        out.write(separator)
        out.write(json.dumps(entry_dict(entry, companies), ensure_ascii=False).encode())
        separator = b",\n"
    out.write(b'\n],\n"history": [\n')
    out.write(",\n".join(json.dumps(history_dict(h), ensure_ascii=False)
                         for h in version.history).encode())
    out.write(b"\n]}\n")
    return out.getvalue()
