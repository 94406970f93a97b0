"""Trust, withdrawals, key files and blank files, called directly (``cplkit.app.trust``,
``withdrawals``, ``key_files``, ``blank_files``): each change to the signed policy returns
the record now in force (or staged), and a refused one changes nothing."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path
from typing import Any

import pytest

from cplkit.app import reading, trust, withdrawals
from cplkit.app.blank_files import Template, write_template
from cplkit.app.key_files import make_throwaway_keys, open_signer, read_certificate
from cplkit.core.withdrawn import CertificateKind
from cplkit.errors import SigningError, UsageError
from cplkit.signing.x509 import fingerprint
from tests.conftest import utc_now

TODAY = dt.date(2026, 11, 24)


def test_a_new_registry_trusts_its_signer(tmp_path: Path, identity: Any) -> None:
    trust.init_registry(tmp_path / "new", identity, now=utc_now())
    record = reading.policy(tmp_path / "new")
    assert record.number == 1 and [s.sha256 for s in record.signers] == [identity.fingerprint]


def test_trusting_a_certificate_returns_it_and_the_record(published_registry: Path,
                                                          tmp_path: Path, identity: Any) -> None:
    now = utc_now()
    _, cert = make_throwaway_keys(tmp_path / "next", 30, now=now)
    done = trust.trust_file(published_registry, cert, "rotation", identity, now=now)
    assert done.fingerprint == fingerprint(read_certificate(cert))
    assert done.changed.applied and done.changed.record is not None
    assert done.changed.record.number == 2 and done.changed.record.reason == "rotation"
    assert done.fingerprint in {s.sha256 for s in reading.policy(published_registry).signers}
    # trusted already: nothing to change
    again = trust.trust_file(published_registry, cert, "rotation", identity, now=now)
    assert again.changed.record is None and reading.policy(published_registry).number == 2


def test_an_untrusted_key_changes_nothing(published_registry: Path, tmp_path: Path) -> None:
    key, cert = make_throwaway_keys(tmp_path / "stranger", 30, now=utc_now())
    stranger = open_signer(key, cert, None, None)
    with pytest.raises(SigningError, match="cannot change the policy"):
        trust.trust_file(published_registry, cert, "let me in", stranger, now=utc_now())
    assert reading.policy(published_registry).number == 1


def test_approvers_and_the_threshold_stage_what_follows(published_registry: Path,
                                                        tmp_path: Path, identity: Any) -> None:
    now = utc_now()
    with pytest.raises(UsageError, match="knows 0 approvers"):
        trust.require_approvals(published_registry, 1, "four eyes", identity, now=now)
    _, bob = make_throwaway_keys(tmp_path / "bob", 30, now=now)
    added = trust.add_approver(published_registry, bob, "bob approves", identity, name="Bob",
                               now=now)
    assert added.applied and [a.name for a in added.record.approvers] == ["Bob"]  # type: ignore[union-attr]
    assert trust.require_approvals(published_registry, 1, "four eyes", identity, now=now).applied
    # from now on a policy change is staged for approval, not applied
    made, changed = withdrawals.withdraw(published_registry, "NCSC-1500000000-4001",
                                         CertificateKind.CPA, "NCSC notice", TODAY, identity,
                                         now=now)
    assert made is not None and changed.staged is not None and not changed.applied
    assert changed.staged.is_dir() and reading.policy(published_registry).withdrawn == ()


def test_a_withdrawal_is_recorded_with_the_entries_under_it(published_registry: Path,
                                                            identity: Any) -> None:
    now = utc_now()
    made, changed = withdrawals.withdraw(published_registry, "[r]  NCSC-1500000000-4001",
                                         CertificateKind.CPA, "NCSC notice", TODAY, identity,
                                         now=now)
    assert made is not None and changed.applied
    assert (made.certificate, made.on, made.reason) == ("[R] NCSC-1500000000-4001", TODAY,
                                                         "NCSC notice")
    (recorded,) = withdrawals.recorded(published_registry)
    assert recorded.withdrawal == made
    # the bulk sample's entries that carry it: not the PPMID (000007, no CPA certificate) nor
    # the SMETS1 meter (000008)
    assert recorded.entries == tuple(f"{n:06}" for n in range(1, 7))
    again, _ = withdrawals.withdraw(published_registry, "NCSC-1500000000-4001",
                                    CertificateKind.CPA, "NCSC notice", TODAY, identity, now=now)
    assert again is None
    # the day after the command's reference time is still to come
    with pytest.raises(UsageError, match="still to come"):
        withdrawals.withdraw(published_registry, "NCSC-1500000000-4002", CertificateKind.CPA,
                             "soon", now.date() + dt.timedelta(days=1), identity, now=now)


def test_throwaway_keys_are_the_owners_alone_and_never_overwritten(tmp_path: Path) -> None:
    key, cert = make_throwaway_keys(tmp_path / "keys", 30, now=utc_now())
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert open_signer(key, cert, None, None).fingerprint == fingerprint(read_certificate(cert))
    before = key.read_bytes()
    with pytest.raises(UsageError, match="never overwrites a key"):
        make_throwaway_keys(tmp_path / "keys", 30, now=utc_now())
    assert key.read_bytes() == before


def test_a_blank_file_is_written_once(tmp_path: Path, ruleset: Any) -> None:
    path = tmp_path / "removals.csv"
    write_template(Template.REMOVALS, path, ruleset)
    assert path.read_text(encoding="utf-8").splitlines() == [
        "Entry.number,reason,decision"]
    with pytest.raises(UsageError, match="never overwrites"):
        write_template(Template.REMOVALS, path, ruleset)
