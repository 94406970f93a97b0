"""An enveloped XML signature made while the document is written, with no tree of the whole
document in memory: for documents too large to hold as one (the DCC file of a 72,900-entry list
is 60 MB on disk and about 480 MiB as an lxml tree).

The caller hands over a skeleton (the document's root element with everything but its long run
of repeated elements), the element of it that receives them (the slot), and a generator that
adds them to the slot a batch at a time. Each batch is serialised twice by lxml: as the file
writes it, and as exclusive C14N (libxml2's, through lxml) fed into the SHA-256 that becomes the
reference's digest. The parts around the batches come from the skeleton, serialised the same two
ways. To cut a serialisation into parts, a processing instruction marks the place (in either
serialisation a value's ``<`` is escaped, so the mark cannot occur anywhere else). Nothing is
canonicalised by hand: exclusive C14N renders an element from what is in it and the namespaces
its output ancestors rendered, which the slot as apex renders as the whole document does; the
tests prove the concatenation byte-identical to lxml's canonicalisation of the whole document.

The signature is the one ``cplkit.signing.xmldsig.sign_xml`` makes with libxmlsec1, element for
element and byte for byte: one reference to the whole document (URI ""), the enveloped-signature
and exclusive C14N transforms, SHA-256, ECDSA-SHA256 (r || s, as XML Signature spells it) or
RSA-SHA256, and the signer's certificates in KeyInfo. SignedInfo is canonicalised by lxml and
signed by the signer's key object, so a key file's key and a token's sign alike. Only an
ECDSA SignatureValue differs from sign_xml's (ECDSA signatures are random).

It does not verify what it wrote (``cplkit.signing.xmldsig.verify_enveloped`` does, on the
file), and knows nothing of what the document means.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from cplkit.errors import SigningError
from cplkit.signing.algorithms import (
    ECDSA_SHA256,
    ENVELOPED,
    EXC_C14N,
    RSA_SHA256,
    SHA256,
    XMLDSIG,
)
from cplkit.signing.signers import Signer
from cplkit.signing.xmldsig import DS, key_info

#: the processing instruction that marks where the streamed elements go (its target is an XML
#: name no document of cplkit uses; it has content, as an empty one is written with a space
#: before its end in the file and without in C14N)
_MARK_TARGET, _MARK_TEXT = "cplkit-streamed", "elements-go-here"
_MARK = f"<?{_MARK_TARGET} {_MARK_TEXT}?>".encode("ascii")
#: libxmlsec1 writes base64 in lines of 64 characters
_BASE64_LINE = 64

#: adds elements to the slot it is given, yielding after each batch
Fill = Callable[[Any], Iterable[object]]


def write_enveloped(root: Any, slot: Any, fill: Fill, signer: Signer, out: BinaryIO) -> str:
    """Write to ``out`` the document ``root`` with the elements ``fill(slot)`` adds to ``slot``,
    and an enveloped signature by ``signer`` as its last child; returns the SHA-256 (hex) of
    what was written. ``root`` and ``slot`` are taken over: on return, the slot holds nothing
    ``fill`` added, and the root holds the signature. If it raises, ``out`` holds part of a
    file, which the caller discards."""
    from lxml import etree

    mark = etree.ProcessingInstruction(_MARK_TARGET, _MARK_TEXT)
    slot.append(mark)
    # the document as signed: the skeleton, with the slot's elements at the mark
    c14n_head, c14n_tail = _parts(_c14n(root.getroottree()), 2)
    file_head, _ = _parts(_file(root), 2)
    digest, written = hashlib.sha256(c14n_head), hashlib.sha256()

    def write(data: bytes) -> None:
        out.write(data)
        written.update(data)

    write(file_head)
    end = etree.ProcessingInstruction(_MARK_TARGET, _MARK_TEXT)
    first = slot.index(mark) + 1

    def flush() -> None:
        """The batch in the slot (the elements after the mark), written, digested, dropped."""
        if len(slot) == first:
            return
        slot.append(end)
        write(_parts(_file(slot), 3)[1])
        digest.update(_parts(_c14n(slot), 3)[1])
        del slot[first:]

    for _ in fill(slot):
        flush()
    flush()
    digest.update(c14n_tail)
    _signature(root, digest.digest(), signer)
    # the skeleton again, now with the signature after the slot: what follows the mark
    _, file_tail = _parts(_file(root), 2)
    # as sign_xml writes it: nothing may touch the tree after signing, so the newline at the end
    # is outside the root element
    write(file_tail + b"\n")
    slot.remove(mark)
    return written.hexdigest()


def _file(element: Any) -> bytes:
    """``element`` as the file holds it (the root with the XML declaration sign_xml writes)."""
    from lxml import etree

    whole = element.getparent() is None
    data: bytes = etree.tostring(element, xml_declaration=whole, encoding="UTF-8")
    return data


def _c14n(node: Any) -> bytes:
    from lxml import etree

    data: bytes = etree.tostring(node, method="c14n", exclusive=True, with_comments=False)
    return data


def _parts(data: bytes, count: int) -> list[bytes]:
    """``data`` cut at the marks; exactly ``count`` parts, or cplkit has a bug."""
    parts = data.split(_MARK)
    if len(parts) != count:
        raise SigningError(f"internal error: a streamed document was cut into {len(parts)} "
                           f"parts, not {count}; nothing was signed",
                           hint="report this: it is a bug in cplkit")
    return parts


def _signature(root: Any, digest: bytes, signer: Signer) -> Any:
    """The signature, appended to ``root``, laid out as libxmlsec1's template lays it out
    (a newline after each element but KeyInfo, which sign_xml adds after signing)."""
    from lxml import etree

    key = signer.private_key
    elliptic = isinstance(key, ec.EllipticCurvePrivateKey)
    signature = etree.SubElement(root, DS + "Signature", nsmap={"ds": XMLDSIG})
    signature.text = "\n"
    info = _child(signature, "SignedInfo", text="\n")
    _child(info, "CanonicalizationMethod", Algorithm=EXC_C14N)
    _child(info, "SignatureMethod", Algorithm=ECDSA_SHA256 if elliptic else RSA_SHA256)
    reference = _child(info, "Reference", text="\n", URI="")
    transforms = _child(reference, "Transforms", text="\n")
    _child(transforms, "Transform", Algorithm=ENVELOPED)
    _child(transforms, "Transform", Algorithm=EXC_C14N)
    _child(reference, "DigestMethod", Algorithm=SHA256)
    _child(reference, "DigestValue", text=base64.b64encode(digest).decode("ascii"))
    _child(signature, "SignatureValue", text=_base64_lines(_sign(key, _c14n(info))))
    signature.append(key_info(signer))
    return signature


def _child(parent: Any, name: str, text: str | None = None, **attributes: str) -> Any:
    from lxml import etree

    element = etree.SubElement(parent, DS + name, attributes)
    element.text = text
    element.tail = "\n"
    return element


def _sign(key: Any, signed_info: bytes) -> bytes:
    """The SignatureValue's bytes: RSA PKCS#1 v1.5, or ECDSA as r || s, each the curve's size
    (RFC 4050), not the DER that ``cryptography`` and a token's key give."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(signed_info, ec.ECDSA(hashes.SHA256())))
        size = (key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(signed_info, padding.PKCS1v15(), hashes.SHA256())
    raise SigningError("only ECDSA and RSA keys can sign the CPL")


def _base64_lines(data: bytes) -> str:
    text = base64.b64encode(data).decode("ascii")
    return "\n".join(text[i:i + _BASE64_LINE] for i in range(0, len(text), _BASE64_LINE))
