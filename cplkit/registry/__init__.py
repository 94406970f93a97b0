"""Versions on disk: the codec of the registry's JSON files, the store that reads and checks
them, and the one edit transaction that writes.

It stores what it is given and refuses what it did not write; it neither validates entries nor
signs files.
"""

from cplkit.registry.codec import StoredVersion
from cplkit.registry.store import Registry
from cplkit.registry.transaction import AbortEdit, Transaction

__all__ = ["AbortEdit", "Registry", "StoredVersion", "Transaction"]
