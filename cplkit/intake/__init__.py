"""Untrusted files in: safety limits, xlsx and CSV reading, layout recognition, the submission
opener, change files, the SECAS workbook reader and ruleset loading.

Everything here reads bytes someone else wrote and hands raw records to the core. Nothing here
decides what is valid or what an import keeps: that is the core's and the use cases' job.
"""
