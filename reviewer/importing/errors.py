"""Exceptions that turn into `Rejection`s: one for a whole file, one for a single record."""

from __future__ import annotations


class FileRejected(Exception):
    """The whole file (or archive member) cannot be imported; the message says why."""


class RecordRejected(Exception):
    """One record cannot be imported; the rest of the file still goes in."""
