"""Trust: starting a registry, trusting a signing certificate, naming approvers and the
threshold, and refusing a signer the registry does not trust.

Each is a change to the registry's signed policy (``cplkit.app.policy``): trusting a new
certificate is the one deliberate act that allows a new signing key, signed by a key the
registry trusts already (or approved, under four eyes), and recorded with its reason. These
are the library functions behind ``cplkit init`` and ``cplkit trust``; they return records and
never print.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from cplkit.app import policy
from cplkit.app.key_files import read_certificate
from cplkit.core.text import not_one_line, plural, visible
from cplkit.errors import SigningError, UsageError
from cplkit.registry import Registry
from cplkit.registry.codec import Approver, ApproverKey, PolicyRecord, SignerRecord
from cplkit.signing.signers import Signer
from cplkit.signing.x509 import fingerprint, key_sha256, subject

_LONGEST_NAME = 200


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def signer_record(signer: Signer) -> SignerRecord:
    return SignerRecord(signer.subject, signer.fingerprint)


def init_registry(path: Path, signer: Signer | None = None,
                  edit: Callable[[PolicyRecord], PolicyRecord] = lambda r: r, *,
                  now: dt.datetime) -> Registry:
    """A new registry created at ``now``, anchored in a first policy record that trusts
    ``signer``'s certificate (with whatever ``edit`` adds: approvers, a threshold) and is signed
    by it."""
    if signer is not None:
        signer.check_valid(now)
    first = policy.first_record(signer, "trusted when the registry was created", edit, now=now)
    registry = Registry.create(path, now)
    if first is not None:
        registry.append_policy(*first, None)
    return registry


@dataclass(frozen=True, slots=True)
class Trusted:
    """A certificate the registry trusts now (``changed`` says whether this changed it, or
    staged the change for approval)."""

    subject: str
    fingerprint: str
    changed: policy.Changed


def trust_file(registry: Path, certificate_file: Path, reason: str, signer: Signer, *,
               now: dt.datetime) -> Trusted:
    """Trust the certificate in ``certificate_file`` to sign versions (``cplkit trust add``):
    a policy change signed by ``signer``, a signer the registry trusts already (a key rotation
    is signed by the old key) or, under four eyes, staged for approval."""
    certificate = read_certificate(certificate_file)
    changed = policy.change(registry,
                            lambda r: policy.with_signer(r, certificate, reason.strip(), now),
                            signer, reason=reason,
                            change=f"trusts the signing certificate {subject(certificate)}",
                            now=now)
    return Trusted(subject(certificate), fingerprint(certificate), changed)


def approver_name(certificate: x509.Certificate) -> str:
    """The person a certificate names, for an approver given no --name: its whole subject, so
    a renewed certificate of one person is that person again, and two people are two."""
    return subject(certificate)


def with_approver(record: PolicyRecord, certificate: x509.Certificate, name: str,
                  reason: str, now: dt.datetime) -> PolicyRecord:
    """``record`` with ``certificate``'s key an approver key of the person ``name`` (added if
    new, recorded as added at ``now``); unchanged if that key approves already, for anyone."""
    mine = key_sha256(certificate)
    if record.approver_of(mine) is not None:
        return record
    key = ApproverKey(fingerprint(certificate), mine, subject(certificate),
                      now.isoformat(timespec="seconds"), reason,
                      _pem(certificate))
    people = list(record.approvers)
    for i, person in enumerate(people):
        if person.name == name:
            people[i] = Approver(name, (*person.keys, key))
            break
    else:
        people.append(Approver(name, (key,)))
    return replace(record, approvers=tuple(people))


def add_approver(registry: Path, certificate_file: Path, reason: str, signer: Signer,
                 name: str | None = None, *, now: dt.datetime) -> policy.Changed:
    """Let the key of the certificate in ``certificate_file`` approve, for the person ``name``
    (the certificate's subject by default): a renewed key of the same person is that
    person's second key, and the person still counts once."""
    certificate = read_certificate(certificate_file)
    person = (name or approver_name(certificate)).strip()
    problem = not_one_line(person)
    if problem is not None or not person or len(person) > _LONGEST_NAME:
        raise UsageError(f"'{visible(person)}' cannot be an approver's name",
                         hint=f"give plain text of {_LONGEST_NAME} characters or fewer")
    return policy.change(registry,
                         lambda r: with_approver(r, certificate, person, reason.strip(), now),
                         signer, reason=reason, change=f"approver {person} "
                                                       f"({subject(certificate)})", now=now)


def founding(certificates: list[x509.Certificate], approvals: int, *,
             now: dt.datetime) -> Callable[[PolicyRecord], PolicyRecord]:
    """What a new registry's first record (made at ``now``) adds to its signer: these approvers
    (each the person their certificate's subject names) and the threshold."""
    def first(record: PolicyRecord) -> PolicyRecord:
        for certificate in certificates:
            record = with_approver(record, certificate, approver_name(certificate),
                                   "an approver from the start", now)
        if approvals > len(record.approvers):
            named = plural(len(record.approvers), "person", "people")
            needed = plural(approvals, "distinct approver")
            raise UsageError(f"--approvals {approvals} needs {needed}; the certificates name "
                             f"{named}")
        return replace(record, required=approvals)

    return first


def require_approvals(registry: Path, required: int, reason: str,
                      signer: Signer, *, now: dt.datetime) -> policy.Changed:
    """From now on, each version and each policy change needs ``required`` approvals (0:
    publish as before)."""
    def threshold(record: PolicyRecord) -> PolicyRecord:
        if required > len(record.approvers):
            raise UsageError(f"{plural(required, 'approval')} cannot be given: the registry knows "
                             f"{plural(len(record.approvers), 'approver')}",
                             hint="add approvers first: cplkit trust approver CERT")
        return replace(record, required=required)

    return policy.change(registry, threshold, signer, reason=reason,
                         change=f"each version needs {plural(required, 'approval')}", now=now)


def require_trusted(registry: Registry, signer: Signer, now: dt.datetime) -> policy.Policy:
    """The policy in force, if it trusts ``signer`` to sign, whose certificate must be valid
    at ``now``; refused otherwise."""
    signer.check_valid(now)
    current = policy.require(registry)
    if not current.trusts(signer):
        raise SigningError(
            f"the signing certificate {signer.subject} (SHA-256 fingerprint "
            f"{signer.fingerprint}) is not trusted by the registry {registry.path}",
            hint="if this is a deliberate key rotation, run 'cplkit trust add CERT -r "
                 f"{registry.path} --key OLD-KEY --cert OLD-CERT --reason \"...\"' first: "
                 "the key the registry trusts signs the rotation")
    return current
