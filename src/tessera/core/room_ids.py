"""Room and event ID shapes (spec: Appendices, "Room IDs", "Event IDs").

Only the shape: whether such a room or event exists is the rooms layer's to say.
Room IDs are ``!opaque:server`` before room version 12 and ``!`` followed by
unpadded URL-safe base64 from version 12 on (MSC4291); both are accepted, as
Synapse 1.163 does.
"""

from __future__ import annotations

import re

from tessera.core.ids import storable

#: The spec's limit on room and event IDs, in bytes.
MAX_ID_LENGTH = 255

_SERVER_NAME = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::[0-9]{1,5})?")
_DOMAINLESS = re.compile(r"[A-Za-z0-9_-]+")


def is_room_id(text: str) -> bool:
    """Whether ``text`` has the shape of a room ID of any room version we serve."""
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
    return storable(text) and len(text.encode()) <= MAX_ID_LENGTH
