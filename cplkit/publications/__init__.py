"""The files of one issued version: their names (one place), the signed DCC XML, the CSV extract
with its CMS signature, SECAS's workbook, the JSON export, the web page and the signed manifest,
plus the verification of each.

It builds and checks files in memory; storing them is the registry's job.
"""
