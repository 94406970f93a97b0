"""SECAS's own texts of an imported CPL workbook: what a re-issued workbook writes instead of
cplkit's generated texts, so it reads as SECAS issued it.

An import reads them (``cplkit.intake.secas_workbook``), the registry keeps them in a file
beside the imported version (``IssuedFiles.secas_texts``, recorded by digest like every file of
a version), and the workbook of that version and of every later one writes them
(``cplkit.publications.workbook``). A registry that did not start from an import has none, and
its workbooks carry cplkit's own texts. This module is the record and its plain-data form only;
reading, storing and writing are elsewhere. Pure; no I/O.

The field rows of the New Entry tab and the columns of the list are keyed by their (Data Group,
Data Attribute) labels, not by position, so a ruleset that later adds or moves a field still
gets SECAS's text for every field SECAS described, and cplkit's for a field SECAS never had.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Label = tuple[str, str]  # (Data Group, Data Attribute) as the tab writes them


@dataclass(frozen=True, slots=True)
class FieldTexts:
    """SECAS's texts for one field: the New Entry tab's columns C-F, or the list's rows 3-7
    (where ``source`` is row 5, Source of definition; the form has no such column)."""

    notes: str = ""
    conditionality: str = ""
    format: str = ""
    valid_values: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class SecasTexts:
    """Every text of SECAS's workbook that is not an entry, a history line or the label."""

    #: the Version Control tab above the history table (title, usage notes, the table's
    #: header), by cell ('A5'); the label's cell is left out: every version writes its own
    control: Mapping[str, str] = field(default_factory=dict)
    #: the New Entry tab above its field rows (title, instructions, header row), by cell
    form_top: Mapping[str, str] = field(default_factory=dict)
    #: each field row of the New Entry tab, by its labels
    form_fields: Mapping[Label, FieldTexts] = field(default_factory=dict)
    #: each column of the list's header rows 3-7, by its labels (rows 1-2)
    list_columns: Mapping[Label, FieldTexts] = field(default_factory=dict)
    #: each history line's date of issue as SECAS wrote it where the cell held text
    #: ('27/10/2016'), by version number: a re-issue writes text there too
    history_dates: Mapping[str, str] = field(default_factory=dict)

    def as_data(self) -> dict[str, Any]:
        """The texts as plain JSON data (schemas/secas-texts.schema.json)."""
        def fields(texts: Mapping[Label, FieldTexts]) -> list[dict[str, str]]:
            return [{"group": group, "attribute": attribute, "notes": t.notes,
                     "conditionality": t.conditionality, "format": t.format,
                     "valid_values": t.valid_values, "source": t.source}
                    for (group, attribute), t in texts.items()]

        return {"format": "cplkit-secas-texts", "format_version": 1,
                "control": dict(self.control), "form_top": dict(self.form_top),
                "form_fields": fields(self.form_fields),
                "list_columns": fields(self.list_columns),
                "history_dates": dict(self.history_dates)}

    @staticmethod
    def from_data(data: Mapping[str, Any]) -> SecasTexts:
        """The texts from ``as_data``'s form, already checked against its schema."""
        def fields(rows: list[dict[str, str]]) -> dict[Label, FieldTexts]:
            return {(r["group"], r["attribute"]): FieldTexts(
                r["notes"], r["conditionality"], r["format"], r["valid_values"], r["source"])
                for r in rows}

        return SecasTexts(dict(data["control"]), dict(data["form_top"]),
                          fields(data["form_fields"]), fields(data["list_columns"]),
                          dict(data["history_dates"]))
