"""Rule on the manufacturer image: creator, hash and descriptor, where SECAS's check puts them.

SECAS's macro (``dsManufacturer_Image*_Validate``) refuses a creator without a hash on both rows
(the creator "should not be specified", the hash "must be specified"), a hash without a creator
on the hash row, and a hash without a descriptor on the descriptor row; a descriptor alone it
accepts (that check is commented out). cplkit refuses the same, at the same cells (CPL-R09). A
descriptor with no image, which the form's "all empty or all validly populated" excludes but
SECAS's check and its published list (entry 000584) accept, is advice (CPL-V14). Only fields
the layout has take part, and a value in the wrong format counts as given (its format is
reported on its own). Whether a descriptor names a ZigBee band is the normaliser's CPL-V11.
"""

from __future__ import annotations

from collections.abc import Iterator

from cplkit.core import model as m
from cplkit.core.findings import Code, Finding
from cplkit.core.rules.view import EntryView

IMAGE_FIELDS = (m.IMAGE_CREATOR, m.IMAGE_HASH, m.IMAGE_DESCRIPTOR)
_ALL = "give the creator, the hash and the descriptor together, or leave all three empty"


def manufacturer_image_complete(s: EntryView) -> Iterator[Finding]:
    if not all(s.in_layout(f) for f in IMAGE_FIELDS):
        return
    creator, image_hash, descriptor = map(s.given, IMAGE_FIELDS)
    if creator and not image_hash:
        yield s.finding(Code.R09, m.IMAGE_CREATOR,
                        "a manufacturer image creator is given without the image's hash", _ALL)
        yield s.finding(Code.R09, m.IMAGE_HASH,
                        "the manufacturer image hash is missing: its creator is given", _ALL)
    if image_hash and not creator:
        yield s.finding(Code.R09, m.IMAGE_HASH,
                        "a manufacturer image hash is given without the image's creator", _ALL)
    if image_hash and not descriptor:
        yield s.finding(Code.R09, m.IMAGE_DESCRIPTOR,
                        "a manufacturer image is given without a descriptor, which SECAS's "
                        "tool requires once there is a hash",
                        "describe the image, e.g. 'Complete image; Dual Band' or 'Fragment 1 "
                        "of 2 of FW Version 01:02:03:04; Single Band (2.4 GHz)'")
    if descriptor and not creator and not image_hash:
        yield s.finding(Code.V14, m.IMAGE_DESCRIPTOR,
                        "a manufacturer image descriptor is given with no image: SECAS's check "
                        "accepts it, its form asks for all three fields or none",
                        "clear the descriptor, or give the image's creator and hash with it")
