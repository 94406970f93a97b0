"""Allows ``python -m cplkit``; it only hands over to the click entry point."""

from cplkit.cli import main

main()
