"""From submission to the DCC (issue 26): a submission received, checked, returned with a letter
or published and linked to the entries it became, the acceptance letter, the delivery of the
version's DCC file and its acknowledgement, the overdue audit, and the evidence kept off the
site. Every step through the command line, as SECAS would run it."""

from __future__ import annotations

import hashlib
import json
from email import message_from_bytes
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tests.conftest import run_cli as run

GOOD = SAMPLES / "valid" / "form-ppmid.xlsx"
BAD = SAMPLES / "invalid" / "V05-unknown-device-type.xlsx"
SENDER = "Acme Meters <liaison-test@acme.example>"
#: a marker only the evidence holds: it must appear in no public file
EVIDENCE_MARKER = b"CPA-CERTIFICATE-EVIDENCE-7f3a91"


@pytest.fixture
def registry(published_registry: Path) -> Path:
    """Version 1.0 (the bulk sample), issued on 23/11/2026."""
    return published_registry


def receive(registry: Path, *files: Path, evidence: Path | None = None,
            when: str = "2026-11-24T09:30") -> str:
    more = ["--evidence", evidence] if evidence else []
    code, out = run("submissions", "receive", *files, "-r", registry, "--from", SENDER,
                    "--received", when, *more)
    assert code == 0, out
    return out.split(":")[0]


def shown(registry: Path, ident: str) -> dict[str, object]:
    code, out = run("submissions", "show", ident, "-r", registry, "--format", "json")
    assert code == 0, out
    data: dict[str, object] = json.loads(out)
    return data


def test_a_bad_form_is_returned_with_a_letter_listing_its_findings(registry: Path,
                                                                    tmp_path: Path) -> None:
    good, bad = receive(registry, GOOD), receive(registry, BAD)
    assert (good, bad) == ("S-2026-0001", "S-2026-0002")
    # the check made on receipt, with the latest version's rules, as of the day received
    report = shown(registry, bad)
    assert report["status"] == "received"
    assert report["check"] == {"rules_of": "1.0", "ruleset": report["check"]["ruleset"],
                               "ruleset_sha256": report["check"]["ruleset_sha256"],
                               "as_of": "2026-11-24", "entries": 1, "errors": 1,
                               "warnings": 0, "unreadable": 0}
    assert run("submissions", "letter", bad, "-r", registry, "--out", tmp_path)[0] == 2
    code, out = run("submissions", "return", bad, "-r", registry, "--reason",
                    "the device type is not one SECAS lists", "--at", "2026-11-25")
    assert code == 0, out
    assert run("submissions", "return", bad, "-r", registry, "--reason", "again")[0] == 2

    code, out = run("submissions", "letter", bad, "-r", registry, "--out", tmp_path)
    assert code == 0, out
    text = (tmp_path / f"letter-{bad}.txt").read_text()
    for said in ("returned on 25/11/2026", "the device type is not one SECAS lists",
                 "CPL-V05 at CPL - New Entry!G9 (Device_Type.name)",
                 "not one of the allowed values", "Value read: Smart Meter",
                 "What to do: use one of: Communications Hub", "new submission"):
        assert said in text, said
    message = BytesParser(EmailMessage, policy=SMTP).parsebytes(
        (tmp_path / f"letter-{bad}.eml").read_bytes())
    assert message["To"].addresses[0].addr_spec == "liaison-test@acme.example"
    assert "returned" in message["Subject"]
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    assert "G9" in plain.get_content() and "CPL-V05" in html.get_content()
    assert "Smart Meter" in html.get_content()
    # a letter is never written over one already there
    assert run("submissions", "letter", bad, "-r", registry, "--out", tmp_path)[0] == 2

    code, out = run("submissions", "list", "-r", registry, "--status", "returned",
                    "--format", "csv")
    assert code == 0 and out.splitlines()[1].startswith(f"{bad},returned,")


def test_a_published_form_is_linked_to_its_version_and_entry_numbers(
        registry: Path, tmp_path: Path) -> None:
    good = receive(registry, GOOD)
    code, out = run("publish", "-r", registry, "--as-of", "2026-11-26", good)  # by its id
    assert code == 0, out
    # the publish links what it accepted: linking again changes nothing
    assert f"accepted submission {good} in version 1.1" in out, out
    assert "no received submission" in run("submissions", "link", "1.1", "-r", registry)[1]

    record = shown(registry, good)
    assert record["status"] == "accepted"
    assert (record["version"], record["issue_date"], record["entries"]) == (
        "1.1", "2026-11-26", ["000009"])
    code, text = run("submissions", "show", good, "-r", registry)
    assert "in version 1.1" in text
    assert "entries   000009  from form-ppmid.xlsx" in text

    code, out = run("submissions", "letter", good, "-r", registry, "--out", tmp_path,
                    "--base-url", "https://cpl.example/")
    assert code == 0, out
    letter = (tmp_path / f"letter-{good}.txt").read_text()
    # the same number, with the Device Model and firmware it covers, the version and its date
    assert "Version 1.1 Issued on 26-11-2026" in letter and "issued on 26/11/2026" in letter
    assert "000009  Pre-Payment Interface Device" in letter
    assert "model 20:07" in letter and "firmware 01:02:0A:FF" in letter
    assert "https://cpl.example/1.1/" in letter and "cpl-1.1.xml" in letter
    html = BytesParser(EmailMessage, policy=SMTP).parsebytes(
        (tmp_path / f"letter-{good}.eml").read_bytes()).get_body(("html",))
    assert html is not None and "000009" in html.get_content()


def test_only_the_entries_of_each_file_are_credited_to_it(registry: Path) -> None:
    """Two submissions published in one version: each gets the numbers of its own entries."""
    ppmid = receive(registry, GOOD)
    hub = receive(registry, SAMPLES / "valid" / "form-communications-hub.xlsx")
    code, out = run("publish", "-r", registry, "--as-of", "2026-11-26", GOOD,
                    SAMPLES / "valid" / "form-communications-hub.xlsx")
    assert code == 0, out
    assert run("submissions", "link", "1.1", "-r", registry)[0] == 0
    first, second = shown(registry, ppmid)["entries"], shown(registry, hub)["entries"]
    assert first != second and len(first) == len(second) == 1
    code, out = run("list", "-r", registry, "--format", "json")
    by_number = {e["Entry.number"]: e for e in json.loads(out)}
    assert by_number[second[0]]["Device_Type.name"] == "Communications Hub"
    assert by_number[first[0]]["Device_Type.name"] == "Pre-Payment Interface Device"


def test_a_file_still_open_is_not_received_twice_and_ids_run_per_year(registry: Path) -> None:
    receive(registry, GOOD)
    code, out = run("submissions", "receive", GOOD, "-r", registry, "--from", SENDER)
    assert code == 2 and "S-2026-0001" in out
    assert run("submissions", "withdraw", "S-2026-0001", "-r", registry)[0] == 0
    assert receive(registry, GOOD, when="2026-12-31T23:59") == "S-2026-0002"
    assert receive(registry, BAD, when="2027-01-01T00:01") == "S-2027-0001"
    code, out = run("submissions", "list", "-r", registry, "--status", "withdrawn")
    assert out.startswith("S-2026-0001") and len(out.splitlines()) == 1


def test_an_interrupted_receipt_leaves_nothing_a_reader_sees(registry: Path) -> None:
    receive(registry, GOOD)
    folder = registry / "submissions"
    (folder / ".tmp-S-2026-0002-999").mkdir()  # killed while writing its files
    (folder / "S-2026-0002").mkdir()  # killed after the rename, before the register
    (folder / "S-2026-0002" / "stale").write_text("from the write that died")
    assert receive(registry, BAD) == "S-2026-0002"
    assert not (folder / ".tmp-S-2026-0002-999").exists()
    assert not (folder / "S-2026-0002" / "stale").exists()
    assert shown(registry, "S-2026-0002")["check"]["errors"] == 1


def test_a_kept_file_altered_by_hand_is_reported(registry: Path) -> None:
    ident = receive(registry, GOOD)
    digest = hashlib.sha256(GOOD.read_bytes()).hexdigest()
    (registry / "submissions" / ident / digest).write_bytes(b"altered")
    code, out = run("publish", "-r", registry, "--as-of", "2026-11-26", ident)
    assert code == 4 and "altered by hand" in out
    assert not (registry / "versions" / "1.1").exists()
    assert run("publish", "-r", registry, "--as-of", "2026-11-26", GOOD)[0] == 9  # issued,
    code, out = run("submissions", "link", "1.1", "-r", registry)  # but not linked
    assert code == 4 and "altered by hand" in out


def test_a_delivery_and_its_acknowledgement_name_the_dcc_file_as_issued(registry: Path) -> None:
    assert run("publish", "-r", registry, "--as-of", "2026-11-26", GOOD)[0] == 0
    issued = hashlib.sha256((registry / "versions" / "1.1" / "cpl-1.1.xml").read_bytes())
    code, out = run("delivery", "record", "1.1", "-r", registry, "--to", "DCC",
                    "--reference", "DEL-2026-0042", "--via", "SFTP", "--at", "2026-11-26T16:00")
    assert code == 0, out
    code, out = run("delivery", "acknowledge", "1.1", "-r", registry, "--reference",
                    "DCC-ACK-981", "--loaded-on", "2026-11-27")
    assert code == 0, out
    code, out = run("delivery", "list", "-r", registry, "--format", "json")
    assert code == 0, out
    states = {v["version"]: v for v in json.loads(out)}
    latest = states["1.1"]
    assert latest["state"] == "acknowledged"
    assert latest["sha256"] == latest["delivered"]["sha256"] == issued.hexdigest()
    assert latest["delivered"]["reference"] == "DEL-2026-0042"
    assert latest["acknowledged"] == {"reference": "DCC-ACK-981",
                                      "at": latest["acknowledged"]["at"],
                                      "loaded_on": "2026-11-27"}
    assert states["1.0"]["state"] == "not delivered"
    # twice is refused; the registry's record stands
    assert run("delivery", "record", "1.1", "-r", registry, "--to", "DCC", "--reference",
               "again")[0] == 2

    # the audit: 1.0 was never delivered; 1.1 was, and acknowledged
    code, out = run("delivery", "list", "-r", registry, "--overdue-days", "7", "--as-of",
                    "2026-12-10", "--format", "json")
    assert code == 1
    assert [v["version"] for v in json.loads(out.split("\n1 version")[0])] == ["1.0"]
    code, out = run("delivery", "list", "-r", registry, "--overdue-days", "30", "--as-of",
                    "2026-12-10")
    assert code == 0 and "no version" in out


def test_a_delivered_version_not_acknowledged_is_overdue(registry: Path) -> None:
    assert run("delivery", "record", "1.0", "-r", registry, "--to", "DCC", "--reference",
               "DEL-1", "--at", "2026-11-23")[0] == 0
    code, out = run("delivery", "list", "-r", registry, "--overdue-days", "3", "--as-of",
                    "2026-11-30")
    assert code == 1 and out.startswith("1.0") and "delivered 2026-11-23 to DCC" in out


def test_the_audit_flags_a_version_not_delivered(registry: Path) -> None:
    code, out = run("audit", "-r", registry, "--as-of", "2026-11-30", "--delivery-days", "3",
                    "--fail-on", "any")
    assert code == 1 and "not delivered or not acknowledged 3 days after issue" in out, out
    assert "1.0" in out.split("after issue:", 1)[1]
    code, out = run("audit", "-r", registry, "--as-of", "2026-11-24", "--delivery-days", "3",
                    "--fail-on", "expired")
    assert code == 0, out


def test_submissions_evidence_and_letters_are_absent_from_the_site(registry: Path,
                                                                  tmp_path: Path) -> None:
    evidence = tmp_path / "cpa-certificate.pdf"
    evidence.write_bytes(b"%PDF-1.4\n" + EVIDENCE_MARKER + b"\n%%EOF\n")
    good = receive(registry, GOOD, evidence=evidence)
    bad = receive(registry, BAD)
    assert run("submissions", "return", bad, "-r", registry, "--reason", "findings")[0] == 0
    assert run("publish", "-r", registry, "--as-of", "2026-11-26", GOOD)[0] == 0
    assert run("submissions", "link", "1.1", "-r", registry)[0] == 0
    assert run("submissions", "letter", good, "-r", registry, "--out", tmp_path)[0] == 0
    assert (registry / "submissions" / good / hashlib.sha256(evidence.read_bytes()).hexdigest()
            ).read_bytes() == evidence.read_bytes()  # kept in the registry, restricted

    site = tmp_path / "site"
    code, out = run("site", "-r", registry, "--out", site)
    assert code == 0, out
    private = {GOOD.read_bytes(), BAD.read_bytes(), evidence.read_bytes(),
               (tmp_path / f"letter-{good}.eml").read_bytes()}
    secrets = (EVIDENCE_MARKER, b"liaison-test@acme.example", good.encode(), bad.encode(),
               b"cpa-certificate.pdf")
    published = [p for p in site.rglob("*") if p.is_file()]
    # and every public file of every version, wherever it is copied from
    for version in ("1.0", "1.1"):
        from cplkit.publications.filenames import IssuedFiles

        published += [registry / "versions" / version / name
                      for name in IssuedFiles(version).public
                      if (registry / "versions" / version / name).is_file()]
    assert len(published) > 10
    assert not any(p.name.startswith(("S-", "letter-")) or p.name == "register.json"
                   for p in published)
    for path in published:
        data = path.read_bytes()
        assert data not in private, path
        for secret in secrets:
            assert secret not in data, (path, secret)


def test_the_letter_is_sent_to_the_submitter_through_the_notice_smtp_code(
        registry: Path) -> None:
    from tests.publications.test_site_and_notice import _Inbox
    from tests.smtp_server import smtp_server

    ident = receive(registry, BAD)
    assert run("submissions", "return", ident, "-r", registry, "--reason", "findings")[0] == 0
    code, out = run("submissions", "letter", ident, "-r", registry, "--smtp", "127.0.0.1:25",
                    "--from", "cpl@secas.example", "--dry-run")
    assert code == 0 and "To: Acme Meters <liaison-test@acme.example>" in out
    inbox = _Inbox()
    with smtp_server(inbox) as port:
        code, out = run("submissions", "letter", ident, "-r", registry, "--smtp",
                        f"127.0.0.1:{port}", "--from", "SECAS <cpl@secas.example>")
    assert code == 0, out
    (envelope,) = inbox.envelopes
    assert envelope.rcpt_tos == ["liaison-test@acme.example"]
    assert envelope.mail_from == "cpl@secas.example"
    received = message_from_bytes(envelope.content)
    assert received["Message-ID"] and ident in received["Subject"]
    # a login over plain SMTP is refused before anything is sent, as for the notice
    code, out = run("submissions", "letter", ident, "-r", registry, "--smtp",
                    f"127.0.0.1:{port}", "--from", "cpl@secas.example", "--user", "secas")
    assert code == 2 and "encrypted" in out


def test_a_submission_published_from_its_kept_files_is_linked(registry: Path) -> None:
    """What 'publish S-2026-0001' reads: the forms as the register keeps them, whose digests
    the version then records, so the link finds the submission."""
    from cplkit.app.intake_register import kept_forms

    ident = receive(registry, GOOD, evidence=BAD)
    (kept,) = kept_forms(registry, ident)  # the form, not the evidence
    assert kept.read_bytes() == GOOD.read_bytes() and registry in kept.parents
    code, out = run("publish", "-r", registry, "--as-of", "2026-11-26", kept)
    assert code == 0 and f"accepted submission {ident} in version 1.1" in out, out
    assert shown(registry, ident)["entries"] == ["000009"]
    with pytest.raises(Exception, match="accepted"):
        kept_forms(registry, ident)
