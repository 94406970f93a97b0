"""``cplkit notify`` against relays set up as organisations run them: aiosmtpd on 127.0.0.1,
started by each test, with STARTTLS (or TLS from the first byte) on a certificate made here,
and a user name and password. What the relay receives is read back as a mail client would."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import SAMPLES
from tests.conftest import run_cli as run
from tests.smtp_server import smtp_server

USER, PASSWORD = "secas-cpl", "correct horse battery staple"
SENDER = "cpl@secas.example"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory,
             signing_keys: tuple[Path, Path]) -> Path:
    """One version: the bulk sample, issued with its notice."""
    path = tmp_path_factory.mktemp("mail") / "registry"
    assert run("init", "-r", path, "--key", signing_keys[0], "--cert", signing_keys[1])[0] == 0
    code, out = run("publish", "-r", path, "--as-of", "2026-11-23", "--key", signing_keys[0],
                    "--cert", signing_keys[1], SAMPLES / "valid" / "bulk-submission.csv")
    assert code == 0, out
    return path


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A CA, and the relay's certificate it issued for 127.0.0.1 (an IP address SAN, so the
    host name check is the real one); and a second CA that issued nothing here."""
    folder = tmp_path_factory.mktemp("pki")
    now = dt.datetime.now(dt.UTC)
    paths: dict[str, Path] = {}
    ca_key = ec.generate_private_key(ec.SECP256R1())

    def ca(common: str, key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
        return (x509.CertificateBuilder().subject_name(_name(common)).issuer_name(_name(common))
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1))
                .not_valid_after(now + dt.timedelta(days=30))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(False, False, False, False, False, True, True,
                                             False, False), critical=True)
                .sign(key, hashes.SHA256()))

    authority = ca("Test relay CA", ca_key)
    other = ca("Another CA", ec.generate_private_key(ec.SECP256R1()))
    relay_key = ec.generate_private_key(ec.SECP256R1())
    relay = (x509.CertificateBuilder().subject_name(_name("relay.test"))
             .issuer_name(authority.subject).public_key(relay_key.public_key())
             .serial_number(x509.random_serial_number())
             .not_valid_before(now - dt.timedelta(days=1))
             .not_valid_after(now + dt.timedelta(days=30))
             .add_extension(x509.SubjectAlternativeName(
                 [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                 critical=False)
             .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                            critical=False)
             .sign(ca_key, hashes.SHA256()))
    for name, certificate in (("ca", authority), ("other", other), ("cert", relay)):
        paths[name] = folder / f"{name}.pem"
        paths[name].write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    paths["key"] = folder / "relay-key.pem"
    paths["key"].write_bytes(relay_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return paths


class _Relay:
    """What the relay was given: each message, who logged in, and every login tried."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.logins: list[tuple[str, bool]] = []
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # encrypted: by STARTTLS, or from the first byte (which aiosmtpd's session does not
        # record, but its transport knows)
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        self.envelopes.append((envelope, session.authenticated, encrypted))
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                     data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult

        user, given = data.login.decode(), data.password.decode()
        ok = user == USER and given == PASSWORD
        self.logins.append((user, ok))
        return AuthResult(success=ok, handled=False)

    def message(self) -> EmailMessage:
        [(envelope, _, _)] = self.envelopes
        return BytesParser(EmailMessage, policy=SMTP).parsebytes(envelope.content)


def _server_context(pki: dict[str, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki["cert"], pki["key"])
    return context


@pytest.fixture
def starttls_relay(pki: dict[str, Path]) -> Iterator[_Relay]:
    """A submission relay (as on port 587): STARTTLS before anything else, then a login."""
    relay = _Relay()
    with smtp_server(relay, tls_context=_server_context(pki), require_starttls=True,
                     auth_required=True, auth_require_tls=True,
                     authenticator=relay.authenticate) as relay.port:
        yield relay


@pytest.fixture
def tls_relay(pki: dict[str, Path]) -> Iterator[_Relay]:
    """A relay speaking TLS from the first byte (as on port 465), with a login."""
    relay = _Relay()
    with smtp_server(relay, ssl_context=_server_context(pki), auth_required=True,
                     auth_require_tls=False, authenticator=relay.authenticate) as relay.port:
        yield relay


def _issued(registry: Path) -> bytes:
    return (registry / "versions" / "1.0" / "notice-1.0.eml").read_bytes()


def test_a_notice_goes_through_starttls_with_a_login(
        registry: Path, pki: dict[str, Path], starttls_relay: _Relay, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    issued = hashlib.sha256(_issued(registry)).hexdigest()
    monkeypatch.setenv("CPLKIT_SMTP_PASSWORD", PASSWORD)
    kept = tmp_path / "sent-1.0.eml"
    code, out = run("notify", "-r", registry, "--smtp", f"127.0.0.1:{starttls_relay.port}",
                    "--starttls", "--user", USER, "--smtp-ca", pki["ca"], "--from",
                    f"SECAS <{SENDER}>", "--to", "dcc@dcc.example, maker@meters.example",
                    "--save", kept)
    assert code == 0, out
    assert "to 2 recipients" in out and "STARTTLS, as secas-cpl" in out, out
    [(envelope, authenticated, encrypted)] = starttls_relay.envelopes
    assert authenticated and encrypted and starttls_relay.logins == [(USER, True)]
    assert envelope.mail_from == SENDER
    assert envelope.rcpt_tos == ["dcc@dcc.example", "maker@meters.example"]
    message = starttls_relay.message()
    # what a mail client shows, and what a relay's checks look for
    assert message["From"] == f"SECAS <{SENDER}>"
    assert message["To"] == "dcc@dcc.example, maker@meters.example"
    sent_at = message["Date"].datetime
    assert abs(dt.datetime.now(dt.UTC) - sent_at) < dt.timedelta(minutes=5)
    assert message["Message-ID"].endswith("@secas.example>")
    assert message["Subject"] == "Central Products List: Version 1.0 Issued on 23-11-2026"
    # the copy kept is the message the relay took; the issued notice is as issued
    record = BytesParser(EmailMessage, policy=SMTP).parsebytes(kept.read_bytes())
    assert record["Message-ID"] == message["Message-ID"] and record["Date"] == message["Date"]
    assert hashlib.sha256(_issued(registry)).hexdigest() == issued
    assert b"\nFrom:" not in _issued(registry) and b"\nDate:" not in _issued(registry)


def test_a_wrong_password_is_refused_with_exit_7(
        registry: Path, pki: dict[str, Path], starttls_relay: _Relay, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CPLKIT_SMTP_PASSWORD", raising=False)
    secret = tmp_path / "password"
    secret.write_text("not the password\n")
    code, out = run("notify", "-r", registry, "--smtp", f"127.0.0.1:{starttls_relay.port}",
                    "--starttls", "--user", USER, "--password-file", secret, "--smtp-ca",
                    pki["ca"], "--from", SENDER, "--to", "dcc@dcc.example")
    assert code == 7, out
    assert "refused the user name or password of secas-cpl: 535" in out, out
    assert "nothing was sent" in out and "not the password" not in out
    # smtplib tries each mechanism the relay offers (PLAIN, LOGIN): every one refused
    assert starttls_relay.logins and all(user == USER and not ok
                                         for user, ok in starttls_relay.logins)
    assert starttls_relay.envelopes == []


def test_a_relay_that_requires_tls_refuses_plain_sending(
        registry: Path, starttls_relay: _Relay) -> None:
    code, out = run("notify", "-r", registry, "--smtp", f"127.0.0.1:{starttls_relay.port}",
                    "--from", SENDER, "--to", "dcc@dcc.example")
    assert code == 7, out
    assert "could not be sent" in out and "530" in out, out
    assert "add --starttls" in out and "nothing was sent" in out
    assert starttls_relay.envelopes == []


def test_a_relay_certificate_from_an_untrusted_ca_is_refused(
        registry: Path, pki: dict[str, Path], starttls_relay: _Relay,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPLKIT_SMTP_PASSWORD", PASSWORD)
    for trust in (("--smtp-ca", pki["other"]), ()):  # another CA; the system's CAs
        code, out = run("notify", "-r", registry, "--smtp",
                        f"127.0.0.1:{starttls_relay.port}", "--starttls", "--user", USER,
                        *trust, "--from", SENDER, "--to", "dcc@dcc.example")
        assert code == 7 and "certificate is not trusted" in out and "--smtp-ca" in out, out
    # the password never left: the handshake failed before any login
    assert starttls_relay.logins == [] and starttls_relay.envelopes == []


# aiosmtpd counts only STARTTLS as encryption for AUTH: on a TLS port it warns that it was told
# not to insist
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_tls_from_the_first_byte_with_a_password_file(
        registry: Path, pki: dict[str, Path], tls_relay: _Relay, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPLKIT_SMTP_PASSWORD", "the file wins over the environment")
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n")
    code, out = run("notify", "-r", registry, "--smtp", f"127.0.0.1:{tls_relay.port}", "--tls",
                    "--user", USER, "--password-file", secret, "--smtp-ca", pki["ca"],
                    "--from", SENDER, "--to", "dcc@dcc.example")
    assert code == 0, out
    [(_, authenticated, encrypted)] = tls_relay.envelopes
    assert authenticated and encrypted and tls_relay.logins == [(USER, True)]


def test_the_dry_run_prints_the_message_and_sends_nothing(
        registry: Path, starttls_relay: _Relay) -> None:
    code, out = run("notify", "-r", registry, "--smtp", f"127.0.0.1:{starttls_relay.port}",
                    "--from", SENDER, "--to", "dcc@dcc.example", "--dry-run")
    assert code == 0, out
    printed = BytesParser(EmailMessage, policy=SMTP).parsebytes(out.encode())
    assert printed["From"] == SENDER and printed["To"] == "dcc@dcc.example"
    assert printed["Date"] and printed["Message-ID"]
    assert printed["Subject"] == "Central Products List: Version 1.0 Issued on 23-11-2026"
    assert "It lists 8 entries" in out and "dry run: nothing was sent" in out
    assert starttls_relay.envelopes == [] and starttls_relay.logins == []


def test_a_password_is_never_taken_from_the_command_line_nor_sent_in_clear(
        registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = run("notify", "-r", registry, "--smtp", "127.0.0.1:25", "--user", USER,
                    "--password", PASSWORD, "--from", SENDER, "--to", "dcc@dcc.example")
    assert code == 2 and "No such option '--password'" in out, out
    monkeypatch.setenv("CPLKIT_SMTP_PASSWORD", PASSWORD)
    code, out = run("notify", "-r", registry, "--smtp", "127.0.0.1:25", "--user", USER,
                    "--from", SENDER, "--to", "dcc@dcc.example", "--dry-run")
    assert code == 2 and "encrypted connection only" in out and "--starttls" in out, out
    monkeypatch.delenv("CPLKIT_SMTP_PASSWORD")
    code, out = run("notify", "-r", registry, "--smtp", "127.0.0.1:25", "--starttls", "--user",
                    USER, "--from", SENDER, "--to", "dcc@dcc.example", "--dry-run")
    assert code == 2 and "CPLKIT_SMTP_PASSWORD" in out, out


def test_an_address_with_a_line_break_is_refused(registry: Path) -> None:
    code, out = run("notify", "-r", registry, "--smtp", "127.0.0.1:25", "--from", SENDER,
                    "--to", "dcc@dcc.example\r\nBcc: everyone@example.com", "--dry-run")
    assert code == 2 and "is not an e-mail address" in out, out
