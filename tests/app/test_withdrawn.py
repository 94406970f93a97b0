"""Withdrawn certificates: ``cplkit certificates withdraw`` records one in the signed policy,
and from then on ``audit`` lists the Current entries under it (and proposes their removal),
while ``check -r`` and ``publish`` (and its dry run) refuse a change that lists an entry under
it (CPL-M09) at the certificate's cell. Only a key the registry trusts records one, and a
withdrawal edited by hand breaks the policy chain (exit 4)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from cplkit.core import model as m
from cplkit.core.audit import audit, proposed_removals
from cplkit.core.changes import (
    CertificateUpdate,
    ChangeSet,
    Correction,
    NewEntry,
    Origin,
    Reinstatement,
)
from cplkit.core.withdrawn import CertificateKind, Withdrawal, listing_findings
from cplkit.forms.new_entry import write_new_entry_form
from cplkit.intake.rulesets import load_ruleset
from cplkit.registry.codec import PolicyRecord, decode_policy, encode_policy
from cplkit.signing.signers import Signer
from tests.conftest import SAMPLES
from tests.conftest import run_cli as run
from tests.core.entries import valid_gas

CERTIFICATE = "[R] NCSC-1500000000-4001"  # every entry of the bulk sample and valid_gas
ISSUED = "2026-11-23"
WITHDRAWN_ON = dt.date(2026, 11, 24)
SAMPLE = [f"{n:06d}" for n in range(1, 7)]  # the bulk sample's six entries


def _withdrawal(certificate: str = "NCSC-1500000000-4001",
                kind: CertificateKind = CertificateKind.CPA,
                on: dt.date = WITHDRAWN_ON) -> Withdrawal:
    return Withdrawal(kind, certificate, on, "NCSC notice 42", "2026-11-24T09:00:00+00:00")


def _entry(number: str, status: str = "Current", cpa: str = CERTIFICATE) -> m.Entry:
    return m.Entry.of({m.ENTRY_NUMBER: number, m.ENTRY_STATUS: status,
                       m.DEVICE_TYPE: "Gas Smart Meter", m.MANUFACTURER_ID: "12:3E",
                       m.MODEL_ID: "20:02", m.CPA_ID: cpa,
                       m.CPA_EXPIRY: dt.date(2030, 8, 30), m.ZSE_ID: "ZIG22001ZSE13000-24"})


@pytest.fixture
def published(published_registry: Path) -> Path:
    """A registry with the bulk sample published on ISSUED: every entry under CERTIFICATE."""
    return published_registry


def _form(folder: Path, firmware: str = "01:02:0C:00", **changes: str) -> Path:
    path = folder / f"form-{firmware.replace(':', '')}.xlsx"
    write_new_entry_form(path, load_ruleset(), [valid_gas(**{
        m.FIRMWARE_VERSION: firmware, m.MODEL_ID: "20:09", **changes})])
    return path


def _withdraw(registry: Path, *extra: str) -> tuple[int, str]:
    # the prefix left out: the same certificate whether an entry writes it [E] or [R]
    return run("certificates", "withdraw", "ncsc-1500000000-4001", "-r", registry, "--reason",
               "NCSC notice 42: the product failed re-assessment", "--on",
               WITHDRAWN_ON.isoformat(), *extra)


def test_a_withdrawal_puts_the_entries_under_it_on_the_audit(published: Path,
                                                              tmp_path: Path) -> None:
    code, before = run("audit", "-r", published, "--as-of", "2026-12-01", "--format", "json",
                       "--fail-on", "expired")
    assert code == 0 and "withdrawn" not in before
    code, out = _withdraw(published)
    assert code == 0 and "withdrawn on 24/11/2026" in out, out
    code, out = run("audit", "-r", published, "--as-of", "2026-12-01", "--format", "json",
                    "--fail-on", "expired")
    found = json.loads(out)
    assert code == 1  # a scheduled job fails on it, as on an expired certificate
    assert [(i["reason"], i["subject"], i["date"], i["entries"]) for i in found] == [
        ("cpa-withdrawn", CERTIFICATE, "2026-11-24", SAMPLE)]
    _, text = run("audit", "-r", published, "--as-of", "2026-12-01")
    assert f"CPA certificate withdrawn: {CERTIFICATE}, 24/11/2026, 6 entries" in text
    # an audit as of a day before the withdrawal does not see it
    assert run("audit", "-r", published, "--as-of", "2026-11-23", "--fail-on",
               "expired")[0] == 0
    proposal = tmp_path / "removals.csv"
    assert run("audit", "-r", published, "--as-of", "2026-12-01", "--propose-removals",
               proposal)[0] == 0
    rows = list(csv.reader(io.StringIO(proposal.read_text())))
    assert [r[0] for r in rows[1:]] == SAMPLE
    assert rows[1][1] == f"CPA certificate {CERTIFICATE} withdrawn on 24/11/2026"
    code, out = run("certificates", "list", "-r", published, "--format", "json")
    assert code == 0
    assert [(r["kind"], r["certificate"], r["on"], r["current_entries"])
            for r in json.loads(out)] == [("cpa", "ncsc-1500000000-4001", "2026-11-24",
                                           SAMPLE)]
    # the same certificate again, as another entry writes it: nothing to record
    code, out = run("certificates", "withdraw", "[E] NCSC-1500000000-4001", "-r", published,
                    "--reason", "again", "--on", "2026-11-24")
    assert code == 0 and "already" in out
    assert len(list((published / "policy").glob("*.json"))) == 2


def test_check_and_publish_refuse_a_new_entry_under_a_withdrawn_certificate(
        published: Path, tmp_path: Path) -> None:
    form = _form(tmp_path)
    assert run("check", "-r", published, "--as-of", "2026-12-01", form)[0] == 0
    assert _withdraw(published)[0] == 0
    code, out = run("check", "-r", published, "--as-of", "2026-12-01", "--format", "json",
                    form)
    assert code == 1, out
    findings = [f for r in json.loads(out)["files"] for f in r["findings"]
                if f["code"] == "CPL-M09"]
    assert len(findings) == 1
    assert findings[0]["field"] == m.CPA_ID and findings[0]["cell"] == "G17"
    assert "withdrawn on 24/11/2026" in findings[0]["message"]
    for dry in (["--dry-run"], []):
        code, out = run("publish", "-r", published, "--as-of", "2026-12-01", *dry, form)
        assert code == 1 and "CPL-M09" in out, out
    assert json.loads((published / "registry.json").read_text())["latest"] == "1.0"
    # before the day it was withdrawn, nothing stops the listing
    assert run("check", "-r", published, "--as-of", "2026-11-23", form)[0] == 0
    # under another certificate, the same model is listed
    other = _form(tmp_path, "01:02:0D:00", **{m.CPA_ID: "[R] NCSC-1500000000-4002"})
    code, out = run("publish", "-r", published, "--as-of", "2026-12-01", other)
    assert code == 0, out


def test_a_certificate_update_to_a_withdrawn_certificate_is_refused(published: Path,
                                                                     tmp_path: Path) -> None:
    assert run("certificates", "withdraw", "[R] NCSC-1500000000-4002", "-r", published,
               "--reason", "NCSC notice 43", "--on", "2026-11-24")[0] == 0
    updates = tmp_path / "updates.csv"
    updates.write_text("CPA_Certificate.identification_number,new_identification_number,"
                       "new_expiry_date,reason\n"
                       f"{CERTIFICATE},[R] NCSC-1500000000-4002,30/08/2031,renewed\n")
    code, out = run("publish", "-r", published, "--as-of", "2026-12-01", "--dry-run", updates)
    assert code == 1 and "CPL-M09" in out and "update to a withdrawn certificate" in out, out


def test_only_a_trusted_key_records_a_withdrawal(published: Path, tmp_path: Path) -> None:
    assert run("keygen", "--out", tmp_path / "other")[0] == 0
    code, out = _withdraw(published, "--key", tmp_path / "other" / "key.pem", "--cert",
                          tmp_path / "other" / "cert.pem")
    assert code == 6, out
    assert len(list((published / "policy").glob("*.json"))) == 1
    code, out = run("certificates", "list", "-r", published, "--format", "json")
    assert code == 0 and json.loads(out) == []


def test_a_withdrawal_edited_by_hand_breaks_the_chain(published: Path) -> None:
    assert _withdraw(published)[0] == 0
    record = published / "policy" / "2.json"
    data = record.read_bytes()
    assert b'"on": "2026-11-24"' in data
    # someone moves the day on, so an audit as of earlier days would miss it
    record.write_bytes(data.replace(b'"on": "2026-11-24"', b'"on": "2027-11-24"'))
    for args in (["certificates", "list"], ["audit", "--as-of", "2026-12-01"],
                 ["check", "--as-of", "2026-12-01", str(SAMPLES / "valid" / "form-ppmid.xlsx")]):
        code, out = run(*args, "-r", published)
        assert code == 4 and "Traceback" not in out, (args, out)


def test_under_four_eyes_a_withdrawal_is_staged(published: Path, tmp_path: Path) -> None:
    assert run("keygen", "--out", tmp_path / "bob")[0] == 0
    bob = ["--key", tmp_path / "bob" / "key.pem", "--cert", tmp_path / "bob" / "cert.pem"]
    assert run("trust", "approver", tmp_path / "bob" / "cert.pem", "-r", published,
               "--reason", "bob approves")[0] == 0
    assert run("trust", "approvals", "1", "-r", published, "--reason", "four eyes")[0] == 0
    code, out = _withdraw(published)
    assert code == 0 and "staged at" in out, out
    staged = next((published / "staged").iterdir())
    code, out = run("certificates", "list", "-r", published, "--format", "json")
    assert json.loads(out) == []  # not in force until approved
    assert run("approve", staged, "-r", published, *bob)[0] == 0
    assert run("trust", "apply", staged, "-r", published)[0] == 0
    code, out = run("certificates", "list", "-r", published, "--format", "json")
    assert [r["certificate"] for r in json.loads(out)] == ["ncsc-1500000000-4001"]


def test_a_withdrawal_names_a_real_certificate_and_a_day_gone_by(published: Path) -> None:
    for certificate, on in (("[R] ", "2026-11-24"), ("NCSC\n1", "2026-11-24"),
                            ("NCSC-1500000000-4001", "2999-01-01")):
        code, out = run("certificates", "withdraw", certificate, "-r", published, "--reason",
                        "x", "--on", on)
        assert code == 2, out
    assert len(list((published / "policy").glob("*.json"))) == 1


def test_a_withdrawal_taken_back_lists_entries_under_the_certificate_again(
        published: Path, tmp_path: Path, identity: Signer) -> None:
    """Recorded by mistake: taken back by a signed record of its own; the entries under the
    certificate are listed again, and the chain keeps both records."""
    from cplkit.app.withdrawals import recorded, take_back
    from tests.conftest import utc_now

    form = _form(tmp_path)
    assert _withdraw(published)[0] == 0
    taken, changed = take_back(published, "[E] NCSC-1500000000-4001", CertificateKind.CPA,
                               "recorded by mistake:  wrong notice", identity, now=utc_now())
    assert taken.certificate == "ncsc-1500000000-4001" and taken.on == WITHDRAWN_ON
    assert changed.record is not None and changed.staged is None
    assert changed.record.withdrawn == () and recorded(published) == []
    latest = decode_policy((published / "policy" / "3.json").read_bytes(), "3.json")
    assert "takes back the withdrawal of CPA certificate ncsc-1500000000-4001" in latest.change
    assert latest.reason == "recorded by mistake: wrong notice"
    assert decode_policy((published / "policy" / "2.json").read_bytes(), "2.json").withdrawn
    code, out = run("check", "-r", published, "--as-of", "2026-12-01", form)
    assert code == 0, out
    code, out = run("audit", "-r", published, "--as-of", "2026-12-01", "--format", "json")
    assert code == 0 and "withdrawn" not in out


def test_a_withdrawal_another_cplkit_took_back_meanwhile_is_not_reported_taken_back(
        published: Path, identity: Signer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Looked up as withdrawn, taken back by someone else before this change is made: exit 2,
    not a report of a change that was never recorded."""
    from cplkit.app import policy, withdrawals
    from cplkit.errors import UsageError
    from cplkit.registry import Registry
    from tests.conftest import utc_now

    assert _withdraw(published)[0] == 0
    stale = policy.record_of(Registry(published))
    withdrawals.take_back(published, CERTIFICATE, CertificateKind.CPA, "first", identity,
                          now=utc_now())
    monkeypatch.setattr(withdrawals.policy, "record_of", lambda _registry: stale)
    with pytest.raises(UsageError, match="not recorded as withdrawn"):
        withdrawals.take_back(published, CERTIFICATE, CertificateKind.CPA, "second", identity,
                              now=utc_now())
    assert len(list((published / "policy").glob("*.json"))) == 3


def test_only_a_recorded_withdrawal_is_taken_back(published: Path) -> None:
    """A certificate never withdrawn, or of another kind: exit 2, and no record is added."""
    assert _withdraw(published)[0] == 0
    for certificate, kind in (("NCSC-1500000000-4002", "cpa"),
                              ("NCSC-1500000000-4001", "zse"), ("[R] ", "cpa")):
        code, out = run("certificates", "unwithdraw", certificate, "-r", published, "--kind",
                        kind, "--reason", "mistake")
        assert code == 2 and "Traceback" not in out, out
    code, out = run("certificates", "unwithdraw", "NCSC-1500000000-4001", "-r", published,
                    "--reason", "two\nlines")
    assert code == 2, out
    assert len(list((published / "policy").glob("*.json"))) == 2


def test_under_four_eyes_taking_a_withdrawal_back_is_staged(published: Path,
                                                            tmp_path: Path) -> None:
    assert _withdraw(published)[0] == 0
    assert run("keygen", "--out", tmp_path / "bob")[0] == 0
    bob = ["--key", tmp_path / "bob" / "key.pem", "--cert", tmp_path / "bob" / "cert.pem"]
    assert run("trust", "approver", tmp_path / "bob" / "cert.pem", "-r", published,
               "--reason", "bob approves")[0] == 0
    assert run("trust", "approvals", "1", "-r", published, "--reason", "four eyes")[0] == 0
    code, out = run("certificates", "unwithdraw", "NCSC-1500000000-4001", "-r", published,
                    "--reason", "recorded by mistake")
    assert code == 0 and "staged at" in out, out
    code, out = run("certificates", "list", "-r", published, "--format", "json")
    assert len(json.loads(out)) == 1  # still withdrawn until approved
    staged = next((published / "staged").iterdir())
    assert run("approve", staged, "-r", published, *bob)[0] == 0
    assert run("trust", "apply", staged, "-r", published)[0] == 0
    code, out = run("certificates", "list", "-r", published, "--format", "json")
    assert json.loads(out) == []


# the pure decisions ------------------------------------------------------------------------
def test_policy_records_without_withdrawals_keep_their_bytes() -> None:
    plain = PolicyRecord(1, None, "2026-11-23T00:00:00+00:00", "first", "because")
    assert b"withdrawn" not in encode_policy(plain)  # so records signed earlier still verify
    with_one = PolicyRecord(2, "0" * 64, "2026-11-24T00:00:00+00:00", "withdraws", "notice",
                            withdrawn=(_withdrawal("ZIG1", CertificateKind.ZSE),))
    assert decode_policy(encode_policy(with_one), "test") == with_one


def test_every_change_that_lists_an_entry_under_a_withdrawn_certificate() -> None:
    current = m.CplVersion(m.VersionNumber(1, 0), dt.date(2026, 11, 1), (
        _entry("000001"), _entry("000002", "Removed"),
        _entry("000003", "Removed", "[E] NCSC-9"),
    ), "")
    origin = Origin("changes.csv", 2, None, {"new_value": "C2", "Entry.number": "A2",
                                             "new_identification_number": "B2"})
    changes = ChangeSet(
        new_entries=(NewEntry(_entry("000009", cpa="[E] NCSC-1500000000-4001"),
                              Origin("form.xlsx", 1, "Sheet1", {m.CPA_ID: "H17"})),),
        updates=(CertificateUpdate("[E] NCSC-9", "[R] ncsc-1500000000-4001", None, "x",
                                   origin),),
        corrections=(Correction("000001", m.ZSE_ID, "ZIG-OLD", "x", origin),),
        reinstatements=(Reinstatement("000002", "x", "SSC", origin),
                        Reinstatement("000003", "x", "SSC", origin)),
    )
    withdrawals = [_withdrawal(), _withdrawal("zig-old", CertificateKind.ZSE)]
    found = listing_findings(changes, current, withdrawals, WITHDRAWN_ON)
    assert [(f.code, f.file, f.cell, f.field) for f in found] == [
        ("CPL-M09", "form.xlsx", "H17", m.CPA_ID),
        ("CPL-M09", "changes.csv", "B2", "new_identification_number"),
        ("CPL-M09", "changes.csv", "C2", "new_value"),
        ("CPL-M09", "changes.csv", "A2", m.ENTRY_NUMBER),  # 000002, still under it
    ]
    # the day before the withdrawal, or with none recorded, nothing is refused
    assert listing_findings(changes, current, withdrawals,
                            WITHDRAWN_ON - dt.timedelta(days=1)) == []
    assert listing_findings(changes, current, [], WITHDRAWN_ON) == []
    # a reinstatement that moves the entry to a new certificate in the same change set passes
    moved = ChangeSet(reinstatements=(Reinstatement("000002", "x", "SSC", origin),),
                      corrections=(Correction("000002", m.CPA_ID, "[R] NCSC-2", "x", origin),))
    assert listing_findings(moved, current, withdrawals, WITHDRAWN_ON) == []


def test_the_audit_proposes_entries_under_a_withdrawn_dlms_or_zse_certificate() -> None:
    version = m.CplVersion(m.VersionNumber(1, 0), dt.date(2026, 11, 1), (
        _entry("000001"), _entry("000002", "Removed")), "")
    items = audit(version, load_ruleset(), dt.date(2026, 12, 1), 0,
                  [_withdrawal("ZIG22001ZSE13000-24", CertificateKind.ZSE)])
    assert [(i.reason, i.subject, i.entries) for i in items] == [
        ("zse-withdrawn", "ZIG22001ZSE13000-24", ("000001",))]
    assert proposed_removals(items) == [
        ("000001", "ZSE certificate ZIG22001ZSE13000-24 withdrawn on 24/11/2026")]


def test_a_version_staged_before_a_withdrawal_is_not_issued_after_it(published: Path,
                                                                     tmp_path: Path) -> None:
    """Prepared and approved while the certificate was good, then the certificate is withdrawn:
    ``publish --staged`` refuses (exit 8), since the preparer's check could not know of it."""
    people = {}
    for who in ("signer", "bob"):
        assert run("keygen", "--out", tmp_path / who)[0] == 0
        people[who] = ["--key", tmp_path / who / "key.pem", "--cert", tmp_path / who / "cert.pem"]
    signer_cert = tmp_path / "signer" / "cert.pem"
    assert run("trust", "add", signer_cert, "-r", published, "--reason", "the signer")[0] == 0
    assert run("trust", "approver", tmp_path / "bob" / "cert.pem", "-r", published,
               "--reason", "bob approves")[0] == 0
    assert run("trust", "approvals", "1", "-r", published, "--reason", "four eyes")[0] == 0
    code, out = run("publish", "--prepare", "-r", published, "--as-of", "2026-11-25",
                    *people["signer"], _form(tmp_path))
    assert code == 0, out
    staged = next(p for p in (published / "staged").iterdir() if not p.name.startswith("policy"))
    code, out = _withdraw(published, *people["signer"])
    withdrawal = next(p for p in (published / "staged").iterdir() if p.name.startswith("policy"))
    assert run("approve", withdrawal, "-r", published, *people["bob"])[0] == 0
    assert run("trust", "apply", withdrawal, "-r", published)[0] == 0
    assert run("approve", staged, "-r", published, *people["bob"])[0] == 0
    code, out = run("publish", "--staged", staged, "-r", published, *people["signer"])
    assert code == 8, out
    assert "entry 000009 would be listed under a withdrawn certificate" in out
    assert "ncsc-1500000000-4001" in out and "nothing was issued" in out
    code, out = run("history", "-r", published, "--format", "json")
    assert [v["version"] for v in json.loads(out)] == ["1.0"]  # nothing issued


def test_only_what_a_version_newly_lists_under_a_withdrawn_certificate_is_its_own() -> None:
    """Entries the list already had under the certificate are the audit's; a new entry, a
    reinstated one and one moved onto the certificate are the version's."""
    from cplkit.core.withdrawn import newly_listed

    before = m.CplVersion(m.VersionNumber.parse("1.0"), dt.date(2026, 11, 23), (
        _entry("000001"), _entry("000002", "Removed"), _entry("000003", cpa="[R] OTHER-1")), "")
    after = m.CplVersion(m.VersionNumber.parse("1.1"), dt.date(2026, 11, 25), (
        _entry("000001"), _entry("000002"), _entry("000003"), _entry("000004"),
        _entry("000005", "Removed")), "")
    listed = newly_listed(before, after, [_withdrawal()], dt.date(2026, 11, 25))
    assert [number for number, _ in listed] == ["000002", "000003", "000004"]
    assert newly_listed(before, after, [_withdrawal()], dt.date(2026, 11, 23)) == []
