"""Room IDs, event IDs and aliases (spec: Appendices, "Room IDs", "Event IDs", "Room Aliases")."""

from __future__ import annotations

import re

from tessera.core.errors import ErrCode, MatrixError
from tessera.core.ids import storable

#: The spec's limit on room IDs and aliases, in bytes (UTF-8).
MAX_ID_BYTES = 255

_SERVER_NAME = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::[0-9]{1,5})?")
_DOMAINLESS = re.compile(r"[A-Za-z0-9_-]+")


def is_room_id(text: str) -> bool:
    """Whether ``text`` has the shape of a room ID of any room version we serve.

    ``!opaque:server`` before room version 12; from 12 on, ``!`` and unpadded
    URL-safe base64 (the create event's reference hash, MSC4291). Only the shape:
    whether the room exists is the rooms layer's to say.
    """
    if not text.startswith("!") or not _fits(text):
        return False
    opaque, colon, server = text[1:].partition(":")
    if colon:
        return bool(opaque) and _SERVER_NAME.fullmatch(server) is not None
    return _DOMAINLESS.fullmatch(opaque) is not None


def is_event_id(text: str) -> bool:
    """Whether ``text`` has the shape of an event ID (``$`` and an opaque rest)."""
    return len(text) > 1 and text.startswith("$") and _fits(text) and not text.isspace()


def _fits(text: str) -> bool:
    return storable(text) and len(text.encode()) <= MAX_ID_BYTES


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
