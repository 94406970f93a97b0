"""cplkit: build, check and publish the GB smart metering Central Products List (CPL).

The package is layered, one folder per concern, imports pointing down only (docs/architecture.md;
``tests/test_architecture.py`` holds every module to the table):

    cli/ -> app/ -> render/, publications/, forms/ -> signing/, registry/, intake/ -> core/

``core`` is pure; ``base`` holds the few helpers every layer outside the core shares. This module
only carries the version, so importing it stays cheap.
"""

__version__ = "0.1.0"
