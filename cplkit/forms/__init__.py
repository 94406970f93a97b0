"""The workbooks people fill in: SECAS's New Entry form and the one-entry-per-row bulk sheet,
written from the ruleset with openpyxl.

It writes templates and their cells; reading a filled-in form is ``cplkit.intake``'s job.
"""
