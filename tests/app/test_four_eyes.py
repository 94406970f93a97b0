"""Four eyes: a registry that requires approvals issues a version only when enough approvers
other than its preparer approved exactly the staged content. Each attack fails for its own
reason, and nothing is issued."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from cplkit.app.four_eyes import kept_approvals
from tests.conftest import SAMPLES, utc_now, xmlsec1_verify
from tests.conftest import run_cli as run

FORM = SAMPLES / "valid" / "form-ppmid.xlsx"
OTHER_FORM = SAMPLES / "valid" / "form-gas-smart-meter.xlsx"



@dataclass(frozen=True)
class People:
    root: Path

    def keys(self, who: str) -> list[str]:
        return ["--key", str(self.root / who / "key.pem"), "--cert",
                str(self.root / who / "cert.pem")]

    def cert(self, who: str) -> Path:
        return self.root / who / "cert.pem"


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> People:
    root = tmp_path_factory.mktemp("people")
    for who in ("signer", "preparer", "alice", "bob", "mallory"):
        assert run("keygen", "--out", root / who)[0] == 0
    return People(root)


@pytest.fixture
def registry(tmp_path: Path, people: People) -> Path:
    path = tmp_path / "registry"
    code, out = run("init", "-r", path, *people.keys("signer"),
                    *(arg for who in ("preparer", "alice", "bob")
                      for arg in ("--approver", people.cert(who))), "--approvals", "2")
    assert code == 0 and "each version needs 2 approvals from 3 approvers" in out, out
    return path


@pytest.fixture(scope="module")
def _prepared(tmp_path_factory: pytest.TempPathFactory, people: People) -> Path:
    """A registry needing 2 approvals with the PPMID form staged by the preparer as 1.0: made
    once for this module."""
    path = tmp_path_factory.mktemp("prepared") / "registry"
    code, out = run("init", "-r", path, *people.keys("signer"),
                    *(arg for who in ("preparer", "alice", "bob")
                      for arg in ("--approver", people.cert(who))), "--approvals", "2")
    assert code == 0, out
    prepare(path, people)
    return path


@pytest.fixture
def prepared(tmp_path: Path, _prepared: Path) -> tuple[Path, Path]:
    """This test's own copy of that registry (tmp_path/registry), and its staged folder, as
    ``registry`` then ``prepare(registry, people)`` leave them."""
    registry = tmp_path / "registry"
    shutil.copytree(_prepared, registry, symlinks=True)
    (staged,) = (registry / "staged").iterdir()
    return registry, staged


def prepare(registry: Path, people: People, form: Path = FORM) -> Path:
    code, out = run("publish", "--prepare", "-r", registry, "--as-of", "2026-11-23",
                    *people.keys("preparer"), form)
    assert code == 0, out
    staged = Path(out.split(" at ", 1)[1].split("\n", 1)[0])
    assert staged.is_dir() and not (registry / "versions" / "1.0").exists()
    return staged


def approve(staged: Path, people: People, who: str) -> tuple[int, str]:
    return run("approve", staged, *people.keys(who))


def issue(staged: Path, registry: Path, people: People) -> tuple[int, str]:
    return run("publish", "--staged", staged, "-r", registry, *people.keys("signer"))


def nothing_issued(registry: Path) -> bool:
    return not (registry / "versions" / "1.0").exists()


def test_prepare_approve_publish(registry: Path, people: People) -> None:
    code, out = run("publish", "-r", registry, *people.keys("signer"), FORM)
    assert code == 8 and "requires 2 approvals before" in out  # one person cannot publish alone
    staged = prepare(registry, people)
    assert approve(staged, people, "alice")[0] == 0
    assert approve(staged, people, "bob")[0] == 0
    code, out = issue(staged, registry, people)
    assert code == 0 and "issued Version 1.0" in out, out
    assert not staged.exists()
    version = registry / "versions" / "1.0"
    assert xmlsec1_verify(version / "cpl-1.0.xml", people.cert("signer")).returncode == 0
    # the approvals are kept with the version, and check out again later
    approved = kept_approvals(registry, "1.0")
    assert len(approved.people) == 2
    assert {c.subject for c in approved.certificates} == {
        c.subject for c in (approved.certificates[0], approved.certificates[1])}
    code, out = run("verify", version / "cpl-1.0.xml", "--latest", registry / "latest.xml",
                    "--trust", people.cert("signer"))
    assert code == 0, out


def _fingerprint(people: People, who: str) -> str:
    from cplkit.signing.x509 import fingerprint, load_certificates

    return fingerprint(load_certificates(people.cert(who).read_bytes(), who)[0])


def test_a_staged_page_names_the_certificates_trusted_to_sign(prepared: tuple[Path, Path],
                                                              people: People) -> None:
    """Who signs a staged version is chosen after its page and notice are approved: they name
    every certificate trusted to sign when it was prepared, and a signer trusted only since then
    is refused, so what the approvers approved stays true (issue 23)."""
    registry, staged = prepared
    signer = _fingerprint(people, "signer")
    for name in ("cpl-1.0.html", "notice-1.0.txt"):
        text = (staged / name).read_text()
        assert "one of the certificates the registry trusted to sign" in text, name
        assert f"SHA-256 fingerprint <code>{signer}</code>" in text or \
            f"SHA-256 fingerprint {signer}\n" in text, name
    for who in ("alice", "bob"):
        assert approve(staged, people, who)[0] == 0
    # mallory's certificate is trusted to sign after the version was prepared
    code, out = run("trust", "add", people.cert("mallory"), "--reason", "rotation", "-r",
                    registry, *people.keys("preparer"))
    change = staged_from(out)
    for who in ("alice", "bob"):
        assert run("approve", change, "-r", registry, *people.keys(who))[0] == 0
    assert run("trust", "apply", change, "-r", registry)[0] == 0
    code, out = run("publish", "--staged", staged, "-r", registry, *people.keys("mallory"))
    assert code == 8 and "not one of them" in out and nothing_issued(registry), out
    code, out = issue(staged, registry, people)
    assert code == 0, out


def test_the_preparer_cannot_approve(prepared: tuple[Path, Path], people: People) -> None:
    registry, staged = prepared
    code, out = approve(staged, people, "preparer")
    assert code == 8 and "prepared this version" in out and "four eyes" in out
    # nor by slipping a signature of theirs in among the approvals
    assert approve(staged, people, "alice")[0] == 0
    from cplkit.app.four_eyes import read_staged, statement
    from cplkit.signing.cms import sign_cms
    from cplkit.signing.signers import load_signer

    made = read_staged(staged)
    preparer = load_signer(people.root / "preparer" / "key.pem", people.cert("preparer"), None,
                           None)
    (staged / "approvals" / "mine.p7s").write_bytes(
        sign_cms(statement(made.digest, made.version, made.base), preparer,
                 now=utc_now()))
    code, out = issue(staged, registry, people)
    assert code == 8 and "an approval by the preparer" in out and nothing_issued(registry)


def test_one_approval_from_one_approver_reads_in_the_singular(tmp_path: Path,
                                                             people: People) -> None:
    """Counts of one read "1 approval", "1 approver" (once "approval(s)", "approver(s)")."""
    path = tmp_path / "registry"
    code, out = run("init", "-r", path, *people.keys("signer"), "--approver",
                    people.cert("alice"), "--approvals", "1")
    assert code == 0 and "each version needs 1 approval from 1 approver" in out, out
    code, out = run("publish", "-r", path, *people.keys("signer"), FORM)
    assert code == 8 and "requires 1 approval before" in out, out


def test_two_approvals_by_one_key_count_once(prepared: tuple[Path, Path], people: People) -> None:
    registry, staged = prepared
    assert approve(staged, people, "alice")[0] == 0
    code, out = approve(staged, people, "alice")
    assert code == 2 and "has approved this staged version already" in out
    first = next((staged / "approvals").iterdir())
    shutil.copyfile(first, staged / "approvals" / "copy.p7s")
    code, out = issue(staged, registry, people)
    assert code == 8 and "approvals by the same person" in out and nothing_issued(registry)


def test_an_approval_of_other_content_does_not_count(registry: Path, people: People) -> None:
    other = prepare(registry, people, OTHER_FORM)
    assert approve(other, people, "bob")[0] == 0
    staged = prepare(registry, people)
    assert approve(staged, people, "alice")[0] == 0
    shutil.copyfile(next((other / "approvals").iterdir()), staged / "approvals" / "bob.p7s")
    code, out = issue(staged, registry, people)
    assert code == 8 and "is not an approval of this staged content" in out
    assert nothing_issued(registry)


def test_a_staged_file_changed_after_approval(prepared: tuple[Path, Path], people: People) -> None:
    registry, staged = prepared
    assert approve(staged, people, "alice")[0] == 0
    assert approve(staged, people, "bob")[0] == 0
    extract = staged / "cpl-1.0.csv"
    extract.write_bytes(extract.read_bytes().replace(b"Current", b"Current "))
    code, out = issue(staged, registry, people)
    assert code == 8 and "cpl-1.0.csv changed after it was staged" in out
    assert nothing_issued(registry)


def test_a_file_swapped_after_its_check_is_never_signed(prepared: tuple[Path, Path], people: People,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Replaced between the check of the staged files and their signing: refused, because
    the bytes signed are the bytes whose digest is checked."""
    from cplkit.app import four_eyes

    registry, staged = prepared
    assert approve(staged, people, "alice")[0] == 0
    assert approve(staged, people, "bob")[0] == 0
    checked = four_eyes.read_staged

    def then_swapped(folder: Path) -> four_eyes.Staged:
        found = checked(folder)
        extract = folder / "cpl-1.0.csv"
        extract.write_bytes(extract.read_bytes().replace(b"Current", b"Current "))
        return found

    monkeypatch.setattr(four_eyes, "read_staged", then_swapped)
    code, out = issue(staged, registry, people)
    assert code == 8 and "cpl-1.0.csv changed after it was staged" in out
    assert nothing_issued(registry)


def test_too_few_approvals_and_an_outsider(prepared: tuple[Path, Path], people: People) -> None:
    registry, staged = prepared
    assert approve(staged, people, "alice")[0] == 0
    code, out = issue(staged, registry, people)
    assert code == 8 and "1 of the 2 approvals" in out
    code, out = approve(staged, people, "mallory")
    assert code == 8 and "is not an approver" in out
    assert nothing_issued(registry)


def test_a_staged_version_the_registry_moved_past(registry: Path, people: People) -> None:
    first, second = prepare(registry, people), prepare(registry, people, OTHER_FORM)
    for staged in (first, second):
        for who in ("alice", "bob"):
            assert approve(staged, people, who)[0] == 0
    assert issue(first, registry, people)[0] == 0
    code, out = issue(second, registry, people)
    assert code == 5 and "prepare it again on the latest version" in out
    assert not (registry / "versions" / "1.1").exists()


def test_without_a_threshold_publishing_works_as_before(tmp_path: Path, people: People) -> None:
    registry = tmp_path / "plain"
    assert run("init", "-r", registry, *people.keys("signer"))[0] == 0
    code, out = run("publish", "-r", registry, *people.keys("signer"), FORM)
    assert code == 0, out


def test_a_staged_record_that_names_files_elsewhere(prepared: tuple[Path, Path],
                                                    people: People) -> None:
    """A staged folder may come from elsewhere: a record naming a file outside it, or one
    larger than any cplkit writes, is refused before anything is read through it."""
    import json

    registry, staged = prepared
    record = staged / "staged.json"
    doc = json.loads(record.read_text())
    doc["files"]["../../registry.json"] = doc["files"].pop("cpl-1.0.csv")
    record.write_text(json.dumps(doc))
    code, out = approve(staged, people, "alice")
    assert code == 8 and "names a file outside the staged folder" in out
    record.write_bytes(b" " * (2 << 20))
    code, out = approve(staged, people, "alice")
    assert code == 8 and "larger than" in out and nothing_issued(registry)


def test_a_staged_folder_in_a_copy_never_issues_into_the_registry_named(
        registry: Path, people: People, tmp_path: Path) -> None:
    """Whoever copies the registry can make themselves its only approver; the production key
    must not then sign the copy's staged version chained to the real list."""
    copy = tmp_path / "copy"
    shutil.copytree(registry, copy)
    staged = prepare(copy, people)
    code, out = issue(staged, registry, people)
    assert code == 8 and "is not staged in the registry" in out, out
    assert nothing_issued(registry) and nothing_issued(copy)
    code, out = run("approve", staged, "-r", registry, *people.keys("alice"))
    assert code == 8 and "is not staged in the registry" in out, out
    assert not any((staged / "approvals").iterdir())


# -- the policy itself under four eyes (issue: one person cannot bend the signed record) -------
def policy_files(registry: Path) -> list[str]:
    return sorted(p.name for p in (registry / "policy").iterdir())


def staged_from(out: str) -> Path:
    return Path(out.split("staged at ", 1)[1].split("\n", 1)[0])


@pytest.mark.parametrize("command", [
    ["trust", "approvals", "0", "--reason", "faster"],
    ["trust", "approver", "{mallory}", "--reason", "mine"],
    ["trust", "add", "{mallory}", "--reason", "mine"],
    ["names", "set", "10:6C", "Forged Meters Ltd", "--reason", "mine"],
])
def test_the_preparer_alone_cannot_change_the_policy_by_any_command(
        registry: Path, people: People, command: list[str]) -> None:
    """Each change is only staged; the preparer's own approval does not count, and applying it
    without the threshold is refused: the policy in force is unchanged."""
    before = policy_files(registry)
    args = [str(people.cert("mallory")) if a == "{mallory}" else a for a in command]
    code, out = run(*args, "-r", registry, *people.keys("preparer"))
    assert code == 0 and "staged at" in out, out
    staged = staged_from(out)
    assert policy_files(registry) == before
    code, out = run("approve", staged, "-r", registry, *people.keys("preparer"))
    assert code == 8 and "once" in out, out
    code, out = run("trust", "apply", staged, "-r", registry)
    assert code == 8 and "needs 2 approvers besides" in out, out
    code, out = run("approve", staged, "-r", registry, *people.keys("mallory"))
    assert code == 8 and "is not an approver" in out
    assert policy_files(registry) == before
    code, out = run("trust", "list", "-r", registry)
    assert code == 0 and "needs 2 approvals" in out


def test_a_policy_change_applies_with_the_threshold(registry: Path, people: People) -> None:
    code, out = run("trust", "approvals", "1", "--reason", "holiday cover", "-r", registry,
                    *people.keys("preparer"))
    staged = staged_from(out)
    for who in ("alice", "bob"):
        code, out = run("approve", staged, "-r", registry, *people.keys(who))
        # whoever approves is shown what the change does before signing it
        assert code == 0 and "approvals needed: 2 -> 1" in out and "holiday cover" in out, out
    code, out = run("trust", "apply", staged, "-r", registry)
    assert code == 0 and "policy record 2 is in force" in out, out
    assert "needs 1 approval" in run("trust", "list", "-r", registry)[1]


@pytest.mark.tampered
@pytest.mark.parametrize("edit", ["threshold", "approver", "swap", "drop"])
def test_a_hand_edit_of_the_policy_is_refused_by_every_reading_command(
        registry: Path, people: People, tmp_path: Path, edit: str) -> None:
    record = registry / "policy" / "1.json"
    import json

    doc = json.loads(record.read_text())
    if edit == "threshold":
        doc["required"] = 0
        record.write_text(json.dumps(doc))
    elif edit == "approver":
        mallory = people.cert("mallory").read_text()
        doc["approvers"].append({"name": "Mallory", "keys": [
            {**doc["approvers"][0]["keys"][0], "pem": mallory}]})
        record.write_text(json.dumps(doc))
    else:
        staged = prepare(registry, people)
        for who in ("alice", "bob"):
            assert approve(staged, people, who)[0] == 0
        assert issue(staged, registry, people)[0] == 0
        shutil.rmtree(registry / "policy")
        if edit == "swap":
            # a whole policy of the attacker's, well signed by the attacker's own key
            other = tmp_path / "other"
            assert run("init", "-r", other, *people.keys("mallory"))[0] == 0
            shutil.copytree(other / "policy", registry / "policy")
    for command in (["trust", "list"], ["names", "list"],
                    ["publish", "--prepare", "--as-of", "2026-11-23", *people.keys("preparer"),
                     str(OTHER_FORM)]):
        code, out = run(*command, "-r", registry)
        assert code == 4, (command, out)
        assert "by hand" in out or "damaged" in out, out


# -- whoever signs sees what they sign (issue 23, item 6) ----------------------------------------
def test_the_preparer_and_every_approver_are_shown_what_they_sign(prepared: tuple[Path, Path],
                                                                  people: People) -> None:
    """prepare, approve (before it signs) and staged show print the same summary: the
    findings, the diff entry by entry, the rules and the history line; the version is
    then issued with what was shown and every approval, all listed in its signed manifest."""
    registry, first = prepared
    for who in ("alice", "bob"):
        assert approve(first, people, who)[0] == 0
    assert issue(first, registry, people)[0] == 0
    code, prepared = run("publish", "--prepare", "-r", registry, "--as-of", "2026-11-24",
                         *people.keys("preparer"), OTHER_FORM)
    assert code == 0, prepared
    staged = Path(prepared.split(" at ", 1)[1].split("\n", 1)[0])
    for shown in ("Staged: Version 1.1 Issued on 24-11-2026 (after 1.0)",
                  "Findings: 0 errors", "Changes: 1 added, 0 removed, 0 amended",
                  "+ 000002 Gas Smart Meter", "Rules: unchanged", "History line:",
                  "One new SMETS2 device model added"):
        assert shown in prepared, (shown, prepared)
    summary = prepared.split("staged version 1.1", 1)[0]
    code, approved = approve(staged, people, "alice")
    assert code == 0 and approved.startswith(summary), approved  # shown before it is signed
    code, out = run("staged", "show", staged, "-r", registry)
    assert code == 0 and out.startswith(summary), out
    assert "approved by:" in out and "(1 of 2 needed)" in out
    assert approve(staged, people, "bob")[0] == 0
    assert issue(staged, registry, people)[0] == 0
    version = registry / "versions" / "1.1"
    manifest = (version / "manifest-1.1.xml").read_text()
    for name in ("staged-1.1.json", "staged-summary-1.1.json", "staged-version-1.1.json",
                 "preparation-1.1.p7s", "approval-1.1-1.p7s", "approval-1.1-2.p7s",
                 "ruleset.json"):
        assert f'name="{name}"' in manifest, name
    code, out = run("verify", version / "manifest-1.1.xml", "--trust", people.cert("signer"))
    assert code == 0, out
    assert len(kept_approvals(registry, "1.1").people) == 2


def test_a_summary_swapped_after_staging_is_refused(prepared: tuple[Path, Path],
                                                    people: People) -> None:
    """The summary is one of the staged files the digest covers: an approver is never shown
    one the preparer did not stage."""
    import json

    registry, staged = prepared
    summary = staged / "staged-summary-1.0.json"
    doc = json.loads(summary.read_text())
    doc["changes"] = "Nothing of note."
    summary.write_text(json.dumps(doc))
    code, out = approve(staged, people, "alice")
    assert code == 8 and "staged-summary-1.0.json changed after it was staged" in out
    code, out = run("staged", "show", staged, "-r", registry)
    assert code == 8 and "Nothing of note" not in out
    assert not any((staged / "approvals").iterdir())


def test_an_approval_signs_only_the_content_that_was_shown(prepared: tuple[Path, Path],
                                                           people: People) -> None:
    from cplkit.app.four_eyes import approve as approve_staged
    from cplkit.errors import ApprovalError
    from cplkit.signing.signers import load_signer

    registry, staged = prepared
    alice = load_signer(people.root / "alice" / "key.pem", people.cert("alice"), None, None)
    with pytest.raises(ApprovalError, match="changed while it was shown to you"):
        approve_staged(staged, alice, registry, digest="0" * 64, now=utc_now())
    assert not any((staged / "approvals").iterdir())
