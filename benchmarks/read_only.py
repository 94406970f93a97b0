"""The reader alone, for the benchmarks: opens a file with cplkit's reader as ``check`` does
(the scan, with calamine reading ahead), recognises its layout and walks every raw entry,
without validating. ``python benchmarks/read_only.py FILE``."""

from __future__ import annotations

import sys
from pathlib import Path

from cplkit.intake.limits import DEFAULT_LIMITS
from cplkit.intake.opener import open_submission
from cplkit.intake.rulesets import load_ruleset


def main() -> None:
    path = Path(sys.argv[1])
    with open_submission(path, load_ruleset(), DEFAULT_LIMITS, file=str(path),
                         read_ahead=True) as opened:
        count = sum(1 for _ in opened.recognised.entries)
    print(count)


if __name__ == "__main__":
    main()
