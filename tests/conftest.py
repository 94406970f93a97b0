"""Shared fixtures: the bundled ruleset, an as-of date, and helpers that build raw entries."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from cplkit.core import model as m
from cplkit.core.ruleset import Ruleset
from cplkit.core.validate import Checked, Validator
from cplkit.intake.rulesets import load_ruleset, validate_ruleset_data

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
#: the real SECAS workbook: CPLKIT_REAL_WORKBOOK names it from anywhere; by default it is looked
#: for beside the project, where the team's machines keep it
REAL_WORKBOOK = Path(os.environ.get("CPLKIT_REAL_WORKBOOK")
                     or ROOT.parent / "shared" / "data" / "secas-cpl-v2.051.xlsm")
AS_OF = dt.date(2026, 11, 23)


def utc_now() -> dt.datetime:
    """The time a test hands a use case that takes one: cplkit's commands read the clock, and
    everything below them is told the time."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)

#: whole modules kept out of the inner loop (`pytest -m "not slow"`), each for what makes it
#: slow: they start many processes, a real token, git or bash. Plain `pytest` (CI) runs them all.
#: Elsewhere the command line runs in the test's own process (``run_cli``); a test that needs a
#: process of its own (killed, under a limit, another user) marks itself `slow`, saying which
#: faster test covers the same ground in the inner loop.
SLOW_MODULES = {
    "tests/registry/test_registry.py": "spawns `python -m cplkit` for every step, killing some",
    "tests/test_docs_examples.py": "runs every documented example in bash",
    "tests/cli/test_demo.py": "runs `cplkit demo` as a user would",
    "tests/test_pre_commit.py": "installs and runs the pre-commit hook in a git repository",
    "tests/signing/test_token.py": "signs through SoftHSM in `python -m cplkit` processes",
    "tests/test_environments.py": "runs cplkit under limits and as another user",
}
#: markers that make a test slow wherever it is: a real browser, a real spreadsheet program, the
#: real SECAS workbook
SLOW_MARKERS = ("browser", "office", "realdata")


#: hypothesis in the inner loop: a fifth of each property's examples (``examples``); plain
#: `pytest` (CI) runs the full count. Built on whatever profile is loaded (hypothesis loads its
#: "ci" one under CI=1), so only the count differs.
hypothesis_settings.register_profile("inner-loop", parent=hypothesis_settings.default,
                                     max_examples=20)


def pytest_configure(config: pytest.Config) -> None:
    """`pytest -m "not slow"` is the inner loop: it loads the inner-loop hypothesis profile,
    unless --hypothesis-profile names one."""
    if "not slow" in (config.getoption("markexpr", "") or "") and \
            not config.getoption("hypothesis_profile", None):
        hypothesis_settings.load_profile("inner-loop")


def examples(full: int) -> int:
    """How many examples a property of ``full`` examples runs: all of them under hypothesis'
    default profile (100 examples), in proportion under another (the inner loop's 20)."""
    return max(10, full * hypothesis_settings.default.max_examples // 100)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the slow families `slow`, so `pytest -m "not slow"` is the inner loop."""
    for item in items:
        # a fixture named `browser` hands the test a Chromium driver
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
        module = item.path.relative_to(ROOT).as_posix()
        if module in SLOW_MODULES or any(item.get_closest_marker(name)
                                         for name in SLOW_MARKERS):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def ruleset() -> Ruleset:
    return load_ruleset()


@pytest.fixture
def ruleset_data() -> dict[str, Any]:
    """A fresh, editable copy of the bundled ruleset's JSON."""
    return copy.deepcopy(json.loads((ROOT / "schemas" / "ruleset.json").read_text()))


def form_entry(values: Mapping[str, m.RawValue], ruleset: Ruleset) -> m.RawEntry:
    """A raw entry as the New Entry form would give it: every field on its SECAS row, column G."""
    positions = {name: 7 + i for i, name in enumerate(ruleset.fields)}
    placement = m.Placement("CPL - New Entry", m.Orientation.COLUMN, positions, submission=True)
    return m.RawEntry(1, placement, 7, {name: values.get(name) for name in positions})


def list_entry(values: Mapping[str, m.RawValue]) -> m.RawEntry:
    """A raw entry as the Central Products List tab would give it (row 8, columns B-U)."""
    positions = {name: 2 + i for i, name in enumerate(m.PUBLISHED_FIELDS)}
    placement = m.Placement("Central Products List", m.Orientation.ROW, positions,
                            submission=False)
    return m.RawEntry(1, placement, 8, {name: values.get(name) for name in positions})


@pytest.fixture
def check_form(ruleset: Ruleset) -> Callable[..., Checked]:
    def run(values: Mapping[str, m.RawValue], *, as_of: dt.date = AS_OF,
            rules: Ruleset | None = None) -> Checked:
        rs = rules or ruleset
        return Validator(rs, as_of, "test.xlsx").check(form_entry(values, rs))
    return run


def edited(data: dict[str, Any]) -> Ruleset:
    return validate_ruleset_data(data, "edited ruleset")


def codes(checked: Checked) -> list[tuple[str, str | None]]:
    return sorted((f.code, f.cell) for f in checked.findings)


@pytest.fixture(scope="session")
def signing_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway P-256 key and self-signed certificate for the whole test session."""
    from cplkit.signing.signers import generate_throwaway

    folder = tmp_path_factory.mktemp("keys")
    key, cert = generate_throwaway(now=utc_now())
    (folder / "key.pem").write_bytes(key)
    (folder / "cert.pem").write_bytes(cert)
    return folder / "key.pem", folder / "cert.pem"


@pytest.fixture(autouse=True)
def _sign_with_the_test_key(signing_keys: tuple[Path, Path],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands that sign (init, import, publish) find the test key as a user's CI would: in
    CPLKIT_KEY and CPLKIT_CERT."""
    monkeypatch.setenv("CPLKIT_KEY", str(signing_keys[0]))
    monkeypatch.setenv("CPLKIT_CERT", str(signing_keys[1]))


@pytest.fixture(scope="session")
def identity(signing_keys: tuple[Path, Path]) -> Any:
    from cplkit.signing.signers import load_signer

    return load_signer(signing_keys[0], signing_keys[1], None, None)


XMLSEC1 = shutil.which("xmlsec1")
OPENSSL = shutil.which("openssl")


def xmlsec1_verify(path: Path, *certs: Path) -> subprocess.CompletedProcess[str]:
    """xmlsec1's own verdict, trusting only ``certs`` (no cplkit code involved)."""
    assert XMLSEC1, "xmlsec1 is not installed (Debian package xmlsec1)"
    trusted = [arg for cert in certs for arg in ("--trusted-pem", str(cert))]
    return subprocess.run([XMLSEC1, "--verify", *trusted, str(path)],
                          capture_output=True, text=True, check=False)


def openssl_cms_verify(content: Path, signature: Path,
                       cert: Path) -> subprocess.CompletedProcess[str]:
    """openssl's own verdict on a detached CMS signature, trusting only ``cert``."""
    assert OPENSSL, "openssl is not installed"
    return subprocess.run([OPENSSL, "cms", "-verify", "-binary", "-inform", "DER", "-in",
                           str(signature), "-content", str(content), "-CAfile", str(cert),
                           "-out", os.devnull], capture_output=True, text=True, check=False)


def trusted_pems(registry: Path) -> list[str]:
    """Every signing certificate a registry's policy chain has trusted, as PEM, oldest first
    (read as plain JSON: what cplkit's own verification of the chain says is not assumed)."""
    pems: list[str] = []
    for record in sorted((registry / "policy").glob("*.json"), key=lambda p: int(p.stem)):
        for signer in json.loads(record.read_text())["signers"]:
            if signer["pem"] not in pems:
                pems.append(signer["pem"])
    return pems


#: signed files xmlsec1 or openssl accepted already this session, by the SHA-256 of their bytes
#: and of the certificates trusted: a registry copied for a test (``published_registry``) holds
#: the same files, and identical bytes get the same verdict
_ACCEPTED: set[tuple[str, ...]] = set()


def _sha256(*paths: Path) -> tuple[str, ...]:
    return tuple(hashlib.sha256(p.read_bytes()).hexdigest() for p in paths)


@pytest.fixture(autouse=True)
def _every_signed_file_passes_independent_verification(
        request: pytest.FixtureRequest, signing_keys: tuple[Path, Path],
        tmp_path: Path) -> Iterator[None]:
    """After each test, every DCC file and CSV signature cplkit issued into the test's
    temporary directory is verified by xmlsec1 and openssl, with only the test certificate.
    (Depending on tmp_path keeps it alive until this check has run.)"""
    yield
    if not (XMLSEC1 and OPENSSL) or request.node.get_closest_marker("tampered"):
        return
    for head in tmp_path.rglob("registry.json"):
        registry = head.parent
        pems = trusted_pems(registry)
        if not pems:
            continue
        # trust exactly what the registry trusts: never a certificate a file carries
        certs = []
        for i, pem in enumerate(pems):
            cert = tmp_path / f".trusted-{registry.name}-{i}.pem"
            cert.write_text(pem)
            certs.append(cert)
        trusted = _sha256(*certs)
        for path in registry.glob("versions/*/cpl-*.xml"):
            seen = ("xmlsec1", *_sha256(path), *trusted)
            if seen in _ACCEPTED:
                continue
            done = xmlsec1_verify(path, *certs)
            assert done.returncode == 0, f"xmlsec1 rejects {path}: {done.stderr}"
            _ACCEPTED.add(seen)
        for signature in registry.glob("versions/*/cpl-*.csv.p7s"):
            seen = ("openssl", *_sha256(signature.with_suffix(""), signature), *trusted)
            if seen in _ACCEPTED:
                continue
            bundle = tmp_path / f".trusted-{registry.name}.pem"
            bundle.write_text("".join(c.read_text() for c in certs))
            done = openssl_cms_verify(signature.with_suffix(""), signature, bundle)
            assert done.returncode == 0, f"openssl rejects {signature}: {done.stderr}"
            _ACCEPTED.add(seen)


@pytest.fixture(params=["libxmlsec1", "signxml"])
def both_engines(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a verification test with each engine that checks XML signatures: libxmlsec1 (via
    python-xmlsec, the fast path) and signxml (the fallback when the two libxml2 differ)."""
    from cplkit.signing import xmldsig

    if request.param == "signxml":
        monkeypatch.setattr(xmldsig, "_xmlsec", lambda: None)
    elif xmldsig._xmlsec() is None:
        if os.environ.get("CI"):
            pytest.fail("python-xmlsec is missing or runs on another libxml2 than lxml in CI")
        pytest.skip("python-xmlsec is not installed, or runs on another libxml2 than lxml")
    return str(request.param)


def run_cli(*args: str | Path) -> tuple[int, str]:
    """cplkit's command line in this process: (exit status, output). A Python exception that
    escaped cplkit (a traceback a user would see) fails the test."""
    from click.testing import CliRunner

    from cplkit.cli import cli

    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


#: the bulk sample: eight entries, every one under the CPA certificate [R] NCSC-1500000000-4001
BULK_SAMPLE = SAMPLES / "valid" / "bulk-submission.csv"


@pytest.fixture(scope="session")
def _published_once(tmp_path_factory: pytest.TempPathFactory,
                    signing_keys: tuple[Path, Path]) -> Path:
    """Version 1.0 of a new registry, the bulk sample issued on 23/11/2026 with the test key:
    made once a session, and copied for each test that uses it."""
    key, cert = signing_keys
    path = tmp_path_factory.mktemp("published") / "registry"
    code, out = run_cli("init", "-r", path, "--key", key, "--cert", cert)
    assert code == 0, out
    code, out = run_cli("publish", "-r", path, "--as-of", "2026-11-23", "--key", key,
                        "--cert", cert, BULK_SAMPLE)
    assert code == 0, out
    return path


@pytest.fixture
def published_registry(tmp_path: Path, _published_once: Path) -> Path:
    """A registry of its own for this test, as `cplkit init` then `cplkit publish --as-of
    2026-11-23` of the bulk sample leave it (version 1.0, entries 000001-000008), signed with
    the test key: a copy of one made once a session."""
    path = tmp_path / "registry"
    shutil.copytree(_published_once, path, symlinks=True)
    return path


@dataclass(frozen=True, slots=True)
class Ran:
    """What a shell would see of one cplkit command: its exit status and its two streams."""

    returncode: int
    stdout: str
    stderr: str


def run_cli_streams(*args: str | Path) -> Ran:
    """cplkit's command line in this process, with standard output and standard error apart
    (as ``subprocess.run`` gives them). A Python exception that escaped cplkit (a traceback a
    user would see) fails the test."""
    from click.testing import CliRunner

    from cplkit.cli import cli

    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return Ran(result.exit_code, result.stdout, result.stderr)


def rules_without_gbcs_4_1(folder: Path) -> Path:
    """The bundled rules without GBCS Version 4.1, which Current entries carry (CPL-M08)."""
    data = json.loads((ROOT / "schemas" / "ruleset.json").read_text())
    data["id"] = "cpl-rules-without-4.1"
    data["gbcs_versions"] = [g for g in data["gbcs_versions"]
                             if g["value"] != "GBCS Version 4.1"]
    for combination in data["combinations"]:
        combination["gbcs_versions"] = [g for g in combination["gbcs_versions"]
                                        if g != "GBCS Version 4.1"]
    data["combinations"] = [c for c in data["combinations"] if c["gbcs_versions"]]
    path = folder / "rules-without-4.1.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
