"""Import: a CPL workbook as SECAS published it becomes the first version of a new registry.

The policy lives here, above the reader: every entry is normalised and checked with the ruleset
as of the issue date, and nothing SECAS issued is refused. A value no rule accepts is kept as
SECAS wrote it and reported (CPL-I01), beside what ``cplkit check`` would say of it; numbers
never used are reported too (CPL-I02). The new registry is built beside the target and renamed
into place, so a failed import leaves nothing behind and an existing registry is never touched.

The entries keep the product names SECAS's history item lines give them, where the entry
number, the company (as the names register has it) and the firmware pin the text down
(``cplkit.core.products``): registry notes in the version record, never an issued value, so
the signed files are what they would be without them.

SECAS's own texts (usage notes, the New Entry tab's instructions and field texts, the list's
header rows, history dates written as text) are kept in a file beside the imported version
(``IssuedFiles.secas_texts``), recorded by digest in its version.json like every file of a
version. That is the least invasive place: the version record, its schema and the core's
``CplVersion`` stay as they are, and the file is read back (``kept_secas_texts``) for the
workbook of every later version of the registry. A registry that did not start from an import
has no such file, and its workbooks carry cplkit's texts.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from cplkit.app import policy
from cplkit.app.trust import signer_record
from cplkit.app.untrusted import ChildFailed, read_under_limits
from cplkit.base.digest import file_sha256, sha256_hex
from cplkit.core import model as m
from cplkit.core.companies import CompaniesFound, companies_in_history
from cplkit.core.findings import NOWHERE, Code, Finding, Location, make_finding, sort_key
from cplkit.core.model import as_text
from cplkit.core.normalise import invisible_character
from cplkit.core.products import ProductsFound, products_in_history
from cplkit.core.ruleset import FieldKind, Ruleset
from cplkit.core.secas_texts import SecasTexts
from cplkit.core.text import plural
from cplkit.core.validate import Validator
from cplkit.errors import InputFileError, RegistryBusy, RegistryError, UsageError
from cplkit.intake.limits import DEFAULT_LIMITS, Limits
from cplkit.intake.secas_workbook import SecasWorkbook, read_secas_workbook
from cplkit.publications.bundle import signed_files, signed_statement
from cplkit.publications.filenames import IssuedFiles
from cplkit.registry import Registry, StoredVersion
from cplkit.registry.codec import NameRecord, document, validate
from cplkit.signing.signers import Signer


@dataclass(frozen=True, slots=True)
class Imported:
    """The version a SECAS workbook issued, and everything the import noticed."""

    version: m.CplVersion
    findings: tuple[Finding, ...]
    #: the company names SECAS's history lines give the list's manufacturer ids
    companies: CompaniesFound
    #: the product names SECAS's history lines give entries, which the entries now carry
    products: ProductsFound
    #: SECAS's own texts, which the workbooks of the new registry write (None: none that
    #: could be kept)
    texts: SecasTexts | None = None


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    version: StoredVersion
    findings: tuple[Finding, ...]
    companies: CompaniesFound
    #: the product names the history gave entries (kept with them in the registry)
    products: ProductsFound


def read_issued_version(path: Path, ruleset: Ruleset, limits: Limits = DEFAULT_LIMITS, *,
                        file: str) -> Imported:
    """The version a SECAS workbook issued, read and checked; nothing is written. The workbook
    is read in a child process under the limits, as every untrusted file is."""
    def work() -> SecasWorkbook:
        return read_secas_workbook(path, ruleset, limits, file=file)

    try:
        workbook = read_under_limits(limits, work)
    except ChildFailed as failed:
        raise InputFileError(f"{file}: reading it was stopped: {failed.reason}",
                             hint="import a CPL workbook as SECAS publishes it") from None
    return imported_version(workbook, ruleset, file)


def imported_version(workbook: SecasWorkbook, ruleset: Ruleset, file: str) -> Imported:
    """The import policy over what the reader found: entries normalised where a rule accepts
    them and kept as issued where none does, every anomaly a finding."""
    findings = list(workbook.findings)

    def note(message: str, at: Location = NOWHERE, code: Code = Code.I01) -> None:
        findings.append(make_finding(code, message, at))

    number, issued = workbook.number, workbook.issue_date
    validator = Validator(ruleset, issued, file)
    entries: list[m.Entry] = []
    rows: dict[m.EntryNumber, int] = {}
    for raw, checked in zip(workbook.entries, validator.check_all(workbook.entries), strict=True):
        findings.extend(checked.findings)
        values = dict(checked.entry.values)
        for name in m.PUBLISHED_FIELDS:
            raw_value = raw.values.get(name)
            if name in values or raw_value is None or raw_value == "":
                continue
            kept = _kept(ruleset, name, raw_value)
            if kept:
                values[name] = kept
                note(f"{name}: kept as '{kept}'", Location.of(file, raw, name))
        as_issued = _as_issued(raw, values)
        for name, value in {**values, **as_issued}.items():
            problem = invisible_character(value) if isinstance(value, str) else None
            if problem is not None:
                # a signed DCC file cannot carry it, and an import changes no value: refused
                raise _unusable(file, f"{name} on row {raw.at} {problem.message}, which no "
                                      "published file can carry")
        written = values.get(m.ENTRY_NUMBER)
        try:
            entry_number = m.EntryNumber.parse(written if isinstance(written, str) else "")
        except ValueError:
            raise _unusable(file, f"the entry on row {raw.at} has no usable entry number (6 "
                                  "digits, 000001 to 999999)") from None
        if entry_number in rows:
            raise _unusable(file, f"entry number {entry_number} is on rows "
                                  f"{rows[entry_number]} and {raw.at}")
        rows[entry_number] = raw.at
        entries.append(m.Entry.of(values, as_issued))
    gaps = _gaps(sorted(n.value for n in rows))
    if gaps:
        shown = ", ".join(str(m.EntryNumber(g)) for g in gaps[:_GAPS_SHOWN])
        more = f" and {len(gaps) - _GAPS_SHOWN} more" if len(gaps) > _GAPS_SHOWN else ""
        note(f"{plural(len(gaps), 'entry number')} {'is' if len(gaps) == 1 else 'are'} not on "
             f"the list: {shown}{more}", code=Code.I02)
    changes = ""
    prior = []
    for line in workbook.history:
        if line.version == str(number):
            changes = line.changes
            if line.date != issued.isoformat():
                note(f"the history dates version {number} {line.date}, the label "
                     f"{issued.isoformat()}; the label's date is used")
        else:
            prior.append(line)
    _out_of_order(workbook.history, lambda message: note(message, code=Code.I03))
    if workbook.history and workbook.history[-1].version != str(number):
        note(f"the label names version {number} but the last history row is "
             f"{workbook.history[-1].version}")
    version = m.CplVersion(number, issued, tuple(entries), changes, tuple(prior))
    companies = companies_in_history(version.entries, version.history)
    # product names are the registry's notes on the entries: no issued value changes
    products = products_in_history(version.entries, version.history, companies.named)
    version = replace(version, entries=tuple(
        replace(e, product_name=products.named.get(e.number or "")) for e in version.entries))
    for manufacturer in companies.unnamed:
        note(f"no history line names the company of manufacturer id {manufacturer}",
             code=Code.I04)
    texts: SecasTexts | None = workbook.texts
    try:
        validate(_TEXTS_SCHEMA, workbook.texts.as_data(), "SECAS's texts")
    except RegistryError as exc:
        # a file SECAS never made could carry texts a kept file cannot; its workbooks then
        # carry cplkit's texts, and the import says so
        texts = None
        note(f"SECAS's own texts cannot be kept ({exc.message}); the registry's workbooks "
             "carry cplkit's texts")
    findings.sort(key=sort_key)
    return Imported(version, tuple(findings), companies, products, texts)


_TEXTS_SCHEMA = "secas-texts.schema.json"


def texts_file(texts: SecasTexts) -> bytes:
    """SECAS's texts as the file kept beside the imported version."""
    return json.dumps(texts.as_data(), ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


def kept_secas_texts(registry: Registry) -> SecasTexts | None:
    """SECAS's texts kept with the registry's first version, if an import made it (None: the
    registry did not start from an import, or is empty)."""
    head = registry.head()
    if not head.versions:
        return None
    first = registry.read(head.versions[0].version, head=head)
    name = IssuedFiles(str(first.version.number)).secas_texts
    if name not in first.files:
        return None
    origin = f"{name} of version {first.version.number}"
    return SecasTexts.from_data(document(registry.file(first, name), origin, _TEXTS_SCHEMA))


def _out_of_order(history: Sequence[m.HistoryLine], note: Callable[[str], None]) -> None:
    """Each history line dated before the dated line above it (1.158 is dated 03/09/2019,
    before 1.157's 25/09/2019): kept as issued, and named so nobody trusts the order blindly."""
    above: m.HistoryLine | None = None
    for line in history:
        try:
            dt.date.fromisoformat(line.date)
        except ValueError:
            continue  # a date SECAS wrote as text cannot be compared
        if above is not None and line.date < above.date:
            note(f"version {line.version} is dated {line.date}, before version {above.version} "
                 f"above it ({above.date})")
        above = line


def _as_issued(raw: m.RawEntry, values: dict[str, m.Value]) -> dict[str, m.Issued]:
    """Each published value exactly as SECAS issued it, where that differs from the canonical
    value in content or in type: text as written, numbers as numbers, dates as dates."""
    issued: dict[str, m.Issued] = {}
    for name in m.PUBLISHED_FIELDS:
        cell = raw.values.get(name)
        canonical = values.get(name)
        if isinstance(cell, dt.datetime):
            cell = cell.date()
        if isinstance(cell, str):
            if cell and cell != canonical:  # a date kept as text stays text
                issued[name] = cell
        elif isinstance(cell, bool) or cell is None:
            continue
        elif isinstance(cell, int | float):
            issued[name] = int(cell) if float(cell).is_integer() else cell
        elif isinstance(cell, dt.date) and cell != canonical:
            issued[name] = cell
    return issued


_GAPS_SHOWN = 50


def _gaps(used: list[int]) -> list[int]:
    """The numbers from 1 to the highest used that are not used (numbers have 6 digits, so
    there are at most 999,999)."""
    gaps: list[int] = []
    expected = 1
    for number in used:
        gaps.extend(range(expected, number))
        expected = number + 1
    return gaps


def _unusable(file: str, message: str) -> InputFileError:
    return InputFileError(f"{file}: {message}",
                          hint="import a CPL workbook as SECAS publishes it (Version Control "
                               "and Central Products List tabs)")


def _kept(ruleset: Ruleset, name: str, raw: m.RawValue) -> str | None:
    """The value SECAS issued, in the best form that loses nothing."""
    spec = ruleset.fields[name]
    if spec.kind in (FieldKind.HEX, FieldKind.ENTRY_NUMBER) and isinstance(raw, int | float) and \
            not isinstance(raw, bool) and float(raw).is_integer():
        # Excel turned typed digits into a number; the field's width says how many there were
        digits = str(int(raw))
        width = 6 if spec.kind is FieldKind.ENTRY_NUMBER else 2 * (spec.octets or 1)
        if len(digits) <= width:
            padded = digits.zfill(width)
            if spec.kind is FieldKind.ENTRY_NUMBER:
                return padded
            return ":".join(padded[i:i + 2] for i in range(0, width, 2))
    text = as_text(raw)
    return text.strip() if text else None


def import_workbook(workbook: Path, registry_path: Path, ruleset: Ruleset, signer: Signer, *,
                    limits: Limits = DEFAULT_LIMITS, now: dt.datetime) -> ImportOutcome:
    """Build a new registry at ``registry_path`` from a CPL workbook SECAS published, signed
    and recorded at ``now``."""
    if registry_path.is_symlink():
        registry_path = registry_path.resolve()  # the registry goes where the link points
    if registry_path.exists() and (not registry_path.is_dir() or any(registry_path.iterdir())):
        raise UsageError(f"{registry_path} exists and is not empty; cplkit never overwrites "
                         "a registry", hint="name a new directory")
    imported = read_issued_version(workbook, ruleset, limits, file=str(workbook))
    named = imported.companies.named
    number = str(imported.version.number)
    staging = registry_path.with_name(f".{registry_path.name}.importing-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        registry = Registry.create(staging, now)
        with registry.edit(None) as tx:
            files = tx.files(imported.version)
            signed_files(files, imported.version, None, signer, ruleset, named,
                         secas=imported.texts, now=now)
            if imported.texts is not None:
                files.add(IssuedFiles(number).secas_texts, texts_file(imported.texts))
            statement = signed_statement(imported.version,
                                         files.digest(IssuedFiles(number).dcc_xml), signer,
                                         now=now)
            # the registry's anchor: trusting the key that signed the import, naming the
            # companies SECAS's history names
            when = now.isoformat(timespec="seconds")
            first = policy.first_record(
                signer, "signed the imported version", lambda record: replace(
                    record, names=tuple(NameRecord(ident, company, when,
                                                   f"named in the history lines of "
                                                   f"{workbook.name}")
                                        for ident, company in sorted(named.items()))),
                now=now)
            assert first is not None  # a signer was given
            tx.append_policy(*first, None)
            tx.issue(imported.version, how="import", ruleset=ruleset.id,
                     ruleset_sha256=ruleset.digest,
                     sources=[(workbook.name, file_sha256(workbook))],
                     signer=signer_record(signer), statement=statement.data,
                     policy=(1, sha256_hex(first[0])))
        _move_into_place(staging, registry_path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ImportOutcome(Registry(registry_path).read(), imported.findings, imported.companies,
                         imported.products)


def _move_into_place(staging: Path, target: Path) -> None:
    """Rename the finished registry onto ``target``, which must still be absent or empty: an
    import that finished first keeps what it made."""
    try:
        if target.exists():
            target.rmdir()  # empty, checked before: fails if another import filled it since
        staging.rename(target)
    except OSError as exc:
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
            raise RegistryBusy(f"{target} was filled by another cplkit while this import ran; "
                               "that registry stays as it is, and nothing of this import was "
                               "kept", hint="import into a new directory") from None
        raise
