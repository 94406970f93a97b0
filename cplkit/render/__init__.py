"""What people and scripts read on screen or in a file: check reports (text, JSON, JUnit, HTML),
listings of entries, history, diffs and audits, and the finding-code catalogue.

Rendering never changes a record and never touches the registry.
"""
