"""Room IDs and aliases (spec: Appendices, "Room IDs", "Room Aliases")."""

from __future__ import annotations

from tessera.core.errors import ErrCode, MatrixError
from tessera.core.ids import storable

#: The spec's limit on room IDs and aliases, in bytes (UTF-8).
MAX_ID_BYTES = 255


def is_room_id(text: str) -> bool:
    """``!opaque`` (v12) or ``!opaque:server``: a ``!``, something, at most 255 bytes."""
    return (
        len(text) > 1
        and text.startswith("!")
        and storable(text)
        and len(text.encode()) <= MAX_ID_BYTES
        and not any(c.isspace() for c in text)
    )


def parse_room_id(text: str) -> str:
    """``text`` if it is a room ID, else 400 ``M_INVALID_PARAM``."""
    if not is_room_id(text):
        raise MatrixError(ErrCode.INVALID_PARAM, f"{text!r} is not a valid room ID")
    return text


def is_room_alias(text: str) -> bool:
    localpart, colon, server = text[1:].partition(":")
    return (
        text.startswith("#")
        and bool(localpart)
        and bool(colon)
        and bool(server)
        and storable(text)
        and len(text.encode()) <= MAX_ID_BYTES
        and not any(c.isspace() for c in text)
    )


def parse_room_alias(text: str) -> str:
    """``text`` if it is a room alias, else 400 ``M_INVALID_PARAM``."""
    if not is_room_alias(text):
        raise MatrixError(ErrCode.INVALID_PARAM, "Room alias must be of the form #localpart:server")
    return text


def alias_for(name: str, server_name: str) -> str:
    """``#name:server`` for createRoom's ``room_alias_name`` (400 ``M_INVALID_PARAM`` if bad)."""
    if not isinstance(name, str) or not name or ":" in name or any(c.isspace() for c in name):
        raise MatrixError(ErrCode.INVALID_PARAM, "Invalid characters in room alias")
    alias = f"#{name}:{server_name}"
    if not is_room_alias(alias):
        raise MatrixError(ErrCode.INVALID_PARAM, "Invalid room alias")
    return alias
