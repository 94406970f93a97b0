"""Tests of cplkit.render."""
