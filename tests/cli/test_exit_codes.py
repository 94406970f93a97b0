"""Every exit status docs/exit-codes.md promises, per command, provoked the way a user or a
script would; and the page and these cases agree, so neither can drift from the other."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree

from cplkit.cli import cli
from tests.conftest import ROOT, SAMPLES
from tests.signing.test_attacks import certificate, pem, signed_file

AS_OF = ["--as-of", "2026-11-23"]
VALID = SAMPLES / "valid"
INVALID = SAMPLES / "invalid"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class World:
    """A registry with one published version and the key that signed it, built once; every
    case that changes something works on its own copy."""

    root: Path
    registry: Path
    key: Path
    cert: Path

    @property
    def signing(self) -> list[str]:
        return ["--key", str(self.key), "--cert", str(self.cert)]

    @property
    def dcc(self) -> Path:
        return self.registry / "versions" / "1.0" / "cpl-1.0.xml"

    def copy(self, tmp: Path) -> Path:
        target = tmp / "registry-copy"
        shutil.copytree(self.registry, target)
        return target


def invoke(*args: str | Path, keyless: bool = False) -> tuple[int, str]:
    # keyless: as a user who gave no key at all (the suite's fixture sets CPLKIT_KEY)
    env = {"CPLKIT_KEY": None, "CPLKIT_CERT": None} if keyless else None
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env)
    # an exit status, never an exception escaping the command layer
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("world")
    assert invoke("keygen", "--out", root / "keys")[0] == 0
    key, cert = root / "keys" / "key.pem", root / "keys" / "cert.pem"
    registry = root / "registry"
    assert invoke("init", "-r", registry, "--key", key, "--cert", cert)[0] == 0
    code, out = invoke("publish", "-r", registry, *AS_OF, "--key", key, "--cert", cert,
                       VALID / "bulk-submission.csv")
    assert code == 0, out
    return World(root, registry, key, cert)


Case = Callable[[World, Path], tuple[int, str]]
CASES: dict[tuple[str, int], Case] = {}


def case(command: str, code: int) -> Callable[[Case], Case]:
    def register(function: Case) -> Case:
        CASES[(command, code)] = function
        return function
    return register


# check -------------------------------------------------------------------------------------
case("check", 0)(lambda w, t: invoke("check", *AS_OF, VALID / "form-ppmid.xlsx"))
case("check", 1)(lambda w, t: invoke("check", *AS_OF, INVALID / "V05-unknown-device-type.xlsx"))
case("check", 2)(lambda w, t: invoke("check", "--as-of", "23/11/2026", VALID))


@case("check", 3)
def _check_unreadable(w: World, t: Path) -> tuple[int, str]:
    (t / "broken.xlsx").write_bytes(b"PK\x03\x04 cut short")
    return invoke("check", *AS_OF, t / "broken.xlsx")


case("check", 4)(lambda w, t: invoke("check", *AS_OF, "--rules-of", "1.0", "-r", t / "nowhere",
                                     VALID))
case("check", 7)(lambda w, t: invoke("check", *AS_OF, "-o", t / "no" / "report.txt",
                                     VALID / "form-ppmid.xlsx"))

# codes, template, rules, keygen -----------------------------------------------------------
case("codes", 0)(lambda w, t: invoke("codes"))
case("codes", 2)(lambda w, t: invoke("codes", "--format", "xml"))
case("template", 0)(lambda w, t: invoke("template", "-o", t / "form.xlsx"))
case("template", 2)(lambda w, t: invoke("template", "--bulk", "--removals", "-o", t / "x.csv"))
case("template", 7)(lambda w, t: invoke("template", "-o", t / "no" / "form.xlsx"))
case("rules", 0)(lambda w, t: invoke("rules", "--check", ROOT / "schemas" / "ruleset.json"))
case("rules", 2)(lambda w, t: invoke("rules", "--check", ROOT / "pyproject.toml"))
case("keygen", 0)(lambda w, t: invoke("keygen", "--out", t / "keys"))
case("keygen", 2)(lambda w, t: invoke("keygen", "--out", w.root / "keys"))  # never overwrites


@case("keygen", 7)
def _keygen_into_a_file(w: World, t: Path) -> tuple[int, str]:
    (t / "file").write_text("a file, not a folder")
    return invoke("keygen", "--out", t / "file" / "keys")


# init, import ------------------------------------------------------------------------------
case("init", 0)(lambda w, t: invoke("init", "-r", t / "new", *w.signing))
case("init", 2)(lambda w, t: invoke("init", "-r", w.registry))  # not empty: never overwritten
case("init", 6)(lambda w, t: invoke("init", "-r", t / "new", "--cert", ROOT / "README.md"))


def _workbook(w: World) -> Path:
    return w.registry / "versions" / "1.0" / "cpl-1.0.xlsx"


case("import", 0)(lambda w, t: invoke("import", _workbook(w), "-r", t / "new", *w.signing))
case("import", 2)(lambda w, t: invoke("import", _workbook(w), "-r", w.registry, *w.signing))
case("import", 3)(lambda w, t: invoke("import", t / "none.xlsm", "-r", t / "new", *w.signing))
case("import", 6)(lambda w, t: invoke("import", _workbook(w), "-r", t / "new", keyless=True))

# publish -----------------------------------------------------------------------------------
_FORM = VALID / "form-gas-smart-meter.xlsx"
case("publish", 0)(lambda w, t: invoke("publish", "-r", w.copy(t), *AS_OF, *w.signing, _FORM))
case("publish", 1)(lambda w, t: invoke("publish", "-r", w.copy(t), *AS_OF, *w.signing,
                                       INVALID / "V05-unknown-device-type.xlsx"))
case("publish", 2)(lambda w, t: invoke("publish", "-r", w.registry, *AS_OF, *w.signing))


@case("publish", 3)
def _publish_unreadable(w: World, t: Path) -> tuple[int, str]:
    (t / "changes.xlsx").write_bytes(b"not a workbook")
    return invoke("publish", "-r", w.copy(t), *AS_OF, *w.signing, t / "changes.xlsx")


@case("publish", 4)
def _publish_damaged(w: World, t: Path) -> tuple[int, str]:
    registry = w.copy(t)
    (registry / "registry.json").write_text("{ edited by hand")
    return invoke("publish", "-r", registry, *AS_OF, *w.signing, _FORM)


case("publish", 5)(lambda w, t: invoke("publish", "-r", w.copy(t), *AS_OF, *w.signing,
                                       "--base", "0.9", _FORM))
case("publish", 6)(lambda w, t: invoke("publish", "-r", w.copy(t), *AS_OF, _FORM, keyless=True))


@case("publish", 7)
def _publish_unwritable(w: World, t: Path) -> tuple[int, str]:
    import resource
    import signal

    registry = w.copy(t)
    # a full disk, as the writing process sees it: no file may grow past 4 KiB
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4 << 10, limits[1]))
    try:
        return invoke("publish", "-r", registry, *AS_OF, *w.signing, _FORM)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, handler)


@case("publish", 9)
def _publish_issued_but_no_site(w: World, t: Path) -> tuple[int, str]:
    import os

    registry = w.copy(t)
    # the folder the new site is built in cannot be made: the site fails after the issue
    (t / f".site.building-{os.getpid()}").write_text("in the way")
    code, out = invoke("publish", "-r", registry, *AS_OF, *w.signing, "--site", t / "site",
                       _FORM)
    assert "version 1.1 WAS issued" in out, out
    assert json.loads((registry / "registry.json").read_text())["versions"][-1][
        "version"] == "1.1"
    return code, out


# reading the registry ----------------------------------------------------------------------
for _name, _good, _missing in (("list", ["list"], ["list", "--version", "9.999"]),
                               ("show", ["show", "1"], ["show", "999"]),
                               ("history", ["history"], ["history", "--format", "xml"]),
                               ("diff", ["diff", "1.0", "1.0"], ["diff", "1.0", "9.9"])):
    case(_name, 0)(lambda w, t, a=_good: invoke(*a, "-r", w.registry))
    case(_name, 2)(lambda w, t, a=_missing: invoke(*a, "-r", w.registry))
    case(_name, 4)(lambda w, t, a=_good: invoke(*a, "-r", t / "nowhere"))

case("audit", 0)(lambda w, t: invoke("audit", "-r", w.registry, *AS_OF, "--fail-on", "any"))
# bulk-submission.csv carries a lifetime certificate due for renewal by 2031
case("audit", 1)(lambda w, t: invoke("audit", "-r", w.registry, "--as-of", "2031-01-01",
                                     "--fail-on", "expired"))
case("audit", 2)(lambda w, t: invoke("audit", "-r", w.registry, "--within", "-3"))
case("audit", 4)(lambda w, t: invoke("audit", "-r", t / "nowhere"))
case("report", 0)(lambda w, t: invoke("report", "-r", w.registry, "--year", "2026-27"))
case("report", 2)(lambda w, t: invoke("report", "-r", w.registry, "--year", "2026-28"))
case("report", 4)(lambda w, t: invoke("report", "-r", t / "nowhere"))
case("trust list", 0)(lambda w, t: invoke("trust", "list", "-r", w.registry))
case("trust list", 2)(lambda w, t: invoke("trust", "list", "-r", w.registry, "--all"))
case("trust list", 4)(lambda w, t: invoke("trust", "list", "-r", t / "nowhere"))


@case("trust add", 0)
def _trust_add(w: World, t: Path) -> tuple[int, str]:
    assert invoke("keygen", "--out", t / "next")[0] == 0
    return invoke("trust", "add", t / "next" / "cert.pem", "-r", w.copy(t), "--reason", "rotation",
                  *w.signing)


case("trust add", 2)(lambda w, t: invoke("trust", "add", w.cert, "-r", w.copy(t)))  # no reason
case("trust add", 4)(lambda w, t: invoke("trust", "add", w.cert, "-r", t / "nowhere",
                                         "--reason", "rotation"))
case("trust add", 6)(lambda w, t: invoke("trust", "add", w.key, "-r", w.copy(t),
                                         "--reason", "a key is not a certificate"))


def _while_another_writes(registry: Path, *args: str | Path) -> tuple[int, str]:
    from cplkit.registry.transaction import exclusive_lock

    with exclusive_lock(registry):  # another cplkit is writing
        return invoke(*args)


def _trusting_while_another_writes(w: World, t: Path, command: str) -> tuple[int, str]:
    """``trust add`` or ``trust approver`` of a new certificate while the registry is held."""
    assert invoke("keygen", "--out", t / "new")[0] == 0
    registry = w.copy(t)
    return _while_another_writes(registry, "trust", command, t / "new" / "cert.pem", "-r",
                                 registry, "--reason", "a new key", *w.signing)


case("trust add", 5)(lambda w, t: _trusting_while_another_writes(w, t, "add"))
case("trust approver", 5)(lambda w, t: _trusting_while_another_writes(w, t, "approver"))


@case("trust approvals", 5)
def _trust_approvals_busy(w: World, t: Path) -> tuple[int, str]:
    assert invoke("keygen", "--out", t / "bob")[0] == 0
    registry = w.copy(t)
    assert invoke("trust", "approver", t / "bob" / "cert.pem", "-r", registry, "--reason",
                  "bob approves", *w.signing)[0] == 0
    return _while_another_writes(registry, "trust", "approvals", "1", "-r", registry,
                                 "--reason", "four eyes", *w.signing)


case("names list", 0)(lambda w, t: invoke("names", "list", "-r", w.registry))
case("names list", 2)(lambda w, t: invoke("names", "list", "-r", w.registry, "--format", "xml"))
case("names list", 4)(lambda w, t: invoke("names", "list", "-r", t / "nowhere"))
case("names set", 0)(lambda w, t: invoke("names", "set", "12:3E", "Example Meters Ltd", "-r",
                                         w.copy(t), "--reason", "the maker's letter", *w.signing))
case("names set", 6)(lambda w, t: invoke("names", "set", "12:3E", "Example Meters Ltd", "-r",
                                         w.copy(t), "--reason", "not signed", keyless=True))
case("names set", 2)(lambda w, t: invoke("names", "set", "12:3", "Example Meters Ltd", "-r",
                                         w.copy(t), "--reason", "a typo"))
case("names set", 4)(lambda w, t: invoke("names", "set", "12:3E", "Example", "-r",
                                         t / "nowhere", "--reason", "none"))


@case("names set", 5)
def _names_set_busy(w: World, t: Path) -> tuple[int, str]:
    from cplkit.registry.transaction import exclusive_lock

    registry = w.copy(t)
    with exclusive_lock(registry):  # another cplkit is writing
        return invoke("names", "set", "12:3E", "Example", "-r", registry, "--reason", "busy",
                      *w.signing)


def _withdraw(registry: Path, *extra: str | Path, certificate: str = "NCSC-1500000000-4001",
              keyless: bool = False) -> tuple[int, str]:
    return invoke("certificates", "withdraw", certificate, "-r", registry, "--reason",
                  "NCSC notice", *extra, keyless=keyless)


case("certificates withdraw", 0)(lambda w, t: _withdraw(w.copy(t), *w.signing))
case("certificates withdraw", 2)(lambda w, t: _withdraw(w.copy(t), *w.signing,
                                                        certificate="[R] "))
case("certificates withdraw", 4)(lambda w, t: _withdraw(t / "nowhere", *w.signing))
case("certificates withdraw", 6)(lambda w, t: _withdraw(w.copy(t), keyless=True))


@case("certificates withdraw", 5)
def _withdraw_busy(w: World, t: Path) -> tuple[int, str]:
    from cplkit.registry.transaction import exclusive_lock

    registry = w.copy(t)
    with exclusive_lock(registry):  # another cplkit is writing
        return _withdraw(registry, *w.signing)


def _unwithdraw(registry: Path, *signing: str | Path, certificate: str = "NCSC-1500000000-4001",
               keyless: bool = False) -> tuple[int, str]:
    return invoke("certificates", "unwithdraw", certificate, "-r", registry, "--reason",
                  "recorded by mistake", *signing, keyless=keyless)


def _withdrawn(w: World, t: Path) -> Path:
    registry = w.copy(t)
    assert _withdraw(registry, *w.signing)[0] == 0
    return registry


case("certificates unwithdraw", 0)(lambda w, t: _unwithdraw(_withdrawn(w, t), *w.signing))
case("certificates unwithdraw", 2)(lambda w, t: _unwithdraw(w.copy(t), *w.signing))
case("certificates unwithdraw", 4)(lambda w, t: _unwithdraw(t / "nowhere", *w.signing))
case("certificates unwithdraw", 6)(lambda w, t: _unwithdraw(_withdrawn(w, t), keyless=True))


@case("certificates unwithdraw", 5)
def _unwithdraw_busy(w: World, t: Path) -> tuple[int, str]:
    from cplkit.registry.transaction import exclusive_lock

    registry = _withdrawn(w, t)
    with exclusive_lock(registry):  # another cplkit is writing
        return _unwithdraw(registry, *w.signing)


case("certificates list", 0)(lambda w, t: invoke("certificates", "list", "-r", w.registry))
case("certificates list", 2)(lambda w, t: invoke("certificates", "list", "-r", w.registry,
                                                 "--format", "csv"))
case("certificates list", 4)(lambda w, t: invoke("certificates", "list", "-r", t / "nowhere"))


# verify ------------------------------------------------------------------------------------
def _verify(path: Path, trust: Path, *extra: str | Path) -> tuple[int, str]:
    return invoke("verify", path, "--trust", trust, *extra)


case("verify", 0)(lambda w, t: _verify(w.dcc, w.cert))
case("verify", 2)(lambda w, t: _verify(_workbook(w), w.cert))
case("verify", 3)(lambda w, t: _verify(t / "none.xml", w.cert))


def _altered(w: World, t: Path, change: Callable[[bytes], bytes]) -> Path:
    path = t / "cpl-1.0.xml"
    path.write_bytes(change(w.dcc.read_bytes()))
    return path


@case("verify", 10)
def _verify_entities(w: World, t: Path) -> tuple[int, str]:
    return _verify(_altered(w, t, lambda b: b'<!DOCTYPE x [<!ENTITY e "e">]>' + b), w.cert)


case("verify", 11)(lambda w, t: _verify(_altered(w, t, lambda b: b"<list>nothing</list>"),
                                        w.cert))


@case("verify", 12)
def _verify_unsigned(w: World, t: Path) -> tuple[int, str]:
    tree = etree.fromstring(w.dcc.read_bytes())
    for signature in tree.findall("{http://www.w3.org/2000/09/xmldsig#}Signature"):
        tree.remove(signature)
    return _verify(_altered(w, t, lambda _: etree.tostring(tree)), w.cert)


@case("verify", 13)
def _verify_changed(w: World, t: Path) -> tuple[int, str]:
    return _verify(_altered(w, t, lambda b: b.replace(b"Example Meters", b"Exemple Meters", 1)),
                   w.cert)


@case("verify", 14)
def _verify_untrusted(w: World, t: Path) -> tuple[int, str]:
    assert invoke("keygen", "--out", t / "other")[0] == 0
    return _verify(w.dcc, t / "other" / "cert.pem")


@case("verify", 15)
def _verify_weak_key(w: World, t: Path) -> tuple[int, str]:
    key = rsa.generate_private_key(65537, 1024)
    cert = certificate(key, start=NOW - DAY, end=NOW + DAY)
    return _verify(signed_file(t, key, cert, NOW), pem(t, cert))


@case("verify", 16)
def _verify_signed_after_expiry(w: World, t: Path) -> tuple[int, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = certificate(key, start=NOW - 30 * DAY, end=NOW - 10 * DAY)
    return _verify(signed_file(t, key, cert, NOW - DAY), pem(t, cert))


case("verify", 17)(lambda w, t: _verify(w.dcc, w.cert, "--previous", w.dcc))  # a replay


@case("verify", 18)
def _verify_frozen(w: World, t: Path) -> tuple[int, str]:
    import hashlib

    from cplkit.core.model import VersionNumber
    from cplkit.publications import latest
    from cplkit.signing.signers import load_signer
    from cplkit.signing.xmldsig import sign_xml

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    said = latest.Statement(VersionNumber.parse("1.0"), "cpl-1.0.xml",
                            hashlib.sha256(w.dcc.read_bytes()).hexdigest(), dt.date(2026, 11, 23),
                            now - dt.timedelta(hours=12), now - dt.timedelta(hours=1))
    stale = t / "latest.xml"
    stale.write_bytes(sign_xml(latest.build(said), load_signer(w.key, w.cert, None, None)))
    return _verify(w.dcc, w.cert, "--latest", stale)


@case("verify", 20)
def _verify_foreign_policy(w: World, t: Path) -> tuple[int, str]:
    assert invoke("keygen", "--out", t / "other-keys")[0] == 0
    assert invoke("init", "-r", t / "other", "--key", t / "other-keys" / "key.pem", "--cert",
                  t / "other-keys" / "cert.pem")[0] == 0
    return _verify(w.dcc, w.cert, "--policy", t / "other" / "policy")


@case("verify", 19)
def _verify_rolled_back(w: World, t: Path) -> tuple[int, str]:
    registry = w.copy(t)
    assert invoke("publish", "-r", registry, *AS_OF, *w.signing, _FORM)[0] == 0
    return _verify(registry / "versions" / "1.0" / "cpl-1.0.xml", w.cert, "--latest",
                   registry / "latest.xml")


# four eyes --------------------------------------------------------------------------------
def _made_once(w: World, name: str, make: Callable[[Path], None]) -> Path:
    """The folder ``make`` fills, under the world's root: made by the first case that needs it
    and kept for the module (cases copy it, never change it)."""
    folder = w.root / name
    if not folder.exists():
        building = w.root / f"{name}.building"
        building.mkdir()
        make(building)
        building.rename(folder)
    return folder


def _four_eyes_once(folder: Path, w: World) -> None:
    registry = folder / "registry"
    shutil.copytree(w.registry, registry)
    assert invoke("keygen", "--out", folder / "bob")[0] == 0
    assert invoke("trust", "approver", folder / "bob" / "cert.pem", "-r", registry, "--reason",
                  "bob approves", *w.signing)[0] == 0
    assert invoke("trust", "approvals", "1", "-r", registry, "--reason", "four eyes",
                  *w.signing)[0] == 0


def _copied(folder: Path, t: Path) -> Path:
    """The case's own copy of a folder made once: its registry (as ``World.copy`` names it) and
    bob's keys in ``t / "bob"``."""
    shutil.copytree(folder / "bob", t / "bob")
    target = t / "registry-copy"
    shutil.copytree(folder / "registry", target)
    return target


def _four_eyes(w: World, t: Path) -> Path:
    """A copy of the world's registry that needs one approval, and bob as its approver."""
    return _copied(_made_once(w, "four-eyes", lambda f: _four_eyes_once(f, w)), t)


def _staged_once(folder: Path, w: World) -> None:
    _four_eyes_once(folder, w)
    code, out = invoke("publish", "--prepare", "-r", folder / "registry", *AS_OF, *w.signing,
                       _FORM)
    assert code == 0, out


def _staged(w: World, t: Path) -> tuple[Path, Path]:
    """A copy of ``_four_eyes``'s registry with the gas meter form staged by its signer."""
    registry = _copied(_made_once(w, "staged", lambda f: _staged_once(f, w)), t)
    return registry, next((registry / "staged").iterdir())


def _withdrawn_four_eyes_once(folder: Path, w: World) -> None:
    _four_eyes_once(folder, w)
    # the withdrawal made as it is under four eyes: staged, approved by bob, applied
    registry = folder / "registry"
    assert _withdraw(registry, *w.signing)[0] == 0
    staged = next((registry / "staged").iterdir())
    assert invoke("approve", staged, "--key", folder / "bob" / "key.pem", "--cert",
                  folder / "bob" / "cert.pem")[0] == 0
    assert invoke("trust", "apply", staged, "-r", registry)[0] == 0


def _outsider(t: Path) -> list[str]:
    """A key that is neither an approver nor a signer of the registry."""
    assert invoke("keygen", "--out", t / "eve")[0] == 0
    return ["--key", str(t / "eve" / "key.pem"), "--cert", str(t / "eve" / "cert.pem")]


# under four eyes a policy change is proposed by an approver or a signer, or by no one
case("trust approver", 8)(lambda w, t: invoke(
    "trust", "approver", t / "eve" / "cert.pem", "-r", _four_eyes(w, t), "--reason", "x",
    *_outsider(t)))
case("trust approvals", 8)(lambda w, t: invoke(
    "trust", "approvals", "0", "-r", _four_eyes(w, t), "--reason", "x", *_outsider(t)))
case("trust add", 8)(lambda w, t: invoke(
    "trust", "add", t / "eve" / "cert.pem", "-r", _four_eyes(w, t), "--reason", "x",
    *_outsider(t)))
case("names set", 8)(lambda w, t: invoke(
    "names", "set", "12:3E", "Example", "-r", _four_eyes(w, t), "--reason", "x",
    *_outsider(t)))
case("certificates withdraw", 8)(lambda w, t: _withdraw(_four_eyes(w, t), *_outsider(t)))
case("certificates unwithdraw", 8)(lambda w, t: _unwithdraw(
    _copied(_made_once(w, "withdrawn", lambda f: _withdrawn_four_eyes_once(f, w)), t),
    *_outsider(t)))


case("publish", 8)(lambda w, t: invoke("publish", "-r", _four_eyes(w, t), *AS_OF, *w.signing,
                                       _FORM))
case("approve", 0)(lambda w, t: invoke("approve", _staged(w, t)[1], "--key",
                                       t / "bob" / "key.pem", "--cert", t / "bob" / "cert.pem"))
case("approve", 2)(lambda w, t: invoke("approve", t, "--key", w.key, "--cert", w.cert))
case("approve", 6)(lambda w, t: invoke("approve", _staged(w, t)[1], keyless=True))
case("approve", 8)(lambda w, t: invoke("approve", _staged(w, t)[1], *w.signing))  # preparer
case("staged show", 0)(lambda w, t: invoke("staged", "show", _staged(w, t)[1]))
case("staged show", 2)(lambda w, t: invoke("staged", "show", t))


@case("staged show", 4)
def _staged_show_damaged(w: World, t: Path) -> tuple[int, str]:
    registry, staged = _staged(w, t)
    record = registry / "policy" / "1.json"
    record.write_bytes(record.read_bytes().replace(b'"required": 0', b'"required": 5'))
    return invoke("staged", "show", staged, "-r", registry)


@case("staged show", 8)
def _staged_show_changed(w: World, t: Path) -> tuple[int, str]:
    _, staged = _staged(w, t)
    summary = staged / "staged-summary-1.1.json"
    summary.write_bytes(summary.read_bytes().replace(b"new", b"old"))
    return invoke("staged", "show", staged)


case("trust approver", 0)(lambda w, t: invoke("keygen", "--out", t / "k")[0] or invoke(
    "trust", "approver", t / "k" / "cert.pem", "-r", w.copy(t), "--reason", "alice", *w.signing))
case("trust approver", 6)(lambda w, t: invoke("keygen", "--out", t / "k")[0] or invoke(
    "trust", "approver", t / "k" / "cert.pem", "-r", w.copy(t), "--reason", "alice",
    keyless=True))
case("trust approver", 2)(lambda w, t: invoke("trust", "approver", w.cert, "-r", w.copy(t)))
case("trust approver", 4)(lambda w, t: invoke("trust", "approver", w.cert, "-r", t / "nowhere",
                                              "--reason", "alice"))
case("trust approvals", 0)(lambda w, t: invoke("trust", "approvals", "0", "-r", w.copy(t),
                                               "--reason", "none", *w.signing))
case("trust approvals", 2)(lambda w, t: invoke("trust", "approvals", "3", "-r", w.copy(t),
                                               "--reason", "more than there are", *w.signing))
case("trust approvals", 6)(lambda w, t: invoke("trust", "approvals", "0", "-r", w.copy(t),
                                               "--reason", "not signed", keyless=True))


def _policy_change(w: World, t: Path) -> tuple[Path, Path]:
    """A four-eyes registry with a policy change staged by its signer."""
    registry = _four_eyes(w, t)
    code, out = invoke("names", "set", "12:3E", "Example Meters Ltd", "-r", registry,
                       "--reason", "the maker's letter", *w.signing)
    assert code == 0 and "staged at" in out, out
    return registry, next((registry / "staged").iterdir())


@case("trust apply", 0)
def _trust_apply(w: World, t: Path) -> tuple[int, str]:
    registry, staged = _policy_change(w, t)
    assert invoke("approve", staged, "-r", registry, "--key", t / "bob" / "key.pem", "--cert",
                  t / "bob" / "cert.pem")[0] == 0
    return invoke("trust", "apply", staged, "-r", registry)


@case("trust apply", 2)
def _trust_apply_not_staged(w: World, t: Path) -> tuple[int, str]:
    registry = w.copy(t)
    (registry / "staged" / "policy-0123456789abcdef").mkdir(parents=True)  # nothing in it
    return invoke("trust", "apply", registry / "staged" / "policy-0123456789abcdef",
                  "-r", registry)
@case("trust apply", 8)
def _trust_apply_unapproved(w: World, t: Path) -> tuple[int, str]:
    registry, staged = _policy_change(w, t)  # the proposer alone
    return invoke("trust", "apply", staged, "-r", registry)
case("trust approvals", 4)(lambda w, t: invoke("trust", "approvals", "1", "-r", t / "nowhere",
                                               "--reason", "none"))


# the site and the notice ------------------------------------------------------------------
case("site", 0)(lambda w, t: invoke("site", "-r", w.registry, "--out", t / "site"))


@case("site", 2)
def _site_over_a_folder(w: World, t: Path) -> tuple[int, str]:
    (t / "mine").mkdir()
    (t / "mine" / "notes.txt").write_text("mine")
    return invoke("site", "-r", w.registry, "--out", t / "mine")


case("site", 4)(lambda w, t: invoke("site", "-r", t / "nowhere", "--out", t / "site"))


@case("site", 7)
def _site_unwritable(w: World, t: Path) -> tuple[int, str]:
    (t / "a-file").write_text("not a folder")
    return invoke("site", "-r", w.registry, "--out", t / "a-file" / "site")
_MAIL = ["--from", "cpl@secas.example", "--to", "dcc@dcc.example"]


@case("notify", 0)
def _notify(w: World, t: Path) -> tuple[int, str]:
    from tests.publications.test_site_and_notice import _Inbox
    from tests.smtp_server import smtp_server

    with smtp_server(_Inbox()) as port:
        return invoke("notify", "-r", w.registry, "--smtp", f"127.0.0.1:{port}", *_MAIL)


case("notify", 2)(lambda w, t: invoke("notify", "-r", w.registry, "--smtp", "mailhost", *_MAIL))
case("notify", 4)(lambda w, t: invoke("notify", "-r", t / "nowhere", "--smtp", "127.0.0.1:25",
                                      *_MAIL))


@case("notify", 7)
def _notify_server_down(w: World, t: Path) -> tuple[int, str]:
    from tests.smtp_server import free_port

    return invoke("notify", "-r", w.registry, "--smtp", f"127.0.0.1:{free_port()}", *_MAIL)


# the submissions register and the deliveries to the DCC ------------------------------------
_FROM = ["--from", "Acme Meters <cpl@acme.example>", "--received", "2026-11-23T10:00"]
_ID = "S-2026-0001"


def _received(w: World, t: Path, form: Path = VALID / "form-ppmid.xlsx") -> Path:
    """A copy of the registry with one submission received (S-2026-0001)."""
    registry = w.copy(t)
    code, out = invoke("submissions", "receive", form, "-r", registry, *_FROM)
    assert code == 0, out
    return registry


def _held(registry: Path, *args: str | Path) -> tuple[int, str]:
    """The command run while another cplkit holds the registry's lock."""
    from cplkit.registry.transaction import exclusive_lock

    with exclusive_lock(registry):
        return invoke(*args, "-r", registry)


def _damaged_register(w: World, t: Path) -> Path:
    registry = _received(w, t)
    (registry / "submissions" / "register.json").write_text("{ edited by hand")
    return registry


case("submissions receive", 0)(lambda w, t: invoke(
    "submissions", "receive", _FORM, "-r", w.copy(t), *_FROM))
case("submissions receive", 2)(lambda w, t: invoke(
    "submissions", "receive", _FORM, "-r", w.copy(t), "--from", "not an address"))
case("submissions receive", 3)(lambda w, t: invoke(
    "submissions", "receive", t / "none.xlsx", "-r", w.copy(t), *_FROM))


@case("submissions receive", 4)
def _receive_damaged(w: World, t: Path) -> tuple[int, str]:
    registry = w.copy(t)
    (registry / "registry.json").write_text("{ edited by hand")
    return invoke("submissions", "receive", _FORM, "-r", registry, *_FROM)


case("submissions receive", 5)(lambda w, t: _held(
    w.copy(t), "submissions", "receive", _FORM, *_FROM))
case("submissions list", 0)(lambda w, t: invoke("submissions", "list", "-r", _received(w, t)))
case("submissions list", 2)(lambda w, t: invoke("submissions", "list", "-r", w.registry,
                                                "--status", "lost"))
case("submissions list", 4)(lambda w, t: invoke("submissions", "list", "-r",
                                                _damaged_register(w, t)))
case("submissions show", 0)(lambda w, t: invoke("submissions", "show", _ID, "-r",
                                                _received(w, t)))
case("submissions show", 2)(lambda w, t: invoke("submissions", "show", "S-2026-0999", "-r",
                                                _received(w, t)))


@case("submissions show", 4)
def _show_altered_report(w: World, t: Path) -> tuple[int, str]:
    registry = _received(w, t)
    register = json.loads((registry / "submissions" / "register.json").read_text())
    report = register["submissions"][0]["check"]["report_sha256"]
    (registry / "submissions" / _ID / report).write_text("{}")
    return invoke("submissions", "show", _ID, "-r", registry)


for _verb, _extra in (("return", ["--reason", "CPA certificate missing"]), ("withdraw", [])):
    case(f"submissions {_verb}", 0)(lambda w, t, v=_verb, x=_extra: invoke(
        "submissions", v, _ID, "-r", _received(w, t), *x))
    case(f"submissions {_verb}", 2)(lambda w, t, v=_verb, x=_extra: invoke(
        "submissions", v, "S-2026-0999", "-r", _received(w, t), *x))
    case(f"submissions {_verb}", 4)(lambda w, t, v=_verb, x=_extra: invoke(
        "submissions", v, _ID, "-r", _damaged_register(w, t), *x))
    case(f"submissions {_verb}", 5)(lambda w, t, v=_verb, x=_extra: _held(
        _received(w, t), "submissions", v, _ID, *x))


@case("submissions link", 0)
def _link(w: World, t: Path) -> tuple[int, str]:
    registry = _received(w, t, _FORM)
    # issued without the register's knowledge (as by an older cplkit): the link finds it
    with registry_moved_aside(registry / "submissions"):
        assert invoke("publish", "-r", registry, *AS_OF, *w.signing, _FORM)[0] == 0
    code, out = invoke("submissions", "link", "1.1", "-r", registry)
    assert "S-2026-0001: accepted in 1.1" in out, out
    return code, out


@contextmanager
def registry_moved_aside(folder: Path) -> Iterator[None]:
    """``folder`` out of the registry for the duration (put back as it was)."""
    aside = folder.with_name(folder.name + ".aside")
    folder.rename(aside)
    try:
        yield
    finally:
        aside.rename(folder)


case("submissions link", 2)(lambda w, t: invoke("submissions", "link", "9.9", "-r",
                                                _received(w, t)))


@case("submissions link", 4)
def _link_damaged(w: World, t: Path) -> tuple[int, str]:
    registry = _received(w, t, VALID / "bulk-submission.csv")  # the file 1.0 was made from
    (registry / "submissions" / "register.json").write_text("{ edited by hand")
    return invoke("submissions", "link", "1.0", "-r", registry)


case("submissions link", 5)(lambda w, t: _held(_received(w, t, VALID / "bulk-submission.csv"),
                                               "submissions", "link", "1.0"))


def _returned(w: World, t: Path) -> Path:
    registry = _received(w, t, INVALID / "V05-unknown-device-type.xlsx")
    assert invoke("submissions", "return", _ID, "-r", registry, "--reason", "findings")[0] == 0
    return registry


case("submissions letter", 0)(lambda w, t: invoke("submissions", "letter", _ID, "-r",
                                                  _returned(w, t), "--out", t))
case("submissions letter", 2)(lambda w, t: invoke("submissions", "letter", _ID, "-r",
                                                  _received(w, t), "--out", t))
case("submissions letter", 4)(lambda w, t: invoke("submissions", "letter", _ID, "-r",
                                                  _damaged_register(w, t), "--out", t))


@case("submissions letter", 7)
def _letter_server_down(w: World, t: Path) -> tuple[int, str]:
    from tests.smtp_server import free_port

    return invoke("submissions", "letter", _ID, "-r", _returned(w, t), "--smtp",
                  f"127.0.0.1:{free_port()}", "--from", "cpl@secas.example")


_SENT = ["--to", "DCC", "--reference", "DEL-0001", "--at", "2026-11-24"]
case("delivery record", 0)(lambda w, t: invoke("delivery", "record", "1.0", "-r", w.copy(t),
                                               *_SENT))
case("delivery record", 2)(lambda w, t: invoke("delivery", "record", "9.9", "-r", w.copy(t),
                                               *_SENT))
case("delivery record", 4)(lambda w, t: invoke("delivery", "record", "1.0", "-r",
                                               t / "nowhere", *_SENT))
case("delivery record", 5)(lambda w, t: _held(w.copy(t), "delivery", "record", "1.0", *_SENT))


def _delivered(w: World, t: Path) -> Path:
    registry = w.copy(t)
    assert invoke("delivery", "record", "1.0", "-r", registry, *_SENT)[0] == 0
    return registry


_ACK = ["--reference", "ACK-0001", "--loaded-on", "2026-11-25"]
case("delivery acknowledge", 0)(lambda w, t: invoke("delivery", "acknowledge", "1.0", "-r",
                                                    _delivered(w, t), *_ACK))
case("delivery acknowledge", 2)(lambda w, t: invoke("delivery", "acknowledge", "1.0", "-r",
                                                    w.copy(t), *_ACK))  # never delivered


@case("delivery acknowledge", 4)
def _acknowledge_damaged(w: World, t: Path) -> tuple[int, str]:
    registry = _delivered(w, t)
    (registry / "deliveries.json").write_text("[]")
    return invoke("delivery", "acknowledge", "1.0", "-r", registry, *_ACK)


case("delivery acknowledge", 5)(lambda w, t: _held(_delivered(w, t), "delivery",
                                                   "acknowledge", "1.0", *_ACK))
case("delivery list", 0)(lambda w, t: invoke("delivery", "list", "-r", w.registry))
case("delivery list", 1)(lambda w, t: invoke("delivery", "list", "-r", w.registry,
                                             "--overdue-days", "5", "--as-of", "2026-12-31"))
case("delivery list", 2)(lambda w, t: invoke("delivery", "list", "-r", w.registry,
                                             "--overdue-days", "-1"))
case("delivery list", 4)(lambda w, t: invoke("delivery", "list", "-r", t / "nowhere"))

# refresh -----------------------------------------------------------------------------------
case("refresh", 0)(lambda w, t: invoke("refresh", "-r", w.copy(t), *w.signing))
case("refresh", 2)(lambda w, t: invoke("refresh", "-r", w.copy(t), *w.signing,
                                       "--next-update-days", "0"))
case("refresh", 4)(lambda w, t: invoke("refresh", "-r", t / "nowhere", *w.signing))
case("refresh", 6)(lambda w, t: invoke("refresh", "-r", w.copy(t), keyless=True))

# demo --------------------------------------------------------------------------------------
case("demo", 0)(lambda w, t: invoke("demo", "--out", t / "demo"))


@case("demo", 2)
def _demo_into_a_used_folder(w: World, t: Path) -> tuple[int, str]:
    (t / "demo").mkdir()
    (t / "demo" / "notes.txt").write_text("mine")
    return invoke("demo", "--out", t / "demo")


# --------------------------------------------------------------------------------------------
def documented() -> set[tuple[str, int]]:
    text = (ROOT / "docs" / "exit-codes.md").read_text(encoding="utf-8")
    table = text.split("## Which command returns which")[1].split("\n## ")[0]
    pairs = set()
    for command, codes in re.findall(r"^\| `([a-z ]+)` \| ([0-9, ]+) \|$", table, re.M):
        pairs.update((command, int(c)) for c in codes.split(","))
    return pairs


def test_the_page_and_the_cases_agree() -> None:
    assert documented() == set(CASES)
    commands = {name for name, _ in CASES}
    # every command cplkit has is on the page
    groups = ("trust", "names", "certificates", "staged", "submissions", "delivery")
    listed = {name for name in cli.commands if name not in groups} | {
        f"{group} {sub}" for group in groups
        for sub in cli.commands[group].commands}  # type: ignore[attr-defined]
    assert commands == listed


@pytest.mark.parametrize(("command", "code"), sorted(CASES), ids=str)
def test_exit_status(world: World, tmp_path: Path, command: str, code: int) -> None:
    got, out = CASES[(command, code)](world, tmp_path)
    assert got == code, out
    if code == 6:
        assert "cannot sign" in out or "certificate" in out
    if code not in (0, 1):
        # a refusal says what went wrong in words, never as a traceback
        assert "Traceback" not in out and out.strip()
    if command == "publish" and code != 0:
        assert json.loads((world.registry / "registry.json").read_text())["versions"][-1][
            "version"] == "1.0"
