"""Rule on the manufacturer image: creator, hash and descriptor all given, or all empty.

Only the fields the layout has take part; a hash in the wrong format counts as given (its format
is reported on its own), so one mistake never produces two findings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from cplkit.core import model as m
from cplkit.core.findings import Finding
from cplkit.core.rules import rule

if TYPE_CHECKING:
    from cplkit.core.validate import Subject

IMAGE_FIELDS = (m.IMAGE_CREATOR, m.IMAGE_HASH, m.IMAGE_DESCRIPTOR)


@rule("manufacturer-image-complete")
def manufacturer_image_complete(s: Subject) -> Iterator[Finding]:
    fields = [f for f in IMAGE_FIELDS if s.in_layout(f)]
    given = [f for f in fields if s.given(f)]
    if not given or len(given) == len(fields):
        return
    missing = [f for f in fields if f not in given]
    yield s.finding("CPL-R09", missing[0],
                    f"the manufacturer image is given in part: {', '.join(given)} filled in, "
                    f"{', '.join(missing)} empty")
