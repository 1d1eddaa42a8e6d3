"""Tessera: a Matrix homeserver you log in to with a JSON Web Token."""

__version__ = "0.1.0"
