"""The registry's policy, anchored in signatures: who may sign versions, who may approve them,
how many approvals are needed, and the names register, as a chain of signed records.

As python-tuf anchors a repository in its root metadata, a registry is anchored in its first
policy record, signed by the signing key it trusts. Every later record names the SHA-256 of the
one before and must be signed as that one requires:

- when it requires no approvals, by one of its signers (so a key rotation is signed by the old
  key, and a reader who pinned only the first certificate can follow it);
- when it requires N approvals, by N approvers (people: one person counts once, whichever of
  their keys signs) and one more party, the proposer: no one changes the policy alone.

Every command that reads the policy walks the whole chain first (``current``): an edited record,
a forged or missing signature, a gap, or a chain that does not hold the policy the latest version
was issued under is exit 4. A change is built, signed and checked by the same rule a reader
applies before it is written (``change``); under four eyes it is staged instead, approved with
``cplkit approve`` and applied with ``cplkit trust apply``. This module decides what counts; the
registry stores the records and ``cplkit.signing.cms`` makes and checks the signatures.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from cryptography import x509

from cplkit.base.digest import sha256_hex
from cplkit.base.files import read_small
from cplkit.core.text import plural
from cplkit.errors import (
    ApprovalError,
    RegistryBusy,
    RegistryError,
    SigningError,
    UsageError,
    VerificationError,
)
from cplkit.registry import Registry
from cplkit.registry.codec import PolicyRecord, decode_policy, encode_policy
from cplkit.registry.store import StoredPolicy
from cplkit.signing.cms import sign_cms, verify_cms
from cplkit.signing.signers import Signer
from cplkit.signing.x509 import fingerprint, key_sha256, load_certificates

#: where a registry keeps what waits for approval: staged versions and policy changes
STAGED = "staged"
#: a staged policy change: staged/policy-<digest>/ with these files
PROPOSAL_PREFIX = "policy-"
RECORD = "policy.json"
PROPOSAL = "proposal.p7s"
APPROVALS = "approvals"
_SMALL = 64 << 10


@dataclass(frozen=True, slots=True)
class Policy:
    """The policy in force: the latest record of a chain that verified, and its digest."""

    record: PolicyRecord
    sha256: str

    @property
    def number(self) -> int:
        return self.record.number

    def signer_certificates(self) -> list[x509.Certificate]:
        return [_certificate(t.pem) for t in self.record.signers]

    def approver_certificates(self) -> list[x509.Certificate]:
        return [_certificate(k.pem) for a in self.record.approvers for k in a.keys]

    def trusts(self, signer: Signer) -> bool:
        return signer.fingerprint in {t.sha256 for t in self.record.signers}

    def party(self, certificate: x509.Certificate) -> str | None:
        """Who ``certificate`` is under this policy: an approver (by name: one person, one
        party, whichever key) or a signer (by fingerprint); None if neither."""
        person = self.record.approver_of(key_sha256(certificate))
        if person is not None:
            return f"approver {person.name}"
        if fingerprint(certificate) in {t.sha256 for t in self.record.signers}:
            return f"signer {fingerprint(certificate)}"
        return None


#: the policy of a registry with no record yet: it trusts no one and needs no approvals
EMPTY = PolicyRecord(0, None, "", "", "")


def _certificate(pem: str) -> x509.Certificate:
    return load_certificates(pem.encode(), "the policy record")[0]


# -- reading --------------------------------------------------------------------------------------
def current(registry: Registry) -> Policy | None:
    """The policy in force, after the whole chain verified from its first record; None for a
    registry that has none yet (created without a signing certificate)."""
    chain = registry.policy_chain()
    try:
        in_force = verify_chain(chain)
    except ApprovalError as exc:
        raise RegistryError(f"{exc.message} of {registry.path}: it was written by hand, or "
                            "forged", hint="restore the registry from a backup; change the "
                                           "policy only with cplkit's commands") from None
    _check_versions_policy(registry, chain)
    return in_force


def verify_chain(chain: Sequence[StoredPolicy]) -> Policy | None:
    """The last record of ``chain`` once every record follows the one before (by digest) and
    is signed as that one requires; ``ApprovalError`` naming the first record that is not."""
    previous: Policy | None = None
    for stored in chain:
        where = f"policy record {stored.record.number}"
        if stored.record.previous != (previous.sha256 if previous else None):
            raise ApprovalError(f"{where} does not follow the record before it (a record was "
                                "replaced or removed)")
        try:
            authorise(previous.record if previous else None, stored.record, stored.data,
                      stored.signatures)
        except ApprovalError as exc:
            raise ApprovalError(f"{where} is not signed as the policy before it requires: "
                                f"{exc.message}") from None
        previous = Policy(stored.record, sha256_hex(stored.data))
    return previous


def followed(chain: Sequence[StoredPolicy],
             pinned: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """What a reader who pinned only ``pinned`` (the original signing certificate, or its CA)
    trusts after following ``chain``: every signing certificate the chain has trusted, once
    the chain verified and its first record is signed by a certificate ``pinned`` vouches
    for. A forged, unapproved or foreign step raises ``VerificationError`` ("policy")."""
    try:
        in_force = verify_chain(chain)
    except ApprovalError as exc:
        raise VerificationError("policy", f"the policy chain does not verify: {exc.message}",
                                hint="do not trust a key this chain names") from None
    if in_force is None:
        raise VerificationError("policy", "the policy folder holds no policy record",
                                hint="give the policy/ folder of the registry's site")
    first = chain[0]
    if not any(_parties(Policy(first.record, ""), first.data, first.signatures, list(pinned))):
        raise VerificationError("policy", "the policy chain does not start from the pinned "
                                "certificate: its first record is not signed by a key --trust "
                                "vouches for", hint="this chain belongs to another registry")
    seen: dict[str, x509.Certificate] = {}
    for stored in chain:
        for signer in stored.record.signers:
            seen.setdefault(signer.sha256, _certificate(signer.pem))
    return [*pinned, *seen.values()]


def _check_versions_policy(registry: Registry, chain: Sequence[StoredPolicy]) -> None:
    """The latest version names the policy it was issued under: the chain must still hold
    that very record (a chain replaced or cut back below it is refused)."""
    head = registry.head()
    if head.latest is None:
        return
    named = registry.made_by(head=head).get("policy")
    if not isinstance(named, Mapping):
        if not chain:
            raise RegistryError(f"the registry {registry.path} holds versions but no policy "
                                "record: its policy was removed by hand",
                                hint="restore the registry from a backup")
        return
    number, digest = named.get("number"), named.get("sha256")
    if not isinstance(number, int) or not 1 <= number <= len(chain) or \
            sha256_hex(chain[number - 1].data) != digest:
        raise RegistryError(f"the latest version was issued under policy record {number}, which "
                            f"the registry {registry.path} no longer holds as it was: the policy "
                            "was replaced or cut back by hand",
                            hint="restore the registry from a backup")


def require(registry: Registry) -> Policy:
    """The policy in force; a registry without one cannot sign or approve anything."""
    policy = current(registry)
    if policy is None:
        raise SigningError(f"the registry {registry.path} trusts no certificate yet",
                           hint=f"trust one first: cplkit trust add CERT -r {registry.path} "
                                "--key KEY --cert CERT --reason \"...\"")
    return policy


def record_of(registry: Registry) -> PolicyRecord:
    """The policy record in force (an empty one for a registry without any)."""
    policy = current(registry)
    return policy.record if policy else EMPTY


# -- what a signature counts for ------------------------------------------------------------------
def authorise(previous: PolicyRecord | None, record: PolicyRecord, data: bytes,
              signatures: Mapping[str, bytes]) -> None:
    """Whether ``signatures`` over ``data`` (``record``'s bytes) let ``record`` follow
    ``previous`` (None: it is the first); ``ApprovalError`` saying what is missing if not."""
    if previous is None or not previous.signers:
        # the anchor, or the first record to name a signer: its own signer signs it
        if not record.signers:
            if record.approvers or record.required:
                raise ApprovalError("a policy that trusts no signing certificate cannot name "
                                    "approvers or require approvals")
            return
        anchor = Policy(record, "")
        if not _parties(anchor, data, signatures, anchor.signer_certificates()):
            raise ApprovalError("it is not signed by a signing certificate it trusts")
        return
    policy = Policy(previous, "")
    parties = _parties(policy, data, signatures,
                       [*policy.signer_certificates(), *policy.approver_certificates()])
    if previous.required == 0:
        if not any(p.startswith("signer ") for p in parties):
            raise ApprovalError("it is not signed by a signing certificate the policy before it "
                                "trusts")
        return
    approvers = {p for p in parties if p.startswith("approver ")}
    if len(approvers) < previous.required or len(parties) < previous.required + 1:
        raise ApprovalError(f"it needs {plural(previous.required, 'approver')} besides whoever "
                            f"proposed it, and carries {plural(len(approvers), 'approver')} "
                            f"among {plural(len(parties), 'signing party', 'signing parties')}")


def _parties(policy: Policy, data: bytes, signatures: Mapping[str, bytes],
             certificates: list[x509.Certificate]) -> set[str]:
    """The distinct parties of ``policy`` whose valid signatures over ``data`` are among
    ``signatures``; a signature by anyone else, or over other bytes, counts for nothing."""
    parties: set[str] = set()
    for signature in signatures.values():
        try:
            certificate = verify_cms(data, signature, certificates)
        except VerificationError:
            continue
        party = policy.party(certificate)
        if party is not None:
            parties.add(party)
    return parties


# -- changing it ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Changed:
    """A policy change: applied (the record now in force), staged for approval, or nothing to
    do (the policy says so already)."""

    record: PolicyRecord | None
    staged: Path | None = None

    @property
    def applied(self) -> bool:
        return self.record is not None and self.staged is None


def next_record(base: Policy | None, edit: Callable[[PolicyRecord], PolicyRecord], *,
                change: str, reason: str, now: dt.datetime) -> tuple[PolicyRecord, bytes] | None:
    """The record ``edit`` makes of the policy in force, numbered and chained after it and made
    at ``now``, and its bytes; None if it changes nothing."""
    before = base.record if base else EMPTY
    edited = edit(before)
    if edited == before:
        return None
    record = replace(edited, number=before.number + 1,
                     previous=base.sha256 if base else None,
                     made=now.isoformat(timespec="seconds"), change=change,
                     reason=reason)
    data = encode_policy(record)
    decode_policy(data, "the policy record as built")  # never write what a read would refuse
    return record, data


def change(registry_path: Path, edit: Callable[[PolicyRecord], PolicyRecord], signer: Signer,
           *, change: str, reason: str, now: dt.datetime) -> Changed:
    """Make the change ``edit`` describes at ``now``: signed by ``signer`` and written when the
    policy in force needs no approvals; staged for approval when it does."""
    if not reason.strip():
        raise UsageError("say why with --reason: it is recorded in the policy")
    registry = Registry(registry_path)
    base = current(registry)
    made = next_record(base, edit, change=change, reason=reason.strip(), now=now)
    if made is None:
        return Changed(None)
    record, data = made
    signer.check_valid(now)
    signatures = {_signature_name(signer): sign_cms(data, signer, now=now)}
    if base is not None and base.record.required:
        return Changed(record, _stage(registry, base, data, signatures[_signature_name(signer)],
                                      signer))
    try:
        authorise(base.record if base else None, record, data, signatures)
    except ApprovalError as exc:
        raise SigningError(f"{signer.subject} cannot change the policy of {registry.path}: "
                           f"{exc.message}",
                           hint="sign with a signing certificate the registry trusts") from None
    registry.append_policy(data, signatures, base.sha256 if base else None)
    return Changed(record)


def first_record(signer: Signer | None, reason: str,
                 edit: Callable[[PolicyRecord], PolicyRecord] = lambda r: r, *,
                 now: dt.datetime) -> tuple[bytes, dict[str, bytes]] | None:
    """The anchor of a new registry, made at ``now``: trusting ``signer``'s certificate (and
    whatever ``edit`` adds), signed by it; None without a signer."""
    if signer is None:
        return None
    made = next_record(None, lambda r: edit(with_signer(r, signer.certificate, reason, now)),
                       change="the registry's first policy", reason=reason, now=now)
    assert made is not None  # a signer was added
    record, data = made
    signatures = {_signature_name(signer): sign_cms(data, signer, now=now)}
    authorise(None, record, data, signatures)
    return data, signatures


def with_signer(record: PolicyRecord, certificate: x509.Certificate,
                reason: str, now: dt.datetime) -> PolicyRecord:
    """``record`` trusting ``certificate`` to sign versions too, from ``now``."""
    from cryptography.hazmat.primitives import serialization

    from cplkit.registry.codec import TrustRecord
    from cplkit.signing.x509 import subject

    if fingerprint(certificate) in {t.sha256 for t in record.signers}:
        return record
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    return replace(record, signers=(*record.signers, TrustRecord(
        fingerprint(certificate), subject(certificate), now.isoformat(timespec="seconds"),
        reason, pem)))


def _signature_name(signer: Signer) -> str:
    return f"{key_sha256(signer.certificate)[:16]}.p7s"


# -- four eyes for the policy ---------------------------------------------------------------------
def _stage(registry: Registry, base: Policy, data: bytes, proposal: bytes,
           proposer: Signer) -> Path:
    if base.party(proposer.certificate) is None:
        raise ApprovalError(f"{proposer.subject} is neither an approver nor a signer of the "
                            f"registry {registry.path}, so it cannot propose a policy change")
    folder = registry.path / STAGED / f"{PROPOSAL_PREFIX}{sha256_hex(data)[:16]}"
    if folder.exists():
        raise UsageError(f"this policy change is staged already: {folder}")
    temporary = folder.with_name(f".tmp-{folder.name}-{os.getpid()}")
    (temporary / APPROVALS).mkdir(parents=True)
    (temporary / RECORD).write_bytes(data)
    (temporary / PROPOSAL).write_bytes(proposal)
    temporary.rename(folder)
    return folder


def is_proposal(folder: Path) -> bool:
    return folder.name.startswith(PROPOSAL_PREFIX) and (folder / RECORD).is_file()


@dataclass(frozen=True, slots=True)
class Proposal:
    """A staged policy change: where, the record and its bytes, and every signature so far."""

    folder: Path
    record: PolicyRecord
    data: bytes
    signatures: dict[str, bytes]


def staged_in(folder: Path, registry_path: Path | None = None) -> Registry:
    """The registry ``folder`` is staged in (a version or a policy change), which must be
    ``registry_path`` when one is given: a staged folder in a copy of the registry (whose
    approvers anyone could have set) never issues into, or is approved for, another
    registry."""
    if folder.parent.name != STAGED:
        raise UsageError(f"{folder} is not in a registry's {STAGED}/ directory",
                         hint="name the directory cplkit printed when it staged the change")
    holder = folder.parent.parent
    if registry_path is not None:
        try:
            same = holder.resolve(strict=True) == registry_path.resolve(strict=True)
        except OSError:
            same = False
        if not same:
            raise ApprovalError(f"{folder} is not staged in the registry {registry_path} but in "
                                f"{holder}: what is staged belongs to the registry it was "
                                "staged in", hint=f"name a folder under {registry_path / STAGED}")
    return Registry(holder)


def read_proposal(folder: Path, registry_path: Path | None) -> tuple[Registry, Proposal]:
    """A staged policy change of the registry at ``registry_path`` (refused if it is staged in
    any other), with its proposer's and approvers' signatures."""
    registry = staged_in(folder, registry_path)
    data = read_small(folder / RECORD, _SMALL << 8, UsageError, "the staged policy record")
    record = decode_policy(data, str(folder / RECORD))
    signatures = {PROPOSAL: read_small(folder / PROPOSAL, _SMALL, ApprovalError,
                                       "the proposal's signature")}
    approvals = folder / APPROVALS
    for path in sorted(approvals.glob("*.p7s"))[:200] if approvals.is_dir() else []:
        signatures[path.name] = read_small(path, _SMALL, ApprovalError, "the approval")
    return registry, Proposal(folder, record, data, signatures)


def approve_proposal(folder: Path, approver: Signer, registry_path: Path | None, *,
                     now: dt.datetime) -> Path:
    """Sign a staged policy change at ``now`` as an approver of the policy in force (never its
    proposer, never one person twice); returns the approval's file."""
    registry, proposal = read_proposal(folder, registry_path)
    base = require(registry)
    party = base.party(approver.certificate)
    if party is None or not party.startswith("approver "):
        raise ApprovalError(f"{approver.subject} is not an approver of the registry "
                            f"{registry.path}")
    before = _parties(base, proposal.data, proposal.signatures,
                      [*base.signer_certificates(), *base.approver_certificates()])
    if party in before:
        raise ApprovalError(f"{party.removeprefix('approver ')} has signed this policy change "
                            "already (as its proposer, or with another key): one person counts "
                            "once", hint="ask another approver")
    approver.check_valid(now)
    path = folder / APPROVALS / _signature_name(approver)
    write_new(path, sign_cms(proposal.data, approver, now=now))
    return path


def apply_proposal(folder: Path, registry_path: Path) -> PolicyRecord:
    """Write a staged policy change once the policy in force allows it: checked exactly as
    every later read checks it."""
    registry, proposal = read_proposal(folder, registry_path)
    base = require(registry)
    if proposal.record.previous != base.sha256 or proposal.record.number != base.number + 1:
        raise RegistryBusy(f"the policy changed since {folder} was staged; nothing was changed",
                           hint="stage the change again")
    authorise(base.record, proposal.record, proposal.data, proposal.signatures)
    registry.append_policy(proposal.data, proposal.signatures, base.sha256)
    shutil.rmtree(folder, ignore_errors=True)
    return proposal.record


def write_new(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all, never over an existing file: an interrupted write
    leaves a temporary file, never an empty approval that blocks the next one."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise UsageError(f"{path} exists already: this approval was given") from None
    finally:
        temporary.unlink(missing_ok=True)


def what_changes(before: PolicyRecord, after: PolicyRecord) -> list[str]:
    """What ``after`` changes in the policy ``before``, one line each, as whoever approves it
    reads it before signing."""
    lines = [f"policy record {after.number}: {after.change} (why: {after.reason})"]
    trusted = {t.sha256 for t in before.signers}
    lines.extend(f"trusts to sign: {t.subject} (SHA-256 {t.sha256})"
                 for t in after.signers if t.sha256 not in trusted)
    lines.extend(f"no longer trusts to sign: {t.subject} (SHA-256 {t.sha256})"
                 for t in before.signers if t.sha256 not in {a.sha256 for a in after.signers})
    keys = {k.key_sha256 for a in before.approvers for k in a.keys}
    for person in after.approvers:
        lines.extend(f"approver {person.name}: key {k.subject} (key SHA-256 {k.key_sha256})"
                     for k in person.keys if k.key_sha256 not in keys)
    if after.required != before.required:
        lines.append(f"approvals needed: {before.required} -> {after.required}")
    lines.extend(f"names {n.manufacturer_id} {n.company or '(no name)'}"
                 for n in after.names[len(before.names):])
    lines.extend(f"withdraws the {w.kind.value.upper()} certificate {w.certificate} from "
                 f"{w.on:%d/%m/%Y}"
                 for w in after.withdrawn[len(before.withdrawn):])
    return lines


def proposal_changes(folder: Path, registry_path: Path | None) -> list[str]:
    """What a staged policy change would change in the policy in force (refused if it was
    staged on another record: nobody approves a change to a policy that is gone)."""
    registry, proposal = read_proposal(folder, registry_path)
    base = require(registry)
    if proposal.record.previous != base.sha256 or proposal.record.number != base.number + 1:
        raise RegistryBusy(f"the policy changed since {folder} was staged; nothing was changed",
                           hint="stage the change again")
    return what_changes(base.record, proposal.record)
