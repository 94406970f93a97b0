"""SECAS's workbook, as data: sheet names, header labels and fixed texts that readers look for
and writers write.

One place, so that what cplkit writes is always what it reads back. Pure constants; no I/O.
"""

from __future__ import annotations

from typing import Final

FORM_SHEET: Final = "CPL - New Entry"
LIST_SHEET: Final = "Central Products List"
CSV_SHEET: Final = "CPL - saveable in CSV"
CONTROL_SHEET: Final = "Version Control"
#: the sheet cplkit's own bulk template uses (not one of SECAS's four)
BULK_SHEET: Final = "Bulk submission"

#: what SECAS's form has in the cells SECAS fills itself
SECAS_PLACEHOLDER: Final = "This value is allocated by SECAS"

#: the New Entry form's header row, and where it and the first entry sit
FORM_HEADER: Final = ("Data Group", "Data Attribute", "Notes", "Conditionality rule", "Format",
                      "Valid values", "New Entry's Details")
FORM_HEADER_ROW: Final = 6
FORM_VALUE_COLUMN: Final = 7

#: the Central Products List's header rows, labelled in column A
LIST_HEADER_LABELS: Final = ("Data Group", "Data Attribute", "Notes", "Conditionality rule",
                             "Source of definition", "Format", "Valid values")

#: the Version Control tab's history table header
HISTORY_HEADER: Final = (
    "Version Number (each issued version will increment this number by one)",
    "Date Of Issue", "Changes incorporated")

#: the 'CPL - saveable in CSV' extract's columns, in order
CONCATENATED_MODEL: Final = "Device_Model.model_identifier_concatenated_with_hardware_version"
CSV_COLUMNS: Final = (
    "Version", "Entry.number", "Entry.status", "Device_Type.name",
    "Device_Model.manufacturer_identifier", "Device_Model.model_identifier",
    "Device_Model.hardware_version.version", "Device_Model.hardware_version.revision",
    CONCATENATED_MODEL, "Device_Model.firmware_version",
    "SMETS_CHTS Version.Version_number_and_effective_date", "GBCS Version.version_number",
    "Manufacturer_Image.hash")
