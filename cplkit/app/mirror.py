"""Verify a whole mirror: ``cplkit verify --site DIR`` (a copy of the registry's website) and
``cplkit verify --registry R`` (the registry itself), trusting only the certificate given.

Every version's files against its signed manifest (and, in a registry, against the digests its
version.json records); each DCC file's signature and the chain of DCC files, each naming the one
before by SHA-256; the approvals a version was issued with, against the policy record it was
prepared under; the signed policy chain, followed from the pinned certificate
(``cplkit.app.policy.followed``); and freshness: ``latest.xml`` must be signed, not past its
next-update time, and name the newest DCC file there. Every problem is collected, one per
failure, each a ``VerificationError`` with its own exit status; the caller exits with the
highest. A single file is ``cplkit.app.verifying``'s job; this module never prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509

from cplkit.app import policy
from cplkit.app.four_eyes import issued_approvals
from cplkit.app.verifying import read_checked, trusted_from
from cplkit.base.digest import sha256_hex
from cplkit.core import model as m
from cplkit.errors import CplkitError, RegistryError, VerificationError
from cplkit.publications.filenames import IssuedFiles
from cplkit.publications.verify_issued import (
    VerifiedDcc,
    check_chain,
    check_current,
    verify_dcc,
    verify_latest,
    verify_listed_each,
)
from cplkit.registry import Registry, StoredVersion
from cplkit.registry.codec import STATEMENT, VERSIONS
from cplkit.registry.store import StoredPolicy, read_policy_chain
from cplkit.signing.x509 import fail

#: the site's folder of signing certificates (``cplkit.app.website``), which needs no manifest
_SITE_FOLDERS = frozenset({"policy", "certificates"})


@dataclass(frozen=True, slots=True)
class SiteProblem:
    """One thing that does not verify: where (a version, a file, the policy, latest.xml) and
    why, with the failure class that picks the exit status."""

    where: str
    error: VerificationError


@dataclass(slots=True)
class MirrorCheck:
    """What checking a mirror found: the versions it holds, oldest first, the version
    latest.xml names as current (None if it did not verify), and every problem."""

    folder: Path
    kind: str  # "site" or "registry"
    versions: list[str] = field(default_factory=list)
    current: str | None = None
    approved: dict[str, tuple[str, ...]] = field(default_factory=dict)  # version -> people
    problems: list[SiteProblem] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when everything verifies, else the highest status of the problems found."""
        return max((p.error.exit_code for p in self.problems), default=0)

    def add(self, where: str, error: VerificationError) -> None:
        self.problems.append(SiteProblem(where, error))


#: reads one file of a version: its bytes, or None where it is not there
Reader = Callable[[str], bytes | None]


@dataclass(frozen=True, slots=True)
class _Version:
    number: str
    read: Reader
    where: Path
    present: tuple[str, ...]  # the files there (a site's) or recorded (a registry's)
    #: a registry's reader that checks a file against the digest version.json records: what
    #: the manifest does not list is held to that (on a site, it is refused)
    recorded: Reader | None = None


def verify_site(folder: Path, trust: Path, *, now: dt.datetime) -> MirrorCheck:
    """Check a copy of the registry's website (``cplkit site``) in ``folder``, its statement
    of what is current held fresh at ``now``."""
    check = MirrorCheck(folder, "site")
    versions = []
    for path in sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink()
                       and p.name not in _SITE_FOLDERS):
        try:
            number = m.VersionNumber.parse(path.name)
        except ValueError:
            continue
        versions.append((number, path))
    listed = []
    for number, path in sorted(versions):
        names = {p.name for p in path.iterdir()}
        listed.append(_Version(str(number), _site_reader(path), path,
                               tuple(sorted(names))))
    _verify(check, listed, trust, read_policy_chain(folder / "policy"),
            folder / STATEMENT, now)
    return check


def verify_registry(registry_path: Path, trust: Path, *, now: dt.datetime) -> MirrorCheck:
    """Check a registry: what its site would show (its statement fresh at ``now``), and every
    file each version.json records against its digest."""
    check = MirrorCheck(registry_path, "registry")
    registry = Registry(registry_path)
    head = registry.check()
    listed = []
    for record in head.versions:
        where = registry_path / VERSIONS / record.version
        try:
            stored = registry.read(record.version, head=head)
        except RegistryError as exc:
            check.add(f"version {record.version}", fail("signature", exc.message))
            continue
        listed.append(_Version(record.version, _site_reader(where), where,
                               tuple(sorted(stored.files)), _registry_reader(registry, stored)))
    try:
        chain = registry.policy_chain()
    except RegistryError as exc:
        check.add("policy", fail("policy", f"the policy chain cannot be read: {exc.message}"))
        chain = []
    _verify(check, listed, trust, chain, registry_path / STATEMENT, now)
    return check


def _registry_reader(registry: Registry, stored: StoredVersion) -> Reader:
    """A version's issued files, each checked against the digest its version.json records."""
    def read(name: str) -> bytes | None:
        if name not in stored.files:
            return None
        try:
            return registry.file(stored, name)
        except RegistryError as exc:
            raise fail("signature", exc.message, hint="restore the file from a backup; issued "
                                                      "files are never edited") from None
    return read


def _site_reader(folder: Path) -> Reader:
    def read(name: str) -> bytes | None:
        path = folder / name
        if not path.exists() and not path.is_symlink():
            return None
        return read_checked(path, "file")
    return read


def _quiet(read: Reader) -> Reader:
    """A reader whose damaged files read as missing: each was reported once already."""
    def quiet(name: str) -> bytes | None:
        try:
            return read(name)
        except VerificationError:
            return None
    return quiet


def _verify(check: MirrorCheck, versions: Sequence[_Version], trust: Path,
            chain: Sequence[StoredPolicy], statement: Path, now: dt.datetime) -> None:
    pinned = trusted_from(trust)
    trusted: list[x509.Certificate] = list(pinned)
    chain_ok = True
    if chain:
        try:
            trusted = policy.followed(chain, pinned)
        except VerificationError as exc:
            check.add("policy", exc)
            chain_ok = False  # approvals are not judged against a chain that does not verify
    previous: VerifiedDcc | None = None
    for version in versions:
        check.versions.append(version.number)
        dcc = _check_version(check, version, trusted, chain, chain_ok)
        if dcc is not None and previous is not None:
            try:
                check_chain(dcc, previous)
            except VerificationError as exc:
                check.add(f"{version.number}/{IssuedFiles(version.number).dcc_xml}", exc)
        previous = dcc
    _check_fresh(check, statement, trusted, previous if versions else None, now)


def _check_version(check: MirrorCheck, version: _Version, trusted: list[x509.Certificate],
                   chain: Sequence[StoredPolicy], chain_ok: bool) -> VerifiedDcc | None:
    """One version's manifest and listed files, its DCC file and its approvals (unless the
    policy chain did not verify: that is reported once); its DCC file, if it verified."""
    names = IssuedFiles(version.number)
    at = f"{version.number}/"

    def guarded(name: str) -> bytes | None:
        try:
            return version.read(name)
        except CplkitError as exc:
            raise fail("signature", exc.message) from None

    listed: dict[str, str] | None = None  # the signed manifest's digests, once it verified
    manifest = guarded(names.manifest)
    if manifest is None:
        check.add(at + names.manifest, fail("signature", f"version {version.number} has no "
                                            "signed manifest: none of its files can be checked"))
    else:
        try:
            verified, problems = verify_listed_each(
                manifest, trusted, None,
                lambda name: None if (data := guarded(name)) is None else sha256_hex(data),
                f"from version {version.number}")
        except VerificationError as exc:
            check.add(at + names.manifest, exc)
            if version.recorded is not None:  # then each file is held to version.json alone
                for name in version.present:
                    _unlisted(check, version, name)
        else:
            listed = dict(verified.content.files)
            for problem in problems:
                check.add(at + names.manifest, problem)
            for name in version.present:
                if name not in verified.content.files and name != names.manifest:
                    _unlisted(check, version, name)
    dcc: VerifiedDcc | None = None
    data = guarded(names.dcc_xml)
    if data is None:
        check.add(at + names.dcc_xml, fail("signature", "the DCC file is missing"))
    else:
        try:
            dcc = verify_dcc(data, trusted)
            if str(dcc.content.number) != version.number:
                raise fail("chain", f"the DCC file holds version {dcc.content.number}, not "
                           f"{version.number}")
        except VerificationError as exc:
            check.add(at + names.dcc_xml, exc)
            dcc = None
    if guarded(names.staged_record) is not None and chain_ok:
        quiet = _quiet(guarded)

        def digest_of(name: str) -> str | None:
            if listed is not None and name in listed:
                return listed[name]
            data = quiet(name)
            return None if data is None else sha256_hex(data)

        try:
            approved = issued_approvals(version.number, version.where, quiet, chain,
                                        digest_of)
            check.approved[version.number] = approved.people
        except CplkitError as exc:
            check.add(at + names.staged_record, fail(
                "policy", f"version {version.number} is not approved as its policy requires: "
                f"{exc.message}", hint="do not trust this version"))
    return dcc


def _unlisted(check: MirrorCheck, version: _Version, name: str) -> None:
    """A file of ``version`` its signed manifest does not vouch for: on a site, nothing does;
    in a registry, the digest its version.json records must hold."""
    where = f"{version.number}/{name}"
    if version.recorded is None:
        check.add(where, fail("signature", f"{name} is not listed in the signed manifest: "
                              "nothing vouches for it", hint="do not use this file"))
        return
    try:
        version.recorded(name)
    except VerificationError as exc:
        check.add(where, exc)


def _check_fresh(check: MirrorCheck, path: Path, trusted: list[x509.Certificate],
                 newest: VerifiedDcc | None, now: dt.datetime) -> None:
    """latest.xml: there, signed, fresh at ``now``, and naming the newest DCC file of the
    mirror."""
    if not path.exists() and not path.is_symlink():
        check.add(STATEMENT, fail("stale", f"there is no {STATEMENT}: nothing says which "
                                  "version is current, so newer ones may be withheld (a "
                                  "freeze)", hint="get latest.xml from the publisher"))
        return
    try:
        statement = verify_latest(read_checked(path, STATEMENT), trusted, now)
        check.current = str(statement.content.version)
        if newest is not None:
            check_current(newest, statement)
    except VerificationError as exc:
        check.add(STATEMENT, exc)
    except CplkitError as exc:
        check.add(STATEMENT, fail("malformed", exc.message))
