"""The errors buddy_jupyter raises on purpose.

Inside the package these are ordinary exceptions; the magics turn every
``BuddyError`` into IPython's ``UsageError`` so the learner sees one clean line
and the cell fails.
"""

from __future__ import annotations


class BuddyError(Exception):
    """Base of every error meant for the learner's eyes."""


class InvalidInput(BuddyError, ValueError):
    """Text or arguments that cannot be stored or run as given."""


class NotFound(BuddyError, KeyError):
    """No session, message or memory with that id."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "not found"


class StoreError(BuddyError):
    """The store cannot be used as asked."""


class StoreLocked(StoreError):
    """Another process kept the store file locked past the timeout."""


class StoreTooNew(StoreError):
    """The store was written by a newer buddy_jupyter: readable, never altered."""


class StoreUnwritable(StoreError):
    """The store's folder or file cannot be written."""


class ForeignFile(StoreError):
    """The file at the store's path is someone's own DuckDB database, not a store: left alone."""


class StoreCorrupt(StoreError):
    """The store file could not be read as a DuckDB database (moved aside)."""
