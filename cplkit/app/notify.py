"""Send the notice of a version to all parties, by SMTP: ``cplkit notify``.

The notice is the e-mail the version issued (``notice-N.eml``), read through the registry's
digest checks, so what is sent is what was issued; only the sender, the recipients, the date
and a message id are added here, to a copy. The issued file is never changed: the copy as sent
is a separate record, written only where the caller asks (``save``) and only once the relay has
taken it.

Relays as organisations run them: plain SMTP, STARTTLS, or TLS from the first byte (port 465),
the relay's certificate checked against the system's trust (or one CA file) with its host name
verified, and a user name and password over an encrypted connection only. A dry run builds the
same message and checks the same options, and opens no connection. It does not decide who the
parties are.
"""

from __future__ import annotations

import datetime as dt
import enum
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP
from email.utils import format_datetime, getaddresses, make_msgid
from pathlib import Path

from cplkit.base.files import read_small, write_output
from cplkit.errors import OutputError, UsageError
from cplkit.publications.filenames import IssuedFiles
from cplkit.registry import Registry

#: where a password for --user is read from when no --password-file is named: never a
#: command-line value, which other users of the machine see in the process list
PASSWORD_VARIABLE = "CPLKIT_SMTP_PASSWORD"  # noqa: S105 (a variable's name, no password)

#: a password file is a line, a CA file a few certificates: anything larger is not one
_PASSWORD_LIMIT = 4096
_CA_LIMIT = 1 << 20


class Security(enum.Enum):
    """How the connection to the relay is protected."""

    PLAIN = "plain SMTP"
    STARTTLS = "STARTTLS"
    TLS = "TLS"


@dataclass(frozen=True, slots=True)
class Relay:
    """The relay to send through and how: ``ca`` is a PEM file of the certificates to trust
    instead of the system's (None: the system's)."""

    host: str
    port: int
    security: Security = Security.PLAIN
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    ca: Path | None = None
    timeout: float = 30.0

    @property
    def described(self) -> str:
        who = f", as {self.user}" if self.user else ""
        return f"{self.host}:{self.port} ({self.security.value}{who})"


@dataclass(frozen=True, slots=True)
class Sent:
    """What was sent (or, for a dry run, would be): ``message`` as it went to the relay."""

    version: str
    subject: str
    sender: str
    recipients: tuple[str, ...]
    relay: str
    message: EmailMessage
    dry_run: bool = False

    @property
    def text(self) -> str:
        """The message as a person reads it in a terminal: its headers and MIME parts, with
        the line ends of the machine rather than the wire's CRLF."""
        return self.message.as_string(policy=SMTP.clone(linesep="\n"))


def relay(text: str) -> tuple[str, int]:
    """HOST:PORT (an IPv6 address in brackets) as a host and a port."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--smtp {text} is not HOST:PORT", hint="for example mail.example:587")
    return host.strip("[]"), int(port)


def password(environment: Mapping[str, str], password_file: Path | None) -> str | None:
    """The relay password: the first line of ``password_file``, or the environment's
    ``CPLKIT_SMTP_PASSWORD`` (None: neither)."""
    if password_file is not None:
        data = read_small(password_file, _PASSWORD_LIMIT, UsageError, "--password-file")
        try:
            lines = data.decode("utf-8").splitlines()
        except UnicodeDecodeError:
            raise UsageError(f"--password-file {password_file} is not UTF-8 text") from None
        if not lines or not lines[0]:
            raise UsageError(f"--password-file {password_file} is empty",
                             hint="the password is the file's first line")
        return lines[0]
    return environment.get(PASSWORD_VARIABLE) or None


def _address(text: str, option: str) -> Address:
    """An address, with or without a display name ('SECAS <cpl@secas.example>'), as an
    envelope and a header take it; a usage error for anything else (a line break would start a
    header of its own)."""
    parsed: Address | None = None
    if not any(c in text for c in "\r\n\0"):
        pairs = getaddresses([text])
        if len(pairs) == 1:
            try:
                parsed = Address(display_name=pairs[0][0], addr_spec=pairs[0][1])
            except (ValueError, IndexError, MessageError):
                parsed = None
    if parsed is None or not parsed.username or not parsed.domain:
        raise UsageError(f"{option} {text!r} is not an e-mail address",
                         hint="for example cpl@secas.example, or 'SECAS <cpl@secas.example>'")
    return parsed


def _context(ca: Path | None) -> ssl.SSLContext:
    """Certificates checked and host names verified, always; against ``ca`` alone if given."""
    if ca is None:
        return ssl.create_default_context()
    data = read_small(ca, _CA_LIMIT, UsageError, "--smtp-ca")
    try:
        return ssl.create_default_context(cadata=data.decode("ascii"))
    except (UnicodeDecodeError, ssl.SSLError, ValueError):
        raise UsageError(f"--smtp-ca {ca} holds no PEM certificate",
                         hint="name the relay's CA certificate, PEM encoded") from None


def _check(target: Relay) -> None:
    if target.user is None and target.password is not None:
        raise UsageError("a password is given but no --user",
                         hint="name the relay's user with --user")
    if target.user is not None:
        if target.security is Security.PLAIN:
            raise UsageError("--user sends a password, which cplkit sends over an encrypted "
                             "connection only", hint="add --starttls (or --tls for port 465)")
        if not target.password:
            raise UsageError(f"--user {target.user} needs a password",
                             hint=f"set {PASSWORD_VARIABLE}, or name a file with "
                                  "--password-file")


def _message(registry: Registry, version: str | None, sender: Address,
             recipients: tuple[Address, ...], now: dt.datetime) -> tuple[str, EmailMessage]:
    """The issued notice, with the sender, recipients, date (``now``) and a message id
    added."""
    stored = registry.read(version)
    number = str(stored.version.number)
    name = IssuedFiles(number).notice_email
    if name not in stored.files:
        raise UsageError(f"version {number} was issued without a notice",
                         hint="notices are written by versions published with this cplkit")
    message = BytesParser(EmailMessage, policy=SMTP).parsebytes(registry.file(stored, name))
    for header in ("From", "To", "Date", "Message-ID"):
        del message[header]  # an issued notice has none; never two of one
    message["From"] = sender
    message["To"] = recipients
    message["Date"] = format_datetime(now.astimezone(dt.UTC), usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.domain)
    return number, message


def _refusal(exc: smtplib.SMTPResponseException, target: Relay) -> str:
    """What to do when the relay answered with an error."""
    if exc.smtp_code == 530 and target.security is Security.PLAIN:
        return "the relay wants an encrypted connection: add --starttls (or --tls)"
    if exc.smtp_code == 530 and target.user is None:
        return "the relay wants a user: add --user, with the password in " \
               f"{PASSWORD_VARIABLE} or --password-file"
    return "check the addresses and the relay's settings, and retry"


def _send(target: Relay, message: EmailMessage, sender: str,
          recipients: tuple[str, ...]) -> dict[str, tuple[int, bytes]]:
    context = _context(target.ca) if target.security is not Security.PLAIN else None
    server: smtplib.SMTP
    if target.security is Security.TLS:
        server = smtplib.SMTP_SSL(target.host, target.port, timeout=target.timeout,
                                  context=context)
    else:
        server = smtplib.SMTP(target.host, target.port, timeout=target.timeout)
    with server:
        if target.security is Security.STARTTLS:
            server.starttls(context=context)
        if target.user is not None and target.password is not None:
            server.login(target.user, target.password)
        return server.send_message(message, from_addr=sender, to_addrs=list(recipients))


def notify(registry_path: Path, version: str | None, target: Relay, sender: str,
           recipients: tuple[str, ...], *, dry_run: bool = False,
           save: Path | None = None, now: dt.datetime) -> Sent:
    """Send version ``version``'s notice (the latest by default) to ``recipients`` through
    ``target``, dated ``now``; with ``dry_run``, the message that would be sent, sending
    nothing. ``save`` keeps the message as sent."""
    if not recipients:
        raise UsageError("name at least one recipient with --to")
    author = address(sender, "--from")
    readers = tuple(address(r, "--to") for r in recipients)
    check_options(target, save)
    number, message = _message(Registry(registry_path), version, author, readers, now)
    return send(target, message, author, readers, f"the notice of version {number}", number,
                dry_run=dry_run, save=save)


def address(text: str, option: str) -> Address:
    """An address as ``--from`` or ``--to`` gives it (``option`` names it in an error)."""
    return _address(text, option)


def check_options(target: Relay, save: Path | None) -> None:
    """Refuse options that cannot work (a password without a user, a login over plain SMTP, a
    --save folder that does not exist) before anything is built or sent."""
    _check(target)
    if save is not None and not save.parent.is_dir():
        raise UsageError(f"--save {save}: the folder {save.parent} does not exist",
                         hint="nothing was sent")


def send(target: Relay, message: EmailMessage, author: Address, readers: tuple[Address, ...],
         what: str, label: str, *, dry_run: bool = False, save: Path | None = None) -> Sent:
    """Send ``message`` (``what`` names it in an error, ``label`` in the record) from
    ``author`` to ``readers`` through ``target``, or, with ``dry_run``, check the options and
    send nothing. Used for the notice and for any other message cplkit sends."""
    # the envelope: the bare addresses, as the relay takes them
    sender, recipients = author.addr_spec, tuple(a.addr_spec for a in readers)
    sent = Sent(label, str(message["Subject"]), sender, recipients, target.described,
                message, dry_run)
    if dry_run:
        if target.security is not Security.PLAIN:
            _context(target.ca)  # a CA file that would be refused is refused now
        return sent
    where = f"through {target.host}:{target.port}"
    try:
        refused = _send(target, message, sender, recipients)
    except smtplib.SMTPAuthenticationError as exc:
        raise OutputError(f"the relay {target.host}:{target.port} refused the user name or "
                          f"password of {target.user}: {_said(exc)}",
                          hint=f"check --user and the password ({PASSWORD_VARIABLE} or "
                               "--password-file); nothing was sent") from None
    except smtplib.SMTPNotSupportedError as exc:
        wanted = "STARTTLS" if "STARTTLS" in str(exc) else "authentication (AUTH)"
        raise OutputError(f"{what} could not be sent {where}: the relay does not offer "
                          f"{wanted}",
                          hint="--tls if it expects TLS from the start (port 465); otherwise "
                               "ask its administrator; nothing was sent") from None
    except ssl.SSLCertVerificationError as exc:
        raise OutputError(f"{what} could not be sent {where}: the relay's certificate is "
                          f"not trusted ({exc.verify_message})",
                          hint="name the CA that issued it with --smtp-ca FILE; nothing was "
                               "sent") from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise OutputError(f"{what} could not be sent {where}: the relay refused every "
                          f"recipient ({_refused(exc.recipients)})",
                          hint="check the --to addresses; nothing was sent") from None
    except smtplib.SMTPResponseException as exc:
        raise OutputError(f"{what} could not be sent {where}: the relay answered "
                          f"{_said(exc)}",
                          hint=f"{_refusal(exc, target)}; nothing was sent") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise OutputError(f"{what} could not be sent {where}: {exc}",
                          hint="check the SMTP server and retry; nothing was sent") from None
    if save is not None:
        try:
            write_output(save, message.as_bytes())
        except OutputError as exc:
            raise OutputError(f"{what} was sent, but the copy as sent could not be kept: "
                              f"{exc.message}", hint=exc.hint) from None
    if refused:
        raise OutputError(f"{what} was sent {where}, but the relay refused "
                          f"{_refused(refused)}",
                          hint="the other recipients have it; send again to these alone")
    return sent


def _said(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) \
        else str(exc.smtp_error)
    return f"{exc.smtp_code} {' '.join(text.split())}"


def _refused(recipients: Mapping[str, tuple[int, bytes]]) -> str:
    return ", ".join(f"{address} ({code} {reply.decode('utf-8', 'replace').strip()})"
                     for address, (code, reply) in recipients.items())
