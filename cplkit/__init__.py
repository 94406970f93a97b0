"""cplkit: build, check and publish the GB smart metering Central Products List (CPL).

The package is layered: ``cplkit.core`` is pure (records, rules, validation) and takes objects,
never paths; ``cplkit.io`` holds the adapters that read and write files; ``cplkit.cli`` is a thin
click layer on top. This module only carries the version, so importing it stays cheap.
"""

__version__ = "0.1.0"
