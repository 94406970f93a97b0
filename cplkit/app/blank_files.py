"""Templates: the blank files people fill in, written where asked and never over a file.

The New Entry form, the bulk submission sheet (.xlsx or .csv), and the removals,
reinstatements, corrections and certificate updates change files for ``cplkit publish``. The
library behind ``cplkit template``.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from cplkit.base.files import replacing
from cplkit.core.changes import (
    CORRECTION_COLUMNS,
    REINSTATEMENT_COLUMNS,
    REMOVAL_COLUMNS,
    RENAME_COLUMNS,
    UPDATE_COLUMNS,
)
from cplkit.core.ruleset import Ruleset
from cplkit.core.text import safe_csv_cell
from cplkit.errors import OutputError, UsageError
from cplkit.forms.bulk import write_bulk_table
from cplkit.forms.new_entry import write_new_entry_form


class Template(StrEnum):
    FORM = "form"
    BULK = "bulk"
    REMOVALS = "removals"
    CERTIFICATE_UPDATES = "certificate-updates"
    REINSTATEMENTS = "reinstatements"
    CORRECTIONS = "corrections"
    RENAMES = "renames"


#: the header row of each change-file template
CHANGE_COLUMNS = {
    Template.REMOVALS: REMOVAL_COLUMNS,
    Template.CERTIFICATE_UPDATES: UPDATE_COLUMNS,
    Template.REINSTATEMENTS: REINSTATEMENT_COLUMNS,
    Template.CORRECTIONS: CORRECTION_COLUMNS,
    Template.RENAMES: RENAME_COLUMNS,
}


DEFAULT_NAMES = {
    Template.FORM: "cpl-new-entry.xlsx",
    Template.BULK: "cpl-bulk.xlsx",
    Template.REMOVALS: "cpl-removals.csv",
    Template.CERTIFICATE_UPDATES: "cpl-certificate-updates.csv",
    Template.REINSTATEMENTS: "cpl-reinstatements.csv",
    Template.CORRECTIONS: "cpl-corrections.csv",
    Template.RENAMES: "cpl-renames.csv",
}


def default_path(kind: Template, *, as_csv: bool = False) -> Path:
    name = DEFAULT_NAMES[kind]
    return Path(name.replace(".xlsx", ".csv") if as_csv else name)


def write_template(kind: Template, path: Path, ruleset: Ruleset) -> None:
    if path.exists():
        raise UsageError(f"{path} exists already; cplkit never overwrites it",
                         hint="name another file with --output")
    try:
        if kind is Template.BULK:
            write_bulk_table(path, ruleset, [])
        elif kind is Template.FORM:
            write_new_entry_form(path, ruleset)
        else:
            columns = CHANGE_COLUMNS[kind]
            with replacing(path) as temporary:
                temporary.write_text(",".join(safe_csv_cell(c) for c in columns) + "\n",
                                     encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}",
                          hint="check that the folder exists, is writable and has space") \
            from None
