"""Use cases: check, publish (with its dry run), import, trust, audit and the demo.

Each takes paths and options, drives the layers below and returns records; none prints, prompts
or exits (that is the CLI's job).
"""
