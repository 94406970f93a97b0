"""Tests of cplkit.signing."""
