"""Rule on the manufacturer image: creator, hash and descriptor together or not at all.

The New Entry form says creator and hash are "all empty or all validly populated", and SECAS's
tool refuses a hash without a descriptor; a descriptor alone it tolerates (that check is
commented out in its macro), and so does cplkit. So a creator without a hash, a hash without a
creator, or a hash without a descriptor is an error (CPL-R09), and so is a descriptor with no
image, which the form's "all empty" excludes. Only fields the layout has take part, and a value
in the wrong format counts as given (its format is reported on its own), so one mistake never
produces two findings. Whether a descriptor names a ZigBee band is the normaliser's CPL-V11.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from cplkit.core import model as m
from cplkit.core.findings import Finding
from cplkit.core.memo import Slot
from cplkit.core.model import Placement

if TYPE_CHECKING:
    from cplkit.core.validate import Subject

IMAGE_FIELDS = (m.IMAGE_CREATOR, m.IMAGE_HASH, m.IMAGE_DESCRIPTOR)
_APPLIES: Slot[Placement, bool] = Slot("manufacturer-image-complete")


def manufacturer_image_complete(s: Subject) -> Iterator[Finding]:
    if not s.memo.get(_APPLIES, s.placement,
                      lambda: all(s.in_layout(f) for f in IMAGE_FIELDS)):
        return
    values, unusable = s.values, s.unusable
    creator, image_hash, descriptor = (f in values or f in unusable for f in IMAGE_FIELDS)
    if creator == image_hash == descriptor:
        return
    given = [f for f in IMAGE_FIELDS if s.given(f)]
    missing = [f for f in IMAGE_FIELDS if not s.given(f)]
    if creator and image_hash:
        yield s.finding("CPL-R09", m.IMAGE_DESCRIPTOR,
                        "a manufacturer image is given without a descriptor, which SECAS's "
                        "tool requires once there is a hash",
                        "describe the image, e.g. 'Complete image; Dual Band' or 'Fragment 1 "
                        "of 2 of FW Version 01:02:03:04; Single Band (2.4 GHz)'")
        return
    yield s.finding("CPL-R09", missing[0],
                    f"the manufacturer image is given in part: {', '.join(given)} filled in, "
                    f"{', '.join(missing)} empty")
