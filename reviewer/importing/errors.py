"""Exceptions that turn into `Rejection`s: one for a whole file, one for a single record.

Each carries a short, stable `rule` code (``invalid_json``, ``binary_data`` ...) next to its
human message, so reports and tests can say exactly which check refused the input.
"""

from __future__ import annotations


class FileRejected(Exception):
    """The whole file (or archive member) cannot be imported; the message says why.

    `locator` points into the file when the problem has a place (``line 3``).
    """

    def __init__(self, message: str, *, rule: str = "unreadable", locator: str = ""):
        super().__init__(message)
        self.rule = rule
        self.locator = locator


class RecordRejected(Exception):
    """One record cannot be imported; the rest of the file still goes in."""

    def __init__(self, message: str, *, rule: str = "not_a_conversation"):
        super().__init__(message)
        self.rule = rule
