"""Reviewing pairs: the store that owns the ``pairs`` and ``events`` tables, the filter every
access path shares, status names, and the adapter from table edits to store updates."""

from .filters import PairFilter
from .statuses import ALL, PAIR_STATUSES, SPLIT_STATUSES

__all__ = ["ALL", "PAIR_STATUSES", "SPLIT_STATUSES", "PairFilter"]
