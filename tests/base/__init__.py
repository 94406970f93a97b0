"""Tests of cplkit.base: the guards every file read goes through."""
