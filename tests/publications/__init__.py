"""Tests of cplkit.publications."""
