"""Storage-only exceptions; services translate them into Matrix errors."""

from tessera.core.errors import Unavailable


class StorageError(Exception):
    """Base of the storage layer's own failures."""


class DatabaseUnavailable(StorageError, Unavailable):
    """The database could not be reached or refused the connection."""
