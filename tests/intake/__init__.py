"""Tests of cplkit.intake."""
