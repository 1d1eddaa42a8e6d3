"""Rooms as the layers pass them around: frozen records, no behaviour (issue 14)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Room:
    room_id: str
    room_version: str
    creator: str
    is_public: bool
    #: The newest event of the room's one linear history, and its depth.
    head_event_id: str | None
    head_depth: int


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as persisted: its PDU (redacted in place once redacted) and its stream position."""

    stream: int
    event_id: str
    room_id: str
    pdu: Mapping[str, Any]
    redacted_by: str | None = None

    @property
    def type(self) -> str:
        return str(self.pdu["type"])

    @property
    def state_key(self) -> str | None:
        key = self.pdu.get("state_key")
        return key if isinstance(key, str) else None

    @property
    def sender(self) -> str:
        return str(self.pdu["sender"])

    @property
    def content(self) -> Mapping[str, Any]:
        content = self.pdu.get("content")
        return content if isinstance(content, Mapping) else {}


@dataclass(frozen=True, slots=True)
class Membership:
    """A user's current membership of a room, and the event that set it."""

    room_id: str
    user_id: str
    membership: str
    event_id: str
    stream: int
    forgotten: bool = False


@dataclass(frozen=True, slots=True)
class PublicRoom:
    """A room of the public directory with the state ``/publicRooms`` shows."""

    room_id: str
    joined_members: int
    state: Mapping[tuple[str, str], Mapping[str, Any]]
