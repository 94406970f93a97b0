"""Tests of cplkit.forms: the New Entry form and the bulk templates cplkit writes."""
