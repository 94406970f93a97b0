"""Writes workbooks with openpyxl: the New Entry form and one-entry-per-row bulk tables.

The form follows SECAS's layout (header row "Data Group | Data Attribute | ... | New Entry's
Details", one field per row, entries from column G), with the format, allowed values and the
conditional rules written out from the ruleset, dropdowns on enumerated fields and value cells
formatted as Text so Excel keeps leading zeros. Every value is written as a string cell, so no
text is ever evaluated as a formula. Reading is elsewhere (``cplkit.io.xlsx``).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cplkit.core.model import Value
from cplkit.core.ruleset import FieldSpec, Ruleset

FORM_SHEET = "CPL - New Entry"
BULK_SHEET = "Bulk submission"
SECAS_PLACEHOLDER = "This value is allocated by SECAS"
FORM_HEADER = ("Data Group", "Data Attribute", "Notes", "Conditionality rule", "Format",
               "Valid values", "New Entry's Details")
FORM_HEADER_ROW = 6
FORM_VALUE_COLUMN = 7
TEXT_FORMAT = "@"

EntryValues = Mapping[str, Value | None]


def cell_text(value: Value | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return value


def form_label(spec: FieldSpec) -> tuple[str, str]:
    """The (Data Group, Data Attribute) pair the New Entry form uses: its own label if any."""
    return spec.labels[-1] if len(spec.labels) > 1 else (spec.group, spec.attribute)


def _format_text(spec: FieldSpec) -> str:
    if spec.kind == "hex":
        octets = spec.octets or 1
        shape = ":".join(["XX"] * octets) if octets <= 4 else "XX:XX:...:XX (32 bytes)"
        upto = f"; at most {spec.max_value}" if spec.max_value else ""
        return f"hex, {shape}, digits 0-9 and A-F{upto}"
    if spec.kind == "date":
        return "date, dd/mm/yyyy"
    if spec.kind == "entry_number":
        return "6 digits, 000001 to 999999"
    if spec.kind == "cpa_certificate":
        return (f"up to {spec.max_octets} printable ASCII characters, starting '[E] ' (expiring "
                "certificate) or '[R] ' (lifetime certificate)")
    size = f"up to {spec.max_octets} octets" if spec.max_octets else "text"
    extra = {"email_list": "; e-mail addresses separated by ';'",
             "telephone_list": "; telephone numbers separated by ';'",
             "url": "; a public web address",
             "release_notes": "; links must be public http(s) pages"}.get(spec.kind, "")
    printable = ", printable ASCII only" if spec.printable_ascii else ""
    return f"{size}{printable}{extra}"


def allowed_values(ruleset: Ruleset, spec: FieldSpec) -> list[str]:
    if spec.enumeration is None:
        return []
    return [m.value for m in ruleset.members(spec.enumeration).values() if m.accepted]


def conditionality(ruleset: Ruleset, spec: FieldSpec) -> str:
    """The conditional rules that apply to a field, written out from the ruleset."""
    if spec.allocated_by_secas:
        return "Allocated by SECAS; leave as it is."
    if spec.required:
        return "Must be given for every entry."
    for group_name, group in ruleset.groups.items():
        if spec.name not in group.all_fields:
            continue
        by_requirement: dict[str, list[str]] = {}
        for device_type in ruleset.device_types.values():
            if spec.name in device_type.fixed_values:
                by_requirement.setdefault(
                    f"must be '{device_type.fixed_values[spec.name]}'", []).append(device_type.name)
                continue
            requirement = device_type.requirements.get(group_name)
            if requirement == "required" and spec.name in group.optional_fields:
                requirement = "optional"
            if requirement:
                by_requirement.setdefault(requirement, []).append(device_type.name)
        parts = [f"{req.capitalize() if req[0].islower() else req} for: {', '.join(types)}."
                 for req, types in by_requirement.items()]
        if group_name in ruleset.smets1_empty_groups:
            parts.append("Must be empty for SMETS1 device models.")
        if "optional" in by_requirement:
            parts.append(f"Where optional, give all of the {group_name} or none of it.")
        return " ".join(parts)
    if spec.name.startswith("Manufacturer_Image."):
        return ("Creator and hash are given together or not at all; the descriptor should be "
                "given with them.")
    return "Optional."


def write_new_entry_form(path: Path, ruleset: Ruleset,
                         entries: Sequence[EntryValues] = ()) -> None:
    """Write the New Entry form with ``entries`` filled in from column G (blank if none)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = FORM_SHEET
    ws["A1"] = "Central Products List - New Entry Form"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A3"] = ("One Device Model and firmware version per column, from column G. Fill in the "
                "green cells; grey cells are allocated by SECAS.")
    ws["A4"] = f"Made by cplkit from ruleset '{ruleset.id}'. Check it with: cplkit check FILE"
    bold = Font(bold=True)
    for col, text in enumerate(FORM_HEADER, start=1):
        cell = ws.cell(FORM_HEADER_ROW, col, text)
        cell.font = bold
    fill = PatternFill("solid", fgColor="E2F0D9")
    grey = PatternFill("solid", fgColor="D9D9D9")
    wrap = Alignment(wrap_text=True, vertical="top")
    columns = max(1, len(entries))
    row = FORM_HEADER_ROW
    for spec in ruleset.fields.values():
        row += 1
        group, attribute = form_label(spec)
        values = allowed_values(ruleset, spec)
        ws.cell(row, 1, group)
        ws.cell(row, 2, attribute)
        ws.cell(row, 4, conditionality(ruleset, spec)).alignment = wrap
        ws.cell(row, 5, _format_text(spec)).alignment = wrap
        ws.cell(row, 6, "\n".join(values) if values else "").alignment = wrap
        for index in range(columns):
            cell = ws.cell(row, FORM_VALUE_COLUMN + index)
            cell.number_format = TEXT_FORMAT
            if spec.allocated_by_secas:
                cell.value = SECAS_PLACEHOLDER
                cell.fill = grey
                continue
            cell.fill = fill
            if index < len(entries):
                text = cell_text(entries[index].get(spec.name))
                if text:
                    cell.value = text
                    cell.data_type = "s"  # never a formula, whatever the text starts with
        letters = [get_column_letter(FORM_VALUE_COLUMN + i) for i in range(columns)]
        sqref = f"{letters[0]}{row}:{letters[-1]}{row}"
        if values and len(",".join(values)) <= 255:
            dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"',
                                allow_blank=True, showDropDown=False)
            dv.promptTitle = attribute[:32]
            dv.prompt = _format_text(spec)[:255]
            dv.error = "Pick one of the listed values"
            dv.add(sqref)
            ws.add_data_validation(dv)
        elif not spec.allocated_by_secas:
            dv = DataValidation(type="custom", formula1="TRUE", allow_blank=True)
            dv.showErrorMessage = False
            dv.promptTitle = attribute[:32]
            dv.prompt = _format_text(spec)[:255]
            dv.add(sqref)
            ws.add_data_validation(dv)
    for letter, width in zip("ABCDEFG", (22, 30, 4, 50, 40, 40, 44), strict=True):
        ws.column_dimensions[letter].width = width
    for index in range(1, columns):
        ws.column_dimensions[get_column_letter(FORM_VALUE_COLUMN + index)].width = 44
    ws.freeze_panes = ws.cell(FORM_HEADER_ROW + 1, FORM_VALUE_COLUMN)
    _save(wb, path)


def bulk_fields(ruleset: Ruleset, *, include_contacts: bool = False) -> list[str]:
    """The columns of a bulk submission: the published fields a submitter fills, in ruleset
    order. Contact columns are recognised too, but repeating one manufacturer's contacts on
    every row of a bulk load helps nobody, so they are left out unless asked for."""
    return [s.name for s in ruleset.fields.values()
            if not s.allocated_by_secas and (include_contacts or s.published)]


def write_bulk_table(path: Path, ruleset: Ruleset, entries: Sequence[EntryValues],
                     fields: Sequence[str] | None = None) -> None:
    """Write a one-entry-per-row table with canonical headers, as .xlsx or (by suffix) .csv."""
    columns = list(fields) if fields is not None else bulk_fields(ruleset)
    rows = [[cell_text(e.get(f)) for f in columns] for e in entries]
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(columns)
            writer.writerows(rows)
        return
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws: Any = wb.create_sheet(BULK_SHEET)

    def text_cells(values: Sequence[str]) -> list[Any]:
        cells = []
        for value in values:
            cell = WriteOnlyCell(ws, value=value or None)
            cell.data_type = "s"  # never a formula, whatever the text starts with
            cell.number_format = TEXT_FORMAT
            cells.append(cell)
        return cells

    ws.append(text_cells(columns))
    for values in rows:
        ws.append(text_cells(values))
    if not rows:
        _bulk_dropdowns(ws, ruleset, columns)
    _save(wb, path)


def _bulk_dropdowns(ws: Any, ruleset: Ruleset, columns: Sequence[str]) -> None:
    """A blank bulk template: a dropdown on every enumerated column, rows 2 to 1,000."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    for index, name in enumerate(columns, start=1):
        spec = ruleset.fields.get(name)
        if spec is None:
            continue
        values = allowed_values(ruleset, spec)
        letter = get_column_letter(index)
        if values and len(",".join(values)) <= 255:
            dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"',
                                allow_blank=True)
        else:
            dv = DataValidation(type="custom", formula1="TRUE", allow_blank=True)
            dv.showErrorMessage = False
        dv.promptTitle = spec.attribute[:32]
        dv.prompt = _format_text(spec)[:255]
        dv.add(f"{letter}2:{letter}1000")
        ws.data_validations.append(dv)  # a write-only sheet takes them through this list


def _save(wb: Any, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    wb.save(tmp)
    tmp.replace(path)


LIST_SHEET = "Central Products List"
CSV_SHEET = "CPL - saveable in CSV"
CONTROL_SHEET = "Version Control"
LIST_HEADER_LABELS = ("Data Group", "Data Attribute", "Notes", "Conditionality rule",
                      "Source of definition", "Format", "Valid values")
CSV_COLUMNS = ("Version", "Entry.number", "Entry.status", "Device_Type.name",
               "Device_Model.manufacturer_identifier", "Device_Model.model_identifier",
               "Device_Model.hardware_version.version", "Device_Model.hardware_version.revision",
               "Device_Model.model_identifier_concatenated_with_hardware_version",
               "Device_Model.firmware_version",
               "SMETS_CHTS Version.Version_number_and_effective_date",
               "GBCS Version.version_number", "Manufacturer_Image.hash")


def csv_extract_row(label: str, values: EntryValues) -> list[str]:
    """One row of SECAS's 'saveable in CSV' extract: hex without colons, the label repeated."""
    def plain(name: str) -> str:
        return cell_text(values.get(name)).replace(":", "")

    concatenated = plain("Device_Model.model_identifier") + plain(
        "Device_Model.hardware_version.version") + plain("Device_Model.hardware_version.revision")
    out = [label]
    for column in CSV_COLUMNS[1:]:
        if column == "Device_Model.model_identifier_concatenated_with_hardware_version":
            out.append(concatenated)
        elif column.startswith(("Device_Model.", "Manufacturer_Image.")):
            out.append(plain(column))
        else:
            out.append(cell_text(values.get(column)))
    return out


def write_cpl_workbook(path: Path, ruleset: Ruleset, label: str,
                       history: Sequence[tuple[str, str, str]],
                       entries: Sequence[EntryValues]) -> None:
    """SECAS's four-tab CPL workbook, without macros: Version Control with the full history,
    a blank CPL - New Entry form, the Central Products List and CPL - saveable in CSV.
    ``history`` rows are (version, dd/mm/yyyy, changes), oldest first."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from cplkit.core.model import PUBLISHED_FIELDS

    wb = Workbook(write_only=True)

    def text(ws: Any, value: str, bold: bool = False) -> Any:
        # openpyxl takes a plain string as a formula only when it starts with '='; those (and
        # bold headers) get a cell object forced to text, the rest stay plain: 2.5 million
        # cells of a large list write ten times faster that way
        if not bold and not value.startswith("="):
            return value or None
        cell = WriteOnlyCell(ws, value=value or None)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        if bold:
            cell.font = Font(bold=True)
        return cell

    control: Any = wb.create_sheet(CONTROL_SHEET)
    control.append([text(control, "Central Products List (CPL)", bold=True)])
    control.append([])
    control.append([text(control, label, bold=True)])
    for _ in range(4):
        control.append([])
    control.append([text(control, "Version History", bold=True)])
    control.append([])
    control.append([text(control, h, bold=True) for h in (
        "Version Number (each issued version will increment this number by one)",
        "Date Of Issue", "Changes incorporated")])
    for version, date, changes in history:
        control.append([text(control, version), text(control, date), text(control, changes)])

    form: Any = wb.create_sheet(FORM_SHEET)
    form.append([text(form, "Central Products List - New Entry Form", bold=True)])
    for _ in range(4):
        form.append([])
    form.append([text(form, h, bold=True) for h in FORM_HEADER])
    for spec in ruleset.fields.values():
        group, attribute = form_label(spec)
        placeholder = SECAS_PLACEHOLDER if spec.allocated_by_secas else ""
        form.append([text(form, group), text(form, attribute), None,
                     text(form, conditionality(ruleset, spec)), text(form, _format_text(spec)),
                     text(form, "\n".join(allowed_values(ruleset, spec))),
                     text(form, placeholder)])

    listing: Any = wb.create_sheet(LIST_SHEET)
    specs = [ruleset.fields[name] for name in PUBLISHED_FIELDS]
    rows: dict[str, list[str]] = {
        "Data Group": [s.group for s in specs],
        "Data Attribute": [s.attribute for s in specs],
        "Conditionality rule": [conditionality(ruleset, s) for s in specs],
        "Format": [_format_text(s) for s in specs],
        "Valid values": ["\n".join(allowed_values(ruleset, s)) for s in specs],
    }
    for header in LIST_HEADER_LABELS:
        values = rows.get(header, [""] * len(specs))
        listing.append([text(listing, header, bold=True), *(text(listing, v) for v in values)])
    for entry in entries:
        listing.append([None, *(text(listing, cell_text(entry.get(n))) for n in PUBLISHED_FIELDS)])

    extract: Any = wb.create_sheet(CSV_SHEET)
    extract.append([text(extract, c) for c in CSV_COLUMNS])
    for entry in entries:
        extract.append([text(extract, v) for v in csv_extract_row(label, entry)])
    _save(wb, path)
