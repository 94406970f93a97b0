"""A CMS signature damaged anywhere (one byte flipped at each place in turn) is refused as a
verification failure, never an internal error: the certificates it carries are read whole
when the signature is read (``cryptography`` parses a certificate's names lazily, so a
flipped byte in a subject once surfaced later as exit 70)."""

from __future__ import annotations

from typing import Any

from cplkit.errors import CplkitError
from cplkit.signing.cms import sign_cms, verify_cms
from tests.conftest import utc_now


def test_every_single_byte_flip_is_a_verification_failure(identity: Any) -> None:
    data = b"Entry.number,Entry.status\r\n000001,Current\r\n"
    signature = sign_cms(data, identity, now=utc_now())
    assert verify_cms(data, signature, [identity.certificate]) is not None
    refused = 0
    for at in range(len(signature)):
        damaged = bytearray(signature)
        damaged[at] ^= 0x20
        try:
            verify_cms(data, bytes(damaged), [identity.certificate])
        except CplkitError:
            refused += 1
        # any other exception fails the test: it would reach the user as exit 70
    assert refused > len(signature) // 2  # most flips break it; some land in ignored bytes
