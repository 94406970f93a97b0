"""The registry's website and the notice to all parties, tested as people receive them: the
feed read by a feed parser, the index in the files, the notice delivered by a real SMTP server
running on this machine."""

from __future__ import annotations

import html
import re
import shutil
from email import message_from_bytes
from email.policy import SMTP
from pathlib import Path
from typing import Any

import feedparser
import pytest

from tests.conftest import SAMPLES
from tests.conftest import run_cli as run
from tests.smtp_server import free_port, smtp_server


@pytest.fixture(scope="module")
def _with_site(tmp_path_factory: pytest.TempPathFactory,
               signing_keys: tuple[Path, Path]) -> Path:
    """A folder holding registry/ and site/: the bulk sample (1.0), then a removal (1.1), the
    site kept up to date by each publish; made once for this module."""
    folder = tmp_path_factory.mktemp("with-site")
    path = folder / "registry"
    keys = ("--key", signing_keys[0], "--cert", signing_keys[1])
    assert run("init", "-r", path, *keys)[0] == 0
    for change, day in ((SAMPLES / "valid" / "bulk-submission.csv", "2026-11-23"),
                        (SAMPLES / "changes" / "1-removals.csv", "2026-11-24")):
        code, out = run("publish", "-r", path, "--as-of", day, "--site", folder / "site",
                        *keys, change)
        assert code == 0, out
    return folder


@pytest.fixture
def registry(tmp_path: Path, _with_site: Path) -> Path:
    """Two versions: the bulk sample (1.0), then a removal (1.1), the site kept up to date:
    this test's own copy, in tmp_path/registry and tmp_path/site."""
    for name in ("registry", "site"):
        shutil.copytree(_with_site / name, tmp_path / name, symlinks=True)
    return tmp_path / "registry"


def test_the_site_lists_every_version_and_its_feed_parses(registry: Path,
                                                          tmp_path: Path) -> None:
    site = tmp_path / "site"
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert [e.title for e in feed.entries] == ["Version 1.1 Issued on 24-11-2026",
                                               "Version 1.0 Issued on 23-11-2026"]
    assert feed.entries[0].link.endswith("1.1/cpl-1.1.html")
    assert "removed" in feed.entries[0].summary
    ids = [e.id for e in feed.entries]
    assert all(i.startswith("urn:uuid:") for i in ids) and len(set(ids)) == 2
    # rebuilt, the ids stay: a subscriber sees each version once
    code, out = run("site", "-r", registry, "--out", site, "--base-url",
                    "https://cpl.example/")
    assert code == 0 and "wrote the site of 2 versions to" in out, out
    again = feedparser.parse((site / "feed.xml").read_bytes())
    assert [e.id for e in again.entries] == ids
    assert again.entries[0].link == "https://cpl.example/1.1/cpl-1.1.html"
    index = html.unescape((site / "index.html").read_text())
    assert index.index("Version 1.1 Issued") < index.index("1.0</a>")  # latest first
    assert "Content-Security-Policy" in index and "default-src 'none'" in index
    assert 'href="1.1/cpl-1.1.html"' in index and 'href="feed.xml"' in index
    # the public site carries no restricted file and no registry record, but the rules each
    # version was checked with, listed in its signed manifest (issue 23)
    published = {p.name for p in site.rglob("*") if p.is_file()}
    assert "cpl-1.1.xml" in published and "notice-1.1.eml" in published
    assert "ruleset.json" in published
    assert not any(n.startswith(("fir-", "version.json")) for n in published)
    # and the copy verifies through its manifest, the restricted files absent
    code, out = run("verify", site / "1.1" / "manifest-1.1.xml", "--trust", _trust(registry))
    assert code == 0 and "restricted, not here" in out, out


def _trust(registry: Path) -> Path:
    from tests.conftest import trusted_pems

    path = registry.parent / "trusted.pem"
    path.write_text(trusted_pems(registry)[0])
    return path


def test_the_site_never_overwrites_another_folder(registry: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    code, out = run("site", "-r", registry, "--out", mine)
    assert code == 2 and "not a site cplkit wrote" in out
    assert (mine / "notes.txt").read_text() == "mine"


def test_the_notice_says_what_changed(registry: Path) -> None:
    text = (registry / "versions" / "1.1" / "notice-1.1.txt").read_text()
    assert text.startswith("Version 1.1 Issued on 24-11-2026\n")
    assert "after version 1.0" in text and "Removed (1):" in text
    assert "000002  Example Meters Ltd, Gas Smart Meter, firmware 01:02:0B:01" in text
    assert "cplkit verify manifest-1.1.xml --trust CERT" in text
    message = message_from_bytes((registry / "versions" / "1.1" / "notice-1.1.eml")
                                 .read_bytes(), policy=SMTP)
    assert message["Subject"] == "Central Products List: Version 1.1 Issued on 24-11-2026"
    kinds = [part.get_content_type() for part in message.iter_parts()]  # type: ignore[attr-defined]
    assert kinds == ["text/plain", "text/html"]


def test_the_signing_certificate_is_named_on_the_page_in_the_notice_and_the_feed(
        registry: Path, tmp_path: Path, identity: Any) -> None:
    """Where readers are told to check with '--trust CERT', they are told which certificate:
    its subject and SHA-256 fingerprint, on the version's page, in its notice (text and HTML),
    in each entry of the feed and in the site's footer (issue 23)."""
    named = f"{identity.subject}, SHA-256 fingerprint {identity.fingerprint}"
    folder = registry / "versions" / "1.1"
    page = html.unescape(re.sub(r"<[^>]+>", "", (folder / "cpl-1.1.html").read_text()))
    assert f"Signed with the certificate {named}." in page
    text = (folder / "notice-1.1.txt").read_text()
    assert (f"signed with the certificate\n  {identity.subject}\n  SHA-256 fingerprint "
            f"{identity.fingerprint}\n") in text
    message = message_from_bytes((folder / "notice-1.1.eml").read_bytes(), policy=SMTP)
    body = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[attr-defined]
    assert f"Signed with the certificate {named}." in html.unescape(re.sub(r"<[^>]+>", "", body))
    site = tmp_path / "site"
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert [f"Signed with the certificate {named}." in e.summary for e in feed.entries] == [
        True, True]
    index = html.unescape(re.sub(r"<[^>]+>", "", (site / "index.html").read_text()))
    footer = index[index.index("Made by cplkit."):]
    assert f"is the certificate {named}" in footer


def test_the_notice_lists_every_public_file_of_the_version(registry: Path) -> None:
    from cplkit.publications.filenames import IssuedFiles

    folder = registry / "versions" / "1.1"
    text = (folder / "notice-1.1.txt").read_text()
    message = message_from_bytes((folder / "notice-1.1.eml").read_bytes(), policy=SMTP)
    page = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[attr-defined]
    public = IssuedFiles("1.1").public
    assert "cpl-1.1.html" in public
    for name in public:  # the page among them, which a reader fetches first
        assert f": {name}\n" in text, name
        assert f"<code>{name}</code>" in page, name
    assert "Web page: cpl-1.1.html" in text
    assert "fir-1.1.json" not in text  # restricted: never offered to all parties


class _Inbox:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


def test_notify_delivers_to_a_real_smtp_server(registry: Path) -> None:
    inbox = _Inbox()
    with smtp_server(inbox) as port:
        code, out = run("notify", "-r", registry, "--smtp", f"127.0.0.1:{port}", "--from",
                        "cpl@secas.example", "--to", "dcc@dcc.example,supplier@energy.example",
                        "--to", "maker@meters.example")
    assert code == 0 and "to 3 recipients" in out, out
    [envelope] = inbox.envelopes
    assert envelope.mail_from == "cpl@secas.example"
    assert envelope.rcpt_tos == ["dcc@dcc.example", "supplier@energy.example",
                                 "maker@meters.example"]
    message = message_from_bytes(envelope.content, policy=SMTP)
    assert message["Subject"] == "Central Products List: Version 1.1 Issued on 24-11-2026"
    body = message.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
    assert "Removed (1):" in body.get_content()
    html = message.get_body(preferencelist=("html",))  # type: ignore[attr-defined]
    assert "<h2>Removed (1)</h2>" in html.get_content()


def test_notify_when_the_server_is_down(registry: Path) -> None:
    code, out = run("notify", "-r", registry, "--smtp", f"127.0.0.1:{free_port()}", "--from",
                    "cpl@secas.example", "--to", "dcc@dcc.example")
    assert code == 7 and "could not be sent" in out and "nothing was sent" in out
