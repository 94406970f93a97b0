"""The registry's files as bytes: version.json, registry.json and the policy records (trust
anchors, approvers, the threshold, the names register, the withdrawn certificates), encoded and
decoded.

Every document is checked against its JSON Schema (``schemas/``) when it is decoded, so what does
not parse as what it claims is a ``RegistryError`` before anything trusts it. The records here
(``StoredVersion``, ``Head``, ``TrustRecord``) are what the store hands out. Nothing here touches
the disk.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cplkit.base import resources
from cplkit.base.digest import sha256_hex
from cplkit.base.strict_json import loads
from cplkit.core import model as m
from cplkit.core.products import kept_product_name
from cplkit.core.text import history_dict, not_one_line
from cplkit.core.withdrawn import CertificateKind, Withdrawal
from cplkit.errors import RegistryError

HEAD = "registry.json"
#: the policy chain: policy/N.json, and policy/N.sig/ holding its signatures
POLICY = "policy"
#: the signed statement of what is current, at the top of the registry
STATEMENT = "latest.xml"
VERSIONS = "versions"
VERSION_FILE = "version.json"
FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Link:
    """The version before this one, by number and the SHA-256 of its version.json."""

    version: str
    sha256: str


@dataclass(frozen=True, slots=True)
class SignerRecord:
    """Who signed a version's files: the certificate's subject and SHA-256 fingerprint."""

    subject: str
    sha256: str


@dataclass(frozen=True, slots=True)
class StoredVersion:
    """An issued version as read back: the version, where it came from, and its digest."""

    version: m.CplVersion
    sha256: str
    previous: Link | None
    made_by: Mapping[str, Any]
    #: file name -> SHA-256 of the files issued with the version (the signed DCC file...)
    files: Mapping[str, str] = field(default_factory=dict)
    signer: SignerRecord | None = None


#: the key of an entry's registry notes (the third part of its row): its product name
PRODUCT_NAME = "product_name"


def _row(entry: m.Entry) -> list[Any]:
    """An entry as one JSON row: the canonical values as text, then, for an imported entry,
    an object of the values as SECAS issued them (numbers as numbers, dates as {"date": ...}),
    then, for an entry with a product name, the registry's notes ({"product_name": ...}; the
    issued object is then written, empty if need be). An entry without either has the row it
    always had, so a version written before product names were kept reads the same."""
    row: list[Any] = [m.as_text(entry.get(f), m.DateStyle.ISO) for f in m.PUBLISHED_FIELDS]
    if entry.issued or entry.product_name is not None:
        row.append({f: {"date": v.isoformat()} if isinstance(v, dt.date) else v
                    for f, v in entry.issued.items()})
    if entry.product_name is not None:
        row.append({PRODUCT_NAME: entry.product_name})
    return row


def _product_name(notes: Any, origin: str, index: int) -> str | None:
    """The product name an entry's notes hold; a note that is not one line of plain text of a
    bounded length is damage (it would reach history lines and the Plain English Mapping)."""
    if notes is None:
        return None
    if not isinstance(notes, dict) or set(notes) != {PRODUCT_NAME} or \
            not isinstance(notes[PRODUCT_NAME], str):
        raise RegistryError(f"{origin}: entry {index + 1}: its notes are not "
                            f"{{\"{PRODUCT_NAME}\": text}}")
    problem = kept_product_name(notes[PRODUCT_NAME])
    if problem is not None:
        raise RegistryError(f"{origin}: entry {index + 1}: its product name {problem}")
    name: str = notes[PRODUCT_NAME]
    return name


def _entry(row: Any, origin: str, index: int) -> m.Entry:
    fields = m.PUBLISHED_FIELDS
    extra = row[len(fields):] if isinstance(row, list) else []
    issued_json = extra[0] if extra else {}
    cells = row[:len(fields)] if isinstance(row, list) else None
    if cells is None or len(cells) != len(fields) or len(extra) > 2 or \
            not isinstance(issued_json, dict) or not all(
            c is None or isinstance(c, str) for c in cells):
        raise RegistryError(f"{origin}: entry {index + 1} is not a row of {len(fields)} texts "
                            "(and the values as issued, and its product name)")
    product_name = _product_name(extra[1] if len(extra) == 2 else None, origin, index)
    issued: dict[str, m.Issued] = {}
    for name, value in issued_json.items():
        if name not in fields:
            raise RegistryError(f"{origin}: entry {index + 1} records an issued value for "
                                f"an unknown field {name!r}")
        if isinstance(value, dict) and set(value) == {"date"}:
            issued[name] = dt.date.fromisoformat(value["date"])
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            issued[name] = value
        else:
            raise RegistryError(f"{origin}: entry {index + 1}: the issued value of {name} is "
                                "not text, a number or a date")
    return m.Entry.of({f: v for f, c in zip(fields, cells, strict=True)
                       if (v := _value(f, c)) is not None}, issued, product_name)


def _value(name: str, cell: str | None) -> m.Value | None:
    if cell is None:
        return None
    if name in m.DATE_FIELDS:
        try:
            return dt.date.fromisoformat(cell)
        except ValueError:
            return cell  # kept as SECAS issued it (an import anomaly), not a date
    return cell


def encode_version(version: m.CplVersion, previous: Link | None, made_by: Mapping[str, Any],
                   files: Mapping[str, str] | None = None,
                   signer: SignerRecord | None = None) -> bytes:
    """The bytes of version.json: a header, then one entry per line (diff-friendly, and the
    C JSON encoder stays on its fast path)."""
    header = {
        "format": "cplkit-version",
        "format_version": FORMAT_VERSION,
        "version": str(version.number),
        "issue_date": version.issue_date.isoformat(),
        "label": version.label,
        "previous": None if previous is None else {"version": previous.version,
                                                     "sha256": previous.sha256},
        "changes": version.changes,
        "prior_history": [history_dict(h) for h in version.prior_history],
        "made_by": dict(made_by),
        "signer": {"subject": signer.subject, "sha256": signer.sha256} if signer else None,
        "files": [{"name": name, "sha256": digest} for name, digest in (files or {}).items()],
        "fields": list(m.PUBLISHED_FIELDS),
    }
    rows = [json.dumps(_row(e), ensure_ascii=False) for e in version.entries]
    head = json.dumps(header, ensure_ascii=False, indent=1)
    return (head[:-2] + ',\n "entries": [\n' + ",\n".join(rows) + "\n ]\n}\n").encode()


#: where a version.json's header ends and its entries begin, as ``encode_version`` writes it
#: (a literal line break cannot stand inside a JSON string, so this is never inside a value)
_ENTRIES_START = b',\n "entries": [\n'


def decode_made_by(data: bytes, origin: str) -> Mapping[str, Any]:
    """A version.json's ``made_by`` record, from its header alone when the file is laid out as
    cplkit writes it (the whole file otherwise); the header is held to the schema as ever."""
    cut = data.find(_ENTRIES_START)
    if cut < 0:
        return decode_version(data, origin).made_by
    try:
        header = json.loads(data[:cut] + b"\n}")
    except ValueError as exc:
        raise RegistryError(f"{origin} is not a valid version file: {exc}",
                            hint="restore the registry from a backup") from exc
    validate("version.schema.json", {**header, "entries": []}, origin)
    made_by: Mapping[str, Any] = header["made_by"]
    return made_by


def decode_version(data: bytes, origin: str) -> StoredVersion:
    try:
        doc = json.loads(data)
        header = {k: v for k, v in doc.items() if k != "entries"}
        validate("version.schema.json", {**header, "entries": []}, origin)
        fields = doc["fields"]
        if list(fields) != list(m.PUBLISHED_FIELDS):
            raise RegistryError(f"{origin} lists unexpected fields")
        entries = [_entry(row, origin, i) for i, row in enumerate(doc["entries"])]
        prior = tuple(m.HistoryLine(h["version"], h["date"], h["changes"])
                      for h in doc["prior_history"])
        version = m.CplVersion(m.VersionNumber.parse(doc["version"]),
                               dt.date.fromisoformat(doc["issue_date"]), tuple(entries),
                               doc["changes"], prior)
    except (ValueError, KeyError, TypeError) as exc:
        raise RegistryError(f"{origin} is not a valid version file: {exc}",
                            hint="restore the registry from a backup") from exc
    previous, signer = doc["previous"], doc["signer"]
    return StoredVersion(version, sha256_hex(data),
                         None if previous is None else Link(previous["version"],
                                                            previous["sha256"]),
                         doc["made_by"], {f["name"]: f["sha256"] for f in doc["files"]},
                         None if signer is None else SignerRecord(signer["subject"],
                                                                  signer["sha256"]))


def validate(schema_name: str, document: Any, origin: str) -> None:
    problem = resources.schema_problem(schema_name, document)
    if problem is not None:
        raise RegistryError(f"{origin} is damaged: {problem}",
                            hint="restore the registry from a backup")


def document(data: bytes, origin: str, schema_name: str) -> Any:
    """A JSON document that follows its schema, or a ``RegistryError`` naming what is wrong."""
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise RegistryError(f"{origin} is damaged: {exc}",
                            hint="restore the registry from a backup") from exc
    validate(schema_name, doc, origin)
    return doc


# -- the head and trust ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VersionRecord:
    """One issued version as the head lists it: its number, digest and issue date."""

    version: str
    sha256: str
    issue_date: str


@dataclass(frozen=True, slots=True)
class Head:
    """registry.json: every issued version, oldest first; the last is the latest."""

    versions: tuple[VersionRecord, ...]
    created: str

    @staticmethod
    def decode(data: bytes, origin: str) -> Head:
        doc = document(data, origin, "registry.schema.json")
        records = tuple(VersionRecord(v["version"], v["sha256"], v["issue_date"])
                        for v in doc["versions"])
        if (records[-1].version if records else None) != doc["latest"]:
            raise RegistryError(f"{origin} is damaged: 'latest' is not the last version listed")
        return Head(records, doc["created"])

    @property
    def latest(self) -> VersionRecord | None:
        return self.versions[-1] if self.versions else None

    def record(self, version: str) -> VersionRecord | None:
        return next((r for r in self.versions if r.version == version), None)

    def encode(self) -> bytes:
        return (json.dumps({
            "format": "cplkit-registry",
            "format_version": FORMAT_VERSION,
            "created": self.created,
            "latest": self.latest.version if self.latest else None,
            "versions": [{"version": r.version, "sha256": r.sha256, "issue_date": r.issue_date}
                         for r in self.versions],
        }, indent=1) + "\n").encode()


@dataclass(frozen=True, slots=True)
class TrustRecord:
    """A signing certificate the registry trusts, and when and why it was added."""

    sha256: str
    subject: str
    added: str
    reason: str
    pem: str


@dataclass(frozen=True, slots=True)
class ApproverKey:
    """One certificate (and so one key) with which an approver signs."""

    sha256: str
    key_sha256: str
    subject: str
    added: str
    reason: str
    pem: str


@dataclass(frozen=True, slots=True)
class Approver:
    """A person who may approve: one name, one or more keys; the person counts once."""

    name: str
    keys: tuple[ApproverKey, ...]


@dataclass(frozen=True, slots=True)
class NameRecord:
    """One change to the names register: from ``changed`` on, ``manufacturer_id`` is made by
    ``company`` (an empty name withdraws it), and why."""

    manufacturer_id: str
    company: str
    changed: str
    reason: str


@dataclass(frozen=True, slots=True)
class PolicyRecord:
    """One record of the registry's policy chain (policy/N.json): who signs, who approves and
    how many approvals are needed, the names register and the withdrawn certificates, as of
    record ``number``."""

    number: int
    previous: str | None  # SHA-256 of record number-1's bytes
    made: str
    change: str
    reason: str
    signers: tuple[TrustRecord, ...] = ()
    approvers: tuple[Approver, ...] = ()
    required: int = 0
    names: tuple[NameRecord, ...] = ()
    #: every certificate recorded as withdrawn, oldest first (none in a record made before
    #: withdrawals were recorded: its bytes, and so its signatures, stay as they were)
    withdrawn: tuple[Withdrawal, ...] = ()

    def companies(self) -> dict[str, str]:
        """Company name by manufacturer id, as the latest change to each says."""
        named: dict[str, str] = {}
        for record in self.names:
            named[record.manufacturer_id] = record.company
        return {k: v for k, v in sorted(named.items()) if v}

    def approver_of(self, key_sha256: str) -> Approver | None:
        """The person one of whose keys is ``key_sha256``, if any."""
        return next((a for a in self.approvers
                     if any(k.key_sha256 == key_sha256 for k in a.keys)), None)


def _trust_doc(r: TrustRecord) -> dict[str, str]:
    return {"sha256": r.sha256, "subject": r.subject, "added": r.added, "reason": r.reason,
            "pem": r.pem}


def _key_doc(k: ApproverKey) -> dict[str, str]:
    return {"sha256": k.sha256, "key_sha256": k.key_sha256, "subject": k.subject,
            "added": k.added, "reason": k.reason, "pem": k.pem}


def encode_policy(record: PolicyRecord) -> bytes:
    doc = {"format": "cplkit-policy", "format_version": FORMAT_VERSION,
           "number": record.number, "previous": record.previous, "made": record.made,
           "change": record.change, "reason": record.reason,
           "signers": [_trust_doc(r) for r in record.signers],
           "approvers": [{"name": a.name, "keys": [_key_doc(k) for k in a.keys]}
                         for a in record.approvers],
           "required": record.required,
           "names": [{"manufacturer_id": r.manufacturer_id, "company": r.company,
                      "changed": r.changed, "reason": r.reason} for r in record.names]}
    if record.withdrawn:
        # written only when there is one, so a record without any keeps the bytes it had
        doc["withdrawn"] = [{"kind": w.kind.value, "certificate": w.certificate,
                             "on": w.on.isoformat(), "reason": w.reason,
                             "recorded": w.recorded} for w in record.withdrawn]
    return (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode()


def decode_policy(data: bytes, origin: str) -> PolicyRecord:
    """A policy record as written, its certificates each the one its fingerprint names (the
    signatures over it are checked by whoever has the keys' certificates: the app layer)."""
    doc = loads(data, origin, RegistryError, hint="restore the registry from a backup")
    validate("policy.schema.json", doc, origin)
    signers = tuple(TrustRecord(c["sha256"], c["subject"], c["added"], c["reason"], c["pem"])
                    for c in doc["signers"])
    approvers = tuple(Approver(a["name"], tuple(
        ApproverKey(k["sha256"], k["key_sha256"], k["subject"], k["added"], k["reason"],
                    k["pem"]) for k in a["keys"])) for a in doc["approvers"])
    held_certificates: list[TrustRecord | ApproverKey] = [
        *signers, *(k for a in approvers for k in a.keys)]
    for held in held_certificates:
        # a record authorises a key only through the certificate it holds, and only if that
        # certificate is the one its fingerprint names
        if certificate_sha256(held.pem) != held.sha256:
            raise RegistryError(f"{origin} is damaged: the certificate of {held.subject} is not "
                                "the one its fingerprint names",
                                hint="restore the registry from a backup")
    names = tuple(NameRecord(c["manufacturer_id"], c["company"], c["changed"], c["reason"])
                  for c in doc["names"])
    try:
        withdrawn = tuple(Withdrawal(CertificateKind(w["kind"]), w["certificate"],
                                     dt.date.fromisoformat(w["on"]), w["reason"], w["recorded"])
                          for w in doc.get("withdrawn", ()))
    except ValueError:  # a date the schema's pattern lets through, such as 2026-02-30
        raise RegistryError(f"{origin} is damaged: a withdrawal in it is not dated with a real "
                            "day", hint="restore the registry from a backup") from None
    for text in (*(n.company for n in names), *(a.name for a in approvers),
                 *(w.certificate for w in withdrawn), *(w.reason for w in withdrawn)):
        # a company or approver name reaches item lines of issued files, a withdrawn
        # certificate and its reason audit lines and messages: one line, or damage
        problem = not_one_line(text)
        if problem is not None:
            raise RegistryError(f"{origin} is damaged: a name or reason in it {problem}",
                                hint="restore the registry from a backup")
    return PolicyRecord(doc["number"], doc["previous"], doc["made"], doc["change"],
                        doc["reason"], signers, approvers, doc["required"], names, withdrawn)


def certificate_sha256(pem: str) -> str | None:
    """The SHA-256 fingerprint of the one PEM certificate in ``pem``, or None if it is not."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    try:
        certificates = x509.load_pem_x509_certificates(pem.encode())
    except ValueError:
        return None
    if len(certificates) != 1:
        return None
    return certificates[0].fingerprint(hashes.SHA256()).hex()
