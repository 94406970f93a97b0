"""The restricted FIR extract of a version: what the Firmware Information Repository needs.

One JSON document (schemas/fir-extract.schema.json) with each entry's FIR contact and release
notes, signed with a detached CMS signature like the CSV extract, and listed as restricted in the
manifest: the registry keeps it, the public site never carries it. Built and read here; signing
is ``cplkit.signing``'s job, and which records go in is ``cplkit.core.fir``'s.
"""

from __future__ import annotations

import json
from typing import Any

from cplkit.base import resources
from cplkit.core import model as m
from cplkit.core.fir import FirRecord

FORMAT = "cplkit-fir-extract-1"
RESTRICTED = ("For the Firmware Information Repository (SEC parties, after logging in) only: not "
              "for publication.")


def build(version: m.CplVersion, records: tuple[FirRecord, ...]) -> bytes:
    head = json.dumps({"format": FORMAT, "version": str(version.number), "label": version.label,
                       "restricted": RESTRICTED}, ensure_ascii=False)
    rows = ",\n".join(json.dumps({m.ENTRY_NUMBER: r.number, m.ENTRY_STATUS: r.status,
                                  "fir": dict(r.values)}, ensure_ascii=False) for r in records)
    return (head[:-1] + ',\n"entries": [\n' + rows + "\n]}\n").encode("utf-8")


def problem(data: bytes) -> str | None:
    """Why ``data`` is not a FIR extract (None: it is one)."""
    try:
        doc: Any = json.loads(data)
    except ValueError as exc:
        return f"not JSON: {exc}"
    return resources.schema_problem("fir-extract.schema.json", doc)


def read(data: bytes) -> tuple[FirRecord, ...]:
    """The records of a FIR extract cplkit issued (checked by its schema first: ``problem``)."""
    doc = json.loads(data)
    return tuple(FirRecord(e[m.ENTRY_NUMBER], e[m.ENTRY_STATUS], e["fir"])
                 for e in doc["entries"])


def is_fir_extract(data: bytes) -> bool:
    """Whether ``data`` claims to be a FIR extract (its format marker near the start)."""
    return f'"format": "{FORMAT}"'.encode() in data[:200]
