"""Send the notice of a version to all parties, by SMTP: ``cplkit notify``.

The notice is the e-mail the version issued (``notice-N.eml``), read through the registry's
digest checks, so what is sent is what was issued; only the sender, the recipients, the date
and a message id are added here.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email import message_from_bytes
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from pathlib import Path

from cplkit.errors import OutputError, UsageError
from cplkit.publications.names import IssuedFiles
from cplkit.registry import Registry


@dataclass(frozen=True, slots=True)
class Sent:
    version: str
    subject: str
    recipients: tuple[str, ...]


def _server(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--smtp {text} is not HOST:PORT", hint="for example mail.example:25")
    return host.strip("[]"), int(port)


def notify(registry_path: Path, version: str | None, smtp: str, sender: str,
           recipients: tuple[str, ...], timeout: float = 30.0) -> Sent:
    """Send version ``version``'s notice (the latest by default) to ``recipients``."""
    if not recipients:
        raise UsageError("name at least one recipient with --to")
    host, port = _server(smtp)
    registry = Registry(registry_path)
    stored = registry.read(version)
    number = str(stored.version.number)
    name = IssuedFiles(number).notice_email
    if name not in stored.files:
        raise UsageError(f"version {number} was issued without a notice",
                         hint="notices are written by versions published with this cplkit")
    message = message_from_bytes(registry.file(stored, name), policy=SMTP)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as server:
            server.send_message(message, from_addr=sender, to_addrs=list(recipients))
    except (OSError, smtplib.SMTPException) as exc:
        raise OutputError(f"the notice of version {number} could not be sent through "
                          f"{host}:{port}: {exc}", hint="check the SMTP server and retry; "
                                                          "nothing was sent") from None
    return Sent(number, str(message["Subject"]), recipients)
