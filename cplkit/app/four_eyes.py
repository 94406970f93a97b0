"""Four eyes: one person prepares a version, others approve it, and only then is it issued.

A registry whose signed policy (``cplkit.app.policy``) requires approvals refuses a one-step
publish. Instead:

1. ``prepare`` checks and merges the changes as a publish does, builds every unsigned file,
   and stages them under ``staged/<id>/`` with the preparer's signature: nothing is signed for
   the DCC, nothing is visible. The staged content has one digest (of its files' digests, the
   base version and the version number) that everyone approves.
2. ``approve`` checks the staged files against that digest and adds an approval: a detached
   CMS signature over a short statement naming the digest.
3. ``publish_staged`` issues the staged version only when enough valid approvals from distinct
   approvers (people, each counted once) are there, none by the preparer, all of this very
   content, and the staged files still match it. The approvals are kept with the version, so
   they can be checked again.

Statements are signed and checked with ``cplkit.signing.cms``; this module decides what counts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509

from cplkit.app import policy
from cplkit.app.importing import kept_secas_texts
from cplkit.app.publish import (
    NextVersion,
    PublishOutcome,
    check_head,
    next_version,
    policy_ref,
    previous_files,
)
from cplkit.app.ruleset_sources import stored_rules
from cplkit.app.trust import require_trusted, signer_record
from cplkit.base.digest import file_sha256, sha256_hex
from cplkit.core import model as m
from cplkit.core.diff import Diff
from cplkit.core.findings import Report, count_by_code
from cplkit.core.ruleset import Ruleset
from cplkit.core.ruleset_diff import describe_ruleset_change
from cplkit.core.withdrawn import describe, newly_listed
from cplkit.errors import ApprovalError, CplkitError, RegistryBusy, UsageError, VerificationError
from cplkit.intake.limits import DEFAULT_LIMITS, Limits
from cplkit.publications.bundle import sign_version, signed_statement, unsigned_files
from cplkit.publications.filenames import IssuedFiles
from cplkit.publications.latest import DEFAULT_NEXT_UPDATE
from cplkit.publications.signed_by import Certificate, SignedBy
from cplkit.registry import AbortEdit, Registry, StoredVersion
from cplkit.registry.codec import VERSIONS, decode_version, encode_version
from cplkit.registry.disk import NewFiles
from cplkit.registry.store import StoredPolicy
from cplkit.registry.transaction import made_by_record
from cplkit.signing.cms import sign_cms, verify_cms
from cplkit.signing.signers import Signer
from cplkit.signing.x509 import key_sha256

STAGED = policy.STAGED  # one folder holds staged versions and policy changes
RECORD = "staged.json"
VERSION = "version.json"
PREPARATION = "preparation.p7s"
APPROVALS = "approvals"
#: the format of the staged summary: what approvers are shown
SUMMARY_FORMAT = "cplkit-staged-summary"


#: the most a staged record, a preparation or an approval can hold: each is a few kilobytes
SMALL = 1 << 20
#: a staged file's name: one plain name inside the staged folder, never a path
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def _small(path: Path) -> bytes:
    """One of a staged version's small files, refused if it is not a file or is larger than
    any cplkit writes (a staged folder may come from elsewhere)."""
    if not path.is_file() or path.stat().st_size > SMALL:
        raise ApprovalError(f"{path} is not a file cplkit staged (missing, not a file, or "
                            f"larger than {SMALL // 1024} KiB)", hint="prepare the version again")
    return path.read_bytes()


@dataclass(frozen=True, slots=True)
class Staged:
    """A staged version: where it is, what it builds on, and the digest approvers sign."""

    path: Path
    base: str | None
    version: str
    digest: str
    preparer: str  # the preparer's key SHA-256
    files: dict[str, str]  # name -> SHA-256
    record: bytes  # staged.json as written


def statement(digest: str, version: str, base: str | None) -> bytes:
    """What a preparer and each approver sign: this staged content, for this version."""
    return (f"cplkit approval 1\nstaged {digest}\nversion {version}\nbase {base or '-'}\n"
            ).encode()


def _digest(base: str | None, version: str, files: dict[str, str]) -> str:
    canonical = json.dumps({"base": base, "version": version, "files": files},
                           sort_keys=True, separators=(",", ":"))
    return sha256_hex(canonical.encode())


def trusted_to_sign(in_force: policy.Policy) -> SignedBy:
    """The certificates a staged version's page and notice name: every one ``in_force`` trusts
    to sign, one of which will sign it."""
    return SignedBy.one_of(tuple(Certificate(t.subject, t.sha256)
                                 for t in in_force.record.signers))


def _require_named(registry: Registry, stored: StoredVersion, signer: Signer) -> None:
    """The signer of a staged version must be one its page and notice name: a certificate
    trusted to sign under the policy it was prepared under (a key trusted since then would make
    what the approvers approved untrue)."""
    named = stored.made_by.get("policy")
    number = named.get("number") if isinstance(named, Mapping) else None
    chain = registry.policy_chain()
    if not isinstance(number, int) or not 1 <= number <= len(chain):
        raise ApprovalError("the staged version does not name the policy it was prepared "
                            "under", hint="prepare the version again")
    trusted = trusted_to_sign(policy.Policy(chain[number - 1].record, ""))
    if signer.fingerprint not in {c.sha256 for c in trusted.certificates}:
        raise ApprovalError(
            f"its page and notice, as approved, name the certificates trusted to sign when it "
            f"was prepared, and {signer.subject} (SHA-256 fingerprint {signer.fingerprint}) is "
            "not one of them", hint="sign it with one of those, or prepare the version again "
                                    "so its page and notice name this certificate")


def _known_key(in_force: policy.Policy, registry: Registry, signer: Signer, what: str) -> None:
    """Whoever may prepare a version: an approver, or a signer the registry trusts."""
    if in_force.party(signer.certificate) is None:
        raise ApprovalError(f"{signer.subject} is neither an approver nor a trusted signer of "
                            f"the registry {registry.path}, so it cannot {what}",
                            hint="add it with 'cplkit trust approver CERT --reason ...'")


def prepare(registry_path: Path, change_files: Sequence[Path], ruleset: Ruleset,
            issue_date: dt.date, preparer: Signer, *, base: str | None = None,
            major: bool = False, limits: Limits = DEFAULT_LIMITS,
            now: dt.datetime) -> tuple[PublishOutcome, Staged | None]:
    """Check and merge the changes, build every unsigned file and stage them for approval at
    ``now``; returns the publish outcome (findings, diff) and the staged version (None if
    stopped)."""
    registry = Registry(registry_path)
    staged: Staged | None = None
    with registry.edit(base) as tx:
        in_force = policy.require(registry)
        check_head(registry, in_force)
        _known_key(in_force, registry, preparer, "prepare a version")
        preparer.check_valid(now)
        step = next_version(tx, change_files, ruleset, issue_date, limits, dry_run=False,
                            major=major)
        if step.version is None:
            raise AbortEdit
        version, number = step.version, str(step.version.number)
        _, fir_before = previous_files(registry, step.current)
        made_by = made_by_record("publish", ruleset.id, ruleset.digest,
                                 [(p.name, file_sha256(p)) for p in change_files],
                                 policy_ref(in_force))
        previous = tx.head.latest
        base_number = previous.version if previous else None
        # the files are written as they are made to a folder named only once they are all
        # there, by their digest (a leftover of a prepare killed under this pid goes first)
        temporary = registry.path / STAGED / f".tmp-{number}-{os.getpid()}"
        shutil.rmtree(temporary, ignore_errors=True)
        (temporary / APPROVALS).mkdir(parents=True)
        try:
            files = NewFiles(temporary, durable=False)
            # who signs is chosen at 'publish --staged': the page and notice approvers sign
            # name every certificate trusted to sign now, and only those may sign it
            # (_require_named)
            unsigned_files(files, version, ruleset, step.companies, fir_before,
                           step.outcome.diff if step.current else None,
                           signed_by=trusted_to_sign(in_force),
                           secas=kept_secas_texts(registry))
            files.add(VERSION, encode_version(version, None, made_by, {}, None))
            files.add(IssuedFiles(number).staged_summary, _summary(registry, step, ruleset))
            digests = dict(sorted(files.digests.items()))
            digest = _digest(base_number, number, digests)
            folder = registry.path / STAGED / digest[:16]
            if folder.exists():
                raise UsageError(f"this version is staged already: {folder}",
                                 hint=f"approve it with 'cplkit approve {folder}'")
            record = json.dumps({"format": "cplkit-staged", "format_version": 1,
                                 "base": base_number, "version": number, "digest": digest,
                                 "prepared": now.isoformat(timespec="seconds"),
                                 "preparer": {"subject": preparer.subject,
                                              "sha256": preparer.fingerprint,
                                              "key_sha256": key_sha256(preparer.certificate)},
                                 "files": digests}, indent=1).encode()
            (temporary / RECORD).write_bytes(record)
            (temporary / PREPARATION).write_bytes(
                sign_cms(statement(digest, number, base_number), preparer, now=now))
            temporary.rename(folder)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
        staged = Staged(folder, base_number, number, digest, key_sha256(preparer.certificate),
                        digests, record)
        raise AbortEdit  # nothing of the registry's versions changes
    return step.outcome, staged


def _summary(registry: Registry, step: NextVersion, ruleset: Ruleset) -> bytes:
    """What approvers are shown (``cplkit.render.four_eyes_summary``), staged as one of
    the files the digest covers: an approver sees exactly what the preparer checked, or
    nothing verifies."""
    assert step.version is not None
    current = step.current
    before = current.made_by if current is not None else {}
    old_digest = str(before.get("ruleset_sha256") or "") or None
    change = ""
    if current is not None and old_digest not in (ruleset.digest, None):
        change = describe_ruleset_change(stored_rules(registry, current), ruleset)
    rules = {"id": ruleset.id, "sha256": ruleset.digest,
             "previous_id": str(before.get("ruleset") or "") or None,
             "previous_sha256": old_digest}
    doc = summary_document(step.version, str(current.version.number) if current else None,
                           step.outcome.report, step.outcome.diff if current else None, rules,
                           change)
    return json.dumps(doc, indent=1, ensure_ascii=False).encode()


def summary_document(version: m.CplVersion, base: str | None, report: Report,
                     changed: Diff | None, rules: dict[str, str | None],
                     rules_change: str) -> dict[str, Any]:
    """The summary of a staged ``version`` (after ``base``) as approvers are shown it
    (``cplkit.render.four_eyes_summary``): the findings of its check by code, what changed
    from ``base`` (``changed``; None for a first version), its history line, and the rules it
    was checked with (``rules``: id, sha256, previous_id, previous_sha256) with
    ``rules_change``, the history paragraph of a change of rules ('' if they did not change)."""
    findings = [f for file in report.files for f in file.findings]

    def text(value: m.Issued | None) -> str:
        return m.as_text(value, m.DateStyle.ISO) or ""

    return {
        "format": SUMMARY_FORMAT, "format_version": 1,
        "version": str(version.number), "base": base, "label": version.label,
        "entries": len(version.entries), "current": version.current_count,
        "findings": {"errors": report.errors, "warnings": report.warnings,
                     "by_code": dict(sorted(count_by_code(findings).items()))},
        "diff": None if changed is None else {
            "added": len(changed.added), "removed": len(changed.removed),
            "amended": len({a.number for a in changed.amended}),
            "missing": len(changed.missing),
            "added_entries": [[e.number, e.device_type, e.text(m.MANUFACTURER_ID),
                               e.text(m.MODEL_ID), e.firmware_version, e.spec_version,
                               e.gbcs_version] for e in changed.added],
            "removed_entries": [[e.number, e.device_type, e.firmware_version]
                                for e in changed.removed],
            "amended_fields": [{"entry": a.number, "field": a.field,
                                "from": text(a.old) or None, "to": text(a.new) or None}
                               for a in changed.amended],
            "missing_entries": [e.number for e in changed.missing]},
        "changes": version.changes,
        "rules": {**rules, "changed": bool(rules_change), "change": rules_change},
    }


def _parse_record(record: bytes, folder: Path, where: Path) -> Staged:
    """The staged record ``where`` (staged.json as ``prepare`` wrote it) of the files in
    ``folder``, held to its own digest; it names only plain files inside that folder."""
    try:
        doc = json.loads(record)
        files = {str(k): str(v) for k, v in doc["files"].items()}
        base, number, digest = doc["base"], str(doc["version"]), str(doc["digest"])
        preparer = str(doc["preparer"]["key_sha256"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageError(f"{folder} is not a staged version ({exc})",
                         hint="name the directory 'cplkit publish --prepare' printed") from None
    if not all(_NAME.fullmatch(name) for name in files):
        raise ApprovalError(f"{where} names a file outside the staged folder",
                            hint="prepare the version again")
    if _digest(base, number, files) != digest:
        raise ApprovalError(f"{where} does not add up to the digest it records: it was changed "
                            "after it was staged", hint="prepare the version again")
    return Staged(folder, base, number, digest, preparer, files, record)


def read_staged(folder: Path) -> Staged:
    """A staged version, its files checked against the digests it records and the digest
    recomputed: a file changed since it was staged is refused."""
    if not (folder / RECORD).is_file():
        raise UsageError(f"{folder} is not a staged version (no {RECORD})",
                         hint="name the directory 'cplkit publish --prepare' printed")
    try:
        record = _small(folder / RECORD)
    except OSError as exc:
        raise UsageError(f"{folder} is not a staged version ({exc})",
                         hint="name the directory 'cplkit publish --prepare' printed") from None
    staged = _parse_record(record, folder, folder / RECORD)
    on_disk = {p.name for p in folder.iterdir() if p.is_file()} - {RECORD, PREPARATION}
    if on_disk != set(staged.files):
        raise ApprovalError(f"{folder} holds other files than were staged: "
                            f"{', '.join(sorted(on_disk ^ set(staged.files)))}",
                            hint="prepare the version again")
    for name, expected in staged.files.items():
        if file_sha256(folder / name) != expected:
            raise _changed(name)
    return staged


def _staged_bytes(staged: Staged, name: str) -> bytes:
    """The staged file ``name``, checked on the very bytes handed back: what is signed is
    what was approved, even if the file is replaced after ``read_staged`` looked at it."""
    data = (staged.path / name).read_bytes()
    if sha256_hex(data) != staged.files[name]:
        raise _changed(name)
    return data


def _copy_staged(staged: Staged, name: str, files: NewFiles) -> None:
    """Copy the staged file ``name`` into the version's ``files``, checked on the very bytes
    written: what is signed and issued is what was approved, even if the staged file is
    replaced after ``read_staged`` looked at it."""
    with (staged.path / name).open("rb") as source, files.create(name) as out:
        shutil.copyfileobj(source, out, 1 << 20)
    if files.digest(name) != staged.files[name]:
        raise _changed(name)


def _changed(name: str) -> ApprovalError:
    return ApprovalError(f"the staged file {name} changed after it was staged (its SHA-256 is "
                         "not the one approved)",
                         hint="prepare the version again; approvals of the old content do not "
                              "carry over")


def summary_of(staged: Staged) -> dict[str, Any] | None:
    """What the approvers of ``staged`` are shown (``cplkit.render.four_eyes_summary``), read
    from the
    staged summary and checked against the digest they sign; None for a version staged by a
    cplkit that wrote no summary."""
    name = IssuedFiles(staged.version).staged_summary
    if name not in staged.files:
        return None
    data = _staged_bytes(staged, name)
    try:
        doc = json.loads(data)
        if not isinstance(doc, dict) or doc.get("format") != SUMMARY_FORMAT or \
                doc.get("version") != staged.version or doc.get("base") != staged.base:
            raise ValueError("it is not the summary of this staged version")
    except ValueError as exc:
        raise ApprovalError(f"the staged summary {name} cannot be read: {exc}",
                            hint="prepare the version again") from None
    return doc


@dataclass(frozen=True, slots=True)
class StagedView:
    """A staged version as ``cplkit staged show`` presents it: what it is, what approvers are
    shown, who has approved it so far (by name) and how many approvals it needs."""

    staged: Staged
    summary: dict[str, Any] | None
    approved_by: tuple[str, ...]
    required: int


def show(folder: Path, registry_path: Path | None = None) -> StagedView:
    """The staged version in ``folder`` (of ``registry_path``, when given), its files checked
    against its digest first; the approvals so far are the ones by an approver other than the
    preparer over this very content."""
    registry = _registry_of(folder, registry_path)
    staged = read_staged(folder)
    summary = summary_of(staged)
    in_force = policy.require(registry)
    signed = statement(staged.digest, staged.version, staged.base)
    certificates = in_force.approver_certificates()
    preparer = in_force.record.approver_of(staged.preparer)
    names: list[str] = []
    for path in sorted((folder / APPROVALS).glob("*.p7s")):
        try:
            certificate = verify_cms(signed, _small(path), certificates)
        except (VerificationError, ApprovalError):
            continue  # not an approval that counts; publish --staged names why
        person = in_force.record.approver_of(key_sha256(certificate))
        if person is not None and person is not preparer and person.name not in names:
            names.append(person.name)
    return StagedView(staged, summary, tuple(names), in_force.record.required)


def _registry_of(folder: Path, registry_path: Path | None = None) -> Registry:
    """The registry ``folder`` is staged in (``registry_path``, when given: see
    ``policy.staged_in``)."""
    return policy.staged_in(folder, registry_path)


def approve(folder: Path, approver: Signer, registry_path: Path | None = None, *,
            digest: str | None = None, now: dt.datetime) -> Path:
    """Add ``approver``'s approval of the staged content (staged in ``registry_path``, when
    given; with ``digest``, only if it is still the content of that digest, the one the
    approver was shown), signed at ``now``; returns the approval's file."""
    registry = _registry_of(folder, registry_path)
    staged = read_staged(folder)
    if digest is not None and staged.digest != digest:
        raise ApprovalError(f"{folder} changed while it was shown to you (its digest is now "
                            f"{staged.digest}, not {digest}): nothing was approved",
                            hint="look at it again with 'cplkit staged show' and approve it "
                                 "then")
    in_force = policy.require(registry)
    mine = key_sha256(approver.certificate)
    person = in_force.record.approver_of(mine)
    if person is None:
        raise ApprovalError(f"{approver.subject} is not an approver of the registry "
                            f"{registry.path}", hint="add it with 'cplkit trust approver CERT'")
    if person is in_force.record.approver_of(staged.preparer):
        raise ApprovalError(f"{person.name} prepared this version (with this key or another of "
                            "theirs) and cannot approve it: that is what four eyes means",
                            hint="ask another approver")
    approver.check_valid(now)
    path = folder / APPROVALS / f"{mine[:16]}.p7s"
    if path.exists():
        raise UsageError(f"{approver.subject} has approved this staged version already "
                         f"({path.name})")
    policy.write_new(path, sign_cms(statement(staged.digest, staged.version, staged.base),
                                    approver, now=now))
    return path


@dataclass(frozen=True, slots=True)
class Approved:
    """The approvals that count: each approver (a person, by name) and the certificate they
    approved with."""

    people: tuple[str, ...]
    certificates: tuple[x509.Certificate, ...]
    files: tuple[Path, ...]


def check_approvals(staged: Staged, approvals: Sequence[Path],
                    in_force: policy.Policy, read: Callable[[Path], bytes] = _small) -> Approved:
    """Whether ``approvals`` let ``staged`` be issued under the policy ``in_force`` (its
    preparer checked already); each reason to refuse is its own message. One person counts
    once, whichever of their keys signed, and the preparer (by any of their keys) not at all.
    ``read`` reads an approval (a reader of a mirror hands the bytes it checked)."""
    signed = statement(staged.digest, staged.version, staged.base)
    record = in_force.record
    certificates = in_force.approver_certificates()
    preparer = record.approver_of(staged.preparer)
    seen: dict[str, Path] = {}
    kept: list[x509.Certificate] = []
    for path in approvals:
        try:
            certificate = verify_cms(signed, read(path), certificates)
        except VerificationError as exc:
            raise ApprovalError(f"{path.name} is not an approval of this staged content by an "
                                f"approver ({exc.message})",
                                hint="remove it; approvals of other content never count") \
                from None
        person = record.approver_of(key_sha256(certificate))
        if person is None:
            raise ApprovalError(f"{path.name} is signed by {certificate.subject.rfc4514_string()}"
                                ", who is not an approver")
        if key_sha256(certificate) == staged.preparer or person is preparer:
            raise ApprovalError(f"{path.name} is an approval by the preparer ({person.name}): it "
                                "does not count", hint="ask another approver")
        if person.name in seen:
            raise ApprovalError(f"{path.name} and {seen[person.name].name} are approvals by the "
                                f"same person ({person.name}): one person approves once",
                                hint="ask another approver")
        seen[person.name] = path
        kept.append(certificate)
    if len(seen) < record.required:
        raise ApprovalError(f"{len(seen)} of the {record.required} approvals needed from "
                            "distinct approvers", hint=f"approvers run 'cplkit approve "
                                                      f"{staged.path}'")
    return Approved(tuple(seen), tuple(kept), tuple(seen.values()))


def publish_staged(folder: Path, signer: Signer, registry_path: Path, *,
                   next_update: dt.timedelta = DEFAULT_NEXT_UPDATE,
                   now: dt.datetime) -> StoredVersion:
    """Issue a staged version of the registry at ``registry_path`` once its approvals allow
    it: signed at ``now``, approvals kept."""
    registry = _registry_of(folder, registry_path)
    staged = read_staged(folder)
    try:
        with registry.edit(staged.base) as tx:
            latest = tx.head.latest
            if (latest.version if latest else None) != staged.base:
                raise RegistryBusy(f"the registry's latest version is now "
                                   f"{latest.version if latest else 'none'}")
            in_force = require_trusted(registry, signer, now)
            check_head(registry, in_force)
            approvals = sorted((folder / APPROVALS).glob("*.p7s"))
            preparation = _small(folder / PREPARATION)
            _check_preparer(staged, preparation, in_force)
            approved = check_approvals(staged, approvals, in_force)
            staged_version = _staged_bytes(staged, VERSION)
            stored = decode_version(staged_version, str(folder / VERSION))
            _require_named(registry, stored, signer)
            version = stored.version
            names = IssuedFiles(staged.version)
            latest_stored = tx.read_latest()
            _refuse_withdrawn(latest_stored, version, in_force)
            previous, _ = previous_files(registry, latest_stored)
            # what was approved, and by whom, is issued with the version and listed in its
            # signed manifest (with the kept rules), so a reader of the site checks it too
            files = tx.files(version)
            for name in staged.files:
                if name != VERSION:
                    _copy_staged(staged, name, files)
            files.add(names.staged_record, staged.record)
            files.add(names.staged_version, staged_version)
            del staged_version  # decoded above: its bytes need not wait for the signing
            files.add(names.preparation, preparation)
            for i, path in enumerate(approved.files, start=1):
                files.add(names.approval(i), _small(path))
            sign_version(files, version, previous, signer, now=now)
            current = signed_statement(version, files.digest(names.dcc_xml), signer,
                                       next_update, now=now)
            tx.issue(version, how="publish", ruleset=stored.made_by.get("ruleset"),
                     ruleset_sha256=str(stored.made_by.get("ruleset_sha256") or ""),
                     sources=[(s["file"], s["sha256"])
                              for s in stored.made_by.get("sources", [])],
                     signer=signer_record(signer), statement=current.data,
                     policy=policy_ref(in_force))
    except RegistryBusy as exc:
        raise RegistryBusy(f"{exc.message} (the staged version was prepared on "
                           f"{staged.base or 'an empty registry'})",
                           hint="prepare it again on the latest version") from None
    assert tx.issued is not None
    shutil.rmtree(folder, ignore_errors=True)
    return tx.issued


def _refuse_withdrawn(latest: StoredVersion | None, version: m.CplVersion,
                      in_force: policy.Policy) -> None:
    """A certificate withdrawn after the version was prepared lists no new entry: the check
    the preparer ran could not know of it (CPL-M09 at a publish), so the approvals do not
    cover it."""
    listed = newly_listed(latest.version if latest else None, version,
                          in_force.record.withdrawn, version.issue_date)
    if listed:
        number, w = listed[0]
        more = f" (and {len(listed) - 1} more)" if len(listed) > 1 else ""
        raise ApprovalError(f"entry {number}{more} would be listed under a withdrawn "
                            f"certificate: {describe(w)}; nothing was issued",
                            hint="prepare the version again without it, and have it approved")


def _check_preparer(staged: Staged, preparation: bytes, in_force: policy.Policy) -> None:
    """The preparation must be signed by the key the record names, an approver's or a signer's
    of the policy in force."""
    try:
        certificate = verify_cms(statement(staged.digest, staged.version, staged.base),
                                 preparation, [*in_force.approver_certificates(),
                                               *in_force.signer_certificates()])
    except (VerificationError, CplkitError) as exc:
        raise ApprovalError(f"the preparer's signature of {staged.path} does not verify "
                            f"({exc.message})", hint="prepare the version again") from None
    if key_sha256(certificate) != staged.preparer or in_force.party(certificate) is None:
        raise ApprovalError("the staged record names another preparer than the one who signed "
                            "it", hint="prepare the version again")


def kept_approvals(registry_path: Path, version: str) -> Approved:
    """Check again, later, the approvals an issued version keeps: the staged record, the
    files issued with the version against the digests approved, the preparer and each
    approval, under the registry's approval policy now."""
    registry = Registry(registry_path)
    stored = registry.read(version)
    names = IssuedFiles(version)
    if names.staged_record not in stored.files:
        raise ApprovalError(f"version {version} was issued without approvals")
    issued_in = registry.path / VERSIONS / version
    staged = _parse_record(registry.file(stored, names.staged_record), issued_in,
                           issued_in / names.staged_record)
    for name, digest in staged.files.items():
        issued = names.staged_version if name == VERSION else name
        if stored.files.get(issued) != digest:
            raise ApprovalError(f"{issued} of version {version} is not the file that was "
                                "approved")
    in_force = policy.require(registry)
    _check_preparer(staged, registry.file(stored, names.preparation), in_force)
    approvals = []
    index = 1
    while names.approval(index) in stored.files:
        registry.file(stored, names.approval(index))  # checked against its recorded digest
        approvals.append(issued_in / names.approval(index))
        index += 1
    return check_approvals(staged, approvals, in_force)


def issued_approvals(version: str, where: Path, read: Callable[[str], bytes | None],
                     chain: Sequence[StoredPolicy],
                     digest_of: Callable[[str], str | None]) -> Approved:
    """Check the approvals a version was issued with, from its issued files as a mirror (a
    site, a registry) holds them: ``read`` gives a file's bytes (None where it is absent),
    ``digest_of`` the SHA-256 an issued file has (its signed manifest's, where it verified:
    a changed file is the manifest's finding, and a restricted one need not be there). The
    staged record must add up to the digest approved, each file must be the one approved, and
    the preparer and the approvals must satisfy the policy record (of ``chain``, verified
    already) the staged version names."""
    names = IssuedFiles(version)

    def required(name: str) -> bytes:
        data = read(name)
        if data is None:
            raise ApprovalError(f"{name} is missing: the approvals of version {version} "
                                "cannot be checked")
        return data

    staged = _parse_record(required(names.staged_record), where, where / names.staged_record)
    for name, digest in staged.files.items():
        issued = names.staged_version if name == VERSION else name
        actual = digest_of(issued)
        if actual != digest:
            raise ApprovalError(f"{issued} of version {version} is not the file that was "
                                "approved" + (" (it is missing)" if actual is None else ""))
    named = decode_version(required(names.staged_version),
                           str(where / names.staged_version)).made_by.get("policy")
    number = named.get("number") if isinstance(named, dict) else None
    if isinstance(named, dict) and isinstance(number, int) and 1 <= number <= len(chain):
        record = chain[number - 1]
        if sha256_hex(record.data) != named.get("sha256"):
            raise ApprovalError(f"version {version} was prepared under policy record {number}, "
                                "which the policy chain given does not hold as it was")
    elif chain:
        record = chain[-1]  # prepared before versions named their policy
    else:
        raise ApprovalError(f"version {version} has approvals but there is no policy to "
                            "check them against")
    in_force = policy.Policy(record.record, sha256_hex(record.data))
    _check_preparer(staged, required(names.preparation), in_force)
    files = {where / name: required(name) for name in names.approvals([*_present(read, names)])
             if name.startswith("approval-")}
    return check_approvals(staged, list(files), in_force, read=files.__getitem__)


def _present(read: Callable[[str], bytes | None], names: IssuedFiles) -> list[str]:
    """The approval files there are, from the first on, until one is missing."""
    found = []
    index = 1
    while read(names.approval(index)) is not None:
        found.append(names.approval(index))
        index += 1
    return found
