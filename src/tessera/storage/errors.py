"""Storage-only exceptions; services translate them into Matrix errors."""


class StorageError(Exception):
    """Base of the storage layer's own failures."""


class DatabaseUnavailable(StorageError):
    """The database could not be reached or refused the connection."""
