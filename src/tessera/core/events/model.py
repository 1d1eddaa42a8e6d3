"""``Event``: a PDU as signed, with its ID and room, and the client format.

The PDU is kept exactly as hashed and signed (no ``event_id``; a v12 create
event has no ``room_id``), so it can be stored, re-verified and redacted
without re-deriving anything. Everything else is a read-only view of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tessera.core.events.room_versions import RoomVersion


@dataclass(frozen=True, slots=True)
class Event:
    """One room event.

    Attributes:
        event_id: ``$`` + URL-safe unpadded base64 of the reference hash.
        room_id: The room, also for a v12 create event whose PDU has none.
        pdu: The signed PDU exactly as hashed. Treat as read-only.
        version: The room version the event was built under.
    """

    event_id: str
    room_id: str
    pdu: Mapping[str, Any]
    version: RoomVersion

    def __hash__(self) -> int:
        # The generated hash would hash the PDU (a dict: unhashable); the event ID is
        # the PDU's reference hash, so it identifies the event as well.
        return hash(self.event_id)

    @property
    def type(self) -> str:
        """The event type, e.g. ``m.room.message``."""
        return str(self.pdu["type"])

    @property
    def state_key(self) -> str | None:
        """The state key, or None for a message (non-state) event."""
        key = self.pdu.get("state_key")
        return key if isinstance(key, str) else None

    @property
    def is_state(self) -> bool:
        """Whether this is a state event (it has a string ``state_key``)."""
        return self.state_key is not None

    @property
    def sender(self) -> str:
        """The user ID that sent the event."""
        return str(self.pdu["sender"])

    @property
    def content(self) -> Mapping[str, Any]:
        """The event content (an empty mapping if the PDU's is not an object)."""
        content = self.pdu.get("content")
        return content if isinstance(content, Mapping) else {}

    @property
    def origin_server_ts(self) -> int:
        """Milliseconds since the epoch on the originating server."""
        return int(self.pdu["origin_server_ts"])

    @property
    def depth(self) -> int:
        """The event's depth in the room graph."""
        return int(self.pdu["depth"])

    @property
    def prev_event_ids(self) -> Sequence[str]:
        """The events this one follows (empty for the create event)."""
        return tuple(self.pdu.get("prev_events", ()))

    @property
    def auth_event_ids(self) -> Sequence[str]:
        """The events that authorise this one."""
        return tuple(self.pdu.get("auth_events", ()))

    @property
    def membership(self) -> str | None:
        """``content.membership`` of an ``m.room.member`` event, else None."""
        value = self.content.get("membership") if self.type == "m.room.member" else None
        return value if isinstance(value, str) else None

    @property
    def redacts(self) -> str | None:
        """The event an ``m.room.redaction`` redacts: ``content.redacts`` from v11,
        the top-level ``redacts`` before."""
        if self.type != "m.room.redaction":
            return None
        source = self.content if self.version.redacts_in_content else self.pdu
        value = source.get("redacts")
        return value if isinstance(value, str) else None


def client_event(event: Event, unsigned: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The Client-Server API's ``ClientEvent`` for ``event``.

    A redaction's ``redacts`` is given both at the top level and in
    ``content`` whatever the version, as Synapse does, so clients written
    against either layout find it.
    """
    result: dict[str, Any] = {
        "content": dict(event.content),
        "event_id": event.event_id,
        "origin_server_ts": event.origin_server_ts,
        "room_id": event.room_id,
        "sender": event.sender,
        "type": event.type,
    }
    if event.state_key is not None:
        result["state_key"] = event.state_key
    redacts = event.redacts
    if redacts is not None:
        result["redacts"] = redacts
        result["content"]["redacts"] = redacts
    if unsigned is not None:
        result["unsigned"] = dict(unsigned)
    return result


def stripped_state(event: Event) -> dict[str, Any]:
    """The Client-Server API's stripped state form (``invite_state``, ``knock_state``):
    ``content``, ``sender``, ``state_key`` and ``type`` only."""
    return {
        "content": dict(event.content),
        "sender": event.sender,
        "state_key": event.state_key,
        "type": event.type,
    }
