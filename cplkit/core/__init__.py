"""The pure core of cplkit: records, the ruleset's typed view, normalisation, rules, validation,
merge, diff and audit.

Nothing under ``cplkit.core`` opens a file, imports an I/O library (openpyxl, calamine, lxml,
click) or reads the clock: callers pass objects, bytes and the as-of date in. That keeps every
rule testable with plain values and lets the layers around it change freely.
"""
