"""Signatures: the frozen signing policy, signers (a key file today, a token later), certificates
and their validity at a time, XML-DSig and CMS, made and checked.

It signs and verifies bytes and XML trees; what a CPL file holds is for ``cplkit.publications``.
"""
