"""Adapters at the edges: reading spreadsheets and CSV safely, loading rulesets, writing reports
and workbooks. Everything here may touch files; nothing here decides what is valid (the core does).
"""
