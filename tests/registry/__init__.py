"""Tests of cplkit.registry."""
