"""The registry's records of submissions and of deliveries to the DCC, on disk.

    submissions/register.json        every submission, oldest first (schemas/submissions...)
    submissions/S-2026-0001/<sha256> each file as received, and the check report made on
                                     receipt (schemas/submission-report...), named by SHA-256
    deliveries.json                  each version's delivery and acknowledgement (deliveries...)

Every document is checked against its JSON Schema when read, and every kept file against the
SHA-256 the register records, so a file altered by hand is reported (exit 4), never trusted.
Writes happen under the registry's lock (``Registry.writing_records``), whole or not at all: a
submission's folder is written under a temporary name, fsynced and renamed into place before
the register that lists it is replaced (the commit point); a folder the register does not list
is what a write killed before its commit left, and the next write removes it. None of this is
ever copied to the site. Nothing here checks a submission or decides a status.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from cplkit.base import resources
from cplkit.base.digest import sha256_hex
from cplkit.base.files import read_small
from cplkit.base.strict_json import loads
from cplkit.core import tracking as t
from cplkit.core.findings import Code, FileReport, Finding, Location, Report, Severity
from cplkit.core.model import Layout
from cplkit.errors import RegistryError
from cplkit.registry.disk import fsync_dir, replace_durably, write_durably
from cplkit.registry.store import Registry

SUBMISSIONS = "submissions"
REGISTER = "register.json"
DELIVERIES = "deliveries.json"
#: the largest file a submission may carry (a submission's own limit) and register cplkit writes
FILE_LIMIT = 100 << 20
RECORDS_LIMIT = 256 << 20
_HINT = "restore the registry from a backup"
_PENDING = ".tmp-"


def _validated(data: bytes, schema: str, origin: str) -> Any:
    document = loads(data, origin, RegistryError, hint=_HINT)
    problem = resources.schema_problem(schema, document)
    if problem is not None:
        raise RegistryError(f"{origin} is not a valid record: at {problem}", hint=_HINT)
    return document


def _encode(document: Mapping[str, Any], schema: str, what: str) -> bytes:
    """A document's bytes, checked against its schema before anything is written: cplkit
    never writes what it would refuse to read."""
    data = (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    _validated(data, schema, what)
    return data


# -- the submissions register ------------------------------------------------------------------
def _submission_json(s: t.Submission) -> dict[str, Any]:
    return {
        "id": s.id, "received": s.received,
        "from": {"name": s.sender_name, "address": s.sender_address}, "note": s.note,
        "files": [{"name": f.name, "sha256": f.sha256, "size": f.size, "kind": f.kind.value}
                  for f in s.files],
        "check": {"rules_of": s.check.rules_of, "ruleset": s.check.ruleset,
                  "ruleset_sha256": s.check.ruleset_sha256, "as_of": s.check.as_of,
                  "entries": s.check.entries, "errors": s.check.errors,
                  "warnings": s.check.warnings, "unreadable": s.check.unreadable,
                  "report_sha256": s.check.report_sha256},
        "events": [_event_json(e) for e in s.events]}


def _event_json(e: t.Event) -> dict[str, Any]:
    out: dict[str, Any] = {"status": e.status.value, "at": e.at}
    if e.reason is not None:
        out["reason"] = e.reason
    if e.version is not None:
        out["version"] = e.version
    if e.issue_date is not None:
        out["issue_date"] = e.issue_date
    if e.status is t.SubmissionStatus.ACCEPTED:
        out["accepted"] = [{"sha256": a.sha256, "entries": list(a.entries)} for a in e.accepted]
    return out


def _submission(item: Mapping[str, Any]) -> t.Submission:
    check = item["check"]
    return t.Submission(
        item["id"], item["received"], item["from"]["name"], item["from"]["address"],
        item["note"],
        tuple(t.SubmittedFile(f["name"], f["sha256"], f["size"], t.FileKind(f["kind"]))
              for f in item["files"]),
        t.CheckSummary(check["rules_of"], check["ruleset"], check["ruleset_sha256"],
                       check["as_of"], check["entries"], check["errors"], check["warnings"],
                       check["unreadable"], check["report_sha256"]),
        tuple(t.Event(t.SubmissionStatus(e["status"]), e["at"], e.get("reason"), e.get("version"),
                      e.get("issue_date"),
                      tuple(t.AcceptedFile(a["sha256"], tuple(a["entries"]))
                            for a in e.get("accepted", ())))
              for e in item["events"]))


def encode_register(submissions: Sequence[t.Submission]) -> bytes:
    return _encode({"format": "cplkit-submissions", "format_version": 1,
                    "submissions": [_submission_json(s) for s in submissions]},
                   "submissions.schema.json", "the submissions register as built")


def decode_register(data: bytes, origin: str) -> tuple[t.Submission, ...]:
    document = _validated(data, "submissions.schema.json", origin)
    submissions = tuple(_submission(item) for item in document["submissions"])
    if len({s.id for s in submissions}) != len(submissions):
        raise RegistryError(f"{origin} lists a submission twice", hint=_HINT)
    return submissions


def read_submissions(registry: Registry) -> tuple[t.Submission, ...]:
    """Every submission, oldest first (none before the first is received)."""
    registry.head()  # a registry, or the clear error
    path = registry.path / SUBMISSIONS / REGISTER
    if not path.exists() and not path.is_symlink():
        return ()
    return decode_register(read_small(path, RECORDS_LIMIT, RegistryError,
                                      "the submissions register", hint=_HINT), str(path))


def kept_file(registry: Registry, submission: t.Submission, sha256: str) -> bytes:
    """A file of ``submission`` as received (or its check report), checked against the
    SHA-256 the register records."""
    path = registry.path / SUBMISSIONS / submission.id / sha256
    data = read_small(path, FILE_LIMIT, RegistryError, f"a file of {submission.id}", hint=_HINT)
    if sha256_hex(data) != sha256:
        raise RegistryError(f"{path} has changed since {submission.id} was received: it was "
                            "altered by hand", hint=_HINT)
    return data


def kept_path(registry: Registry, submission: t.Submission, sha256: str) -> Path:
    """Where a file of ``submission`` is kept, once its content is found to be as received
    (a reader that opens a file by path, such as the check, reads it there)."""
    kept_file(registry, submission, sha256)
    return registry.path / SUBMISSIONS / submission.id / sha256


def add_submission(registry: Registry, build: Callable[[tuple[t.Submission, ...]],
                                                       t.Submission],
                   files: Mapping[str, bytes]) -> t.Submission:
    """Record the submission ``build`` makes from the register as it stands under the lock
    (which allocates its id), with ``files`` (by SHA-256: every file received and its check
    report) kept beside it."""
    folder = registry.path / SUBMISSIONS
    with registry.writing_records():
        folder.mkdir(exist_ok=True)
        submissions = read_submissions(registry)
        _clear_leftovers(folder, submissions)
        submission = build(submissions)
        register = encode_register((*submissions, submission))
        staging = folder / f"{_PENDING}{submission.id}-{os.getpid()}"
        staging.mkdir()
        for digest, content in files.items():
            if sha256_hex(content) != digest:
                raise RegistryError(f"a file of {submission.id} changed while it was kept")
            write_durably(staging / digest, content)
        fsync_dir(staging)
        staging.rename(folder / submission.id)
        fsync_dir(folder)
        replace_durably(folder / REGISTER, register)  # the commit point
    return submission


def update_submissions(registry: Registry,
                       change: Callable[[tuple[t.Submission, ...]],
                                        tuple[t.Submission, ...]]) -> tuple[t.Submission, ...]:
    """Replace the register with what ``change`` makes of it, under the lock; ``change`` may
    raise to leave it as it is."""
    with registry.writing_records():
        before = read_submissions(registry)
        after = change(before)
        if after != before:
            (registry.path / SUBMISSIONS).mkdir(exist_ok=True)
            replace_durably(registry.path / SUBMISSIONS / REGISTER, encode_register(after))
    return after


def _clear_leftovers(folder: Path, submissions: Sequence[t.Submission]) -> None:
    """Remove what a receipt killed before its commit point left: folders the register does
    not list, by the names cplkit gives them (nothing else there is touched)."""
    listed = {s.id for s in submissions}
    for entry in folder.iterdir():
        name = entry.name
        ident = name[len(_PENDING):].rpartition("-")[0] if name.startswith(_PENDING) else name
        if t.SUBMISSION_ID.fullmatch(ident) and (name != ident or ident not in listed) \
                and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)


# -- the check report kept with a submission ---------------------------------------------------
def encode_report(report: Report) -> bytes:
    files = [{"path": f.path, "layout": f.layout.value if f.layout else None,
              "entries": f.entries, "sheet": f.sheet, "delimiter": f.delimiter,
              "findings": [{k: v for k, v in finding.as_dict().items() if k != "file"}
                           for finding in f.findings]} for f in report.files]
    return _encode({"format": "cplkit-submission-report", "format_version": 1,
                    "as_of": report.as_of, "ruleset": report.ruleset,
                    "ruleset_sha256": report.ruleset_sha256, "files": files},
                   "submission-report.schema.json", "the check report as built")


def decode_report(data: bytes, origin: str) -> Report:
    document = _validated(data, "submission-report.schema.json", origin)
    try:
        files = tuple(FileReport(
            f["path"], Layout(f["layout"]) if f["layout"] else None, f["entries"],
            tuple(Finding(Code(x["code"]), Severity(x["severity"]), x["message"], x["hint"],
                          Location(f["path"], x["entry"], x["sheet"], x["cell"], x["field"],
                                   x["value"], x["number"])) for x in f["findings"]),
            f["sheet"], f["delimiter"]) for f in document["files"])
    except ValueError as exc:
        raise RegistryError(f"{origin} is not a valid report: {exc}", hint=_HINT) from None
    return Report(files, document["as_of"], document["ruleset"], document["ruleset_sha256"])


# -- deliveries to the DCC ---------------------------------------------------------------------
def _delivery_json(d: t.Delivery) -> dict[str, Any]:
    ack = d.acknowledgement
    return {"version": d.version, "file": d.file, "sha256": d.sha256, "to": d.to,
            "reference": d.reference, "sent": d.sent, "via": d.via,
            "acknowledgement": None if ack is None else {
                "reference": ack.reference, "at": ack.at, "loaded_on": ack.loaded_on}}


def encode_deliveries(deliveries: Sequence[t.Delivery]) -> bytes:
    return _encode({"format": "cplkit-deliveries", "format_version": 1,
                    "deliveries": [_delivery_json(d) for d in deliveries]},
                   "deliveries.schema.json", "the deliveries as built")


def decode_deliveries(data: bytes, origin: str) -> tuple[t.Delivery, ...]:
    document = _validated(data, "deliveries.schema.json", origin)
    out = []
    for d in document["deliveries"]:
        ack = d["acknowledgement"]
        out.append(t.Delivery(d["version"], d["file"], d["sha256"], d["to"], d["reference"],
                              d["sent"], d["via"], None if ack is None else t.Acknowledgement(
                                  ack["reference"], ack["at"], ack["loaded_on"])))
    if len({d.version for d in out}) != len(out):
        raise RegistryError(f"{origin} records a version's delivery twice", hint=_HINT)
    return tuple(out)


def read_deliveries(registry: Registry) -> tuple[t.Delivery, ...]:
    registry.head()
    path = registry.path / DELIVERIES
    if not path.exists() and not path.is_symlink():
        return ()
    return decode_deliveries(read_small(path, RECORDS_LIMIT, RegistryError,
                                        "the record of deliveries", hint=_HINT), str(path))


def update_deliveries(registry: Registry,
                      change: Callable[[tuple[t.Delivery, ...]], tuple[t.Delivery, ...]]
                      ) -> tuple[t.Delivery, ...]:
    """Replace the record of deliveries with what ``change`` makes of it, under the lock."""
    with registry.writing_records():
        after = change(read_deliveries(registry))
        replace_durably(registry.path / DELIVERIES, encode_deliveries(after))
    return after
