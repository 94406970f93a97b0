"""Tests of cplkit.app."""
