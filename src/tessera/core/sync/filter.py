"""Sync filters (spec: Client-Server API, "Filtering"): parsed once into typed values.

``parse_filter`` checks a filter JSON object the way the spec's schema
describes it and returns a ``Filter``; every ``matches`` takes an event (or
presence / account data entry) as the JSON dict a client would see. Unknown
keys are ignored, as the spec's objects allow.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any


class FilterError(ValueError):
    """The filter JSON is not shaped as the spec says; the message names the key."""


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which events of a kind to include: ``None`` in a list means "no restriction"."""

    limit: int | None = None
    types: tuple[str, ...] | None = None
    not_types: tuple[str, ...] = ()
    senders: tuple[str, ...] | None = None
    not_senders: tuple[str, ...] = ()

    def matches(self, event: Mapping[str, Any]) -> bool:
        """Whether ``event`` (with ``type`` and, for room events, ``sender``) passes."""
        sender = event.get("sender")
        if sender in self.not_senders:
            return False
        if self.senders is not None and sender not in self.senders:
            return False
        event_type = event.get("type")
        if not isinstance(event_type, str):
            return self.types is None
        # not_types wins over types (spec: "takes precedence").
        if any(_pattern(p).fullmatch(event_type) for p in self.not_types):
            return False
        return self.types is None or any(_pattern(p).fullmatch(event_type) for p in self.types)


@dataclass(frozen=True, slots=True)
class RoomEventFilter(EventFilter):
    """An ``EventFilter`` for room events: rooms, URLs and member lazy-loading too."""

    rooms: tuple[str, ...] | None = None
    not_rooms: tuple[str, ...] = ()
    contains_url: bool | None = None
    lazy_load_members: bool = False
    include_redundant_members: bool = False
    unread_thread_notifications: bool = False

    def matches(self, event: Mapping[str, Any]) -> bool:
        room_id = event.get("room_id")
        if room_id is not None and not self.allows_room(room_id):
            return False
        if self.contains_url is not None:
            content = event.get("content")
            has_url = isinstance(content, Mapping) and isinstance(content.get("url"), str)
            if has_url != self.contains_url:
                return False
        return EventFilter.matches(self, event)

    def allows_room(self, room_id: str) -> bool:
        """Whether events of ``room_id`` may pass (``not_rooms`` wins over ``rooms``)."""
        if room_id in self.not_rooms:
            return False
        return self.rooms is None or room_id in self.rooms


@dataclass(frozen=True, slots=True)
class RoomFilter:
    """What of each room sync includes."""

    rooms: tuple[str, ...] | None = None
    not_rooms: tuple[str, ...] = ()
    include_leave: bool = False
    timeline: RoomEventFilter = field(default_factory=RoomEventFilter)
    state: RoomEventFilter = field(default_factory=RoomEventFilter)
    ephemeral: RoomEventFilter = field(default_factory=RoomEventFilter)
    account_data: RoomEventFilter = field(default_factory=RoomEventFilter)

    def allows_room(self, room_id: str) -> bool:
        """Whether the room appears in sync at all (``not_rooms`` wins over ``rooms``)."""
        if room_id in self.not_rooms:
            return False
        return self.rooms is None or room_id in self.rooms


@dataclass(frozen=True, slots=True)
class Filter:
    """A whole sync filter; ``Filter()`` is the empty one (everything passes)."""

    event_fields: tuple[str, ...] | None = None
    event_format: str = "client"
    presence: EventFilter = field(default_factory=EventFilter)
    account_data: EventFilter = field(default_factory=EventFilter)
    room: RoomFilter = field(default_factory=RoomFilter)


def parse_filter(raw: Mapping[str, Any]) -> Filter:
    """A ``Filter`` from its JSON object.

    Raises:
        FilterError: a key has the wrong type or value (the message names it).
    """
    event_format = raw.get("event_format", "client")
    if event_format not in ("client", "federation"):
        raise FilterError("'event_format' must be 'client' or 'federation'")
    return Filter(
        event_fields=_strings(raw, "event_fields", ""),
        event_format=event_format,
        presence=EventFilter(**_event_fields(_object(raw, "presence", ""), "presence.")),
        account_data=EventFilter(
            **_event_fields(_object(raw, "account_data", ""), "account_data.")
        ),
        room=_room_filter(_object(raw, "room", ""), "room."),
    )


def _room_filter(raw: Mapping[str, Any], where: str) -> RoomFilter:
    parts = {
        name: _room_event_filter(_object(raw, name, where), f"{where}{name}.")
        for name in ("timeline", "state", "ephemeral", "account_data")
    }
    return RoomFilter(
        rooms=_strings(raw, "rooms", where),
        not_rooms=_strings(raw, "not_rooms", where) or (),
        include_leave=_bool(raw, "include_leave", where) or False,
        **parts,
    )


def _room_event_filter(raw: Mapping[str, Any], where: str) -> RoomEventFilter:
    return RoomEventFilter(
        **_event_fields(raw, where),
        rooms=_strings(raw, "rooms", where),
        not_rooms=_strings(raw, "not_rooms", where) or (),
        contains_url=_bool(raw, "contains_url", where),
        lazy_load_members=_bool(raw, "lazy_load_members", where) or False,
        include_redundant_members=_bool(raw, "include_redundant_members", where) or False,
        unread_thread_notifications=_bool(raw, "unread_thread_notifications", where) or False,
    )


def _event_fields(raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    limit = raw.get("limit")
    # bool is an int to Python, not to JSON. 0 is allowed, as Synapse allows it: it is how a
    # client asks for none of a kind (a timeline of 0 events, no room account data).
    if "limit" in raw and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
        raise FilterError(f"'{where}limit' must be a non-negative integer")
    return {
        "limit": limit,
        "types": _strings(raw, "types", where),
        "not_types": _strings(raw, "not_types", where) or (),
        "senders": _strings(raw, "senders", where),
        "not_senders": _strings(raw, "not_senders", where) or (),
    }


# A key that is present must have its type: the spec's schema has no nulls.


def _object(raw: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    if key not in raw:
        return {}
    value = raw[key]
    if not isinstance(value, Mapping):
        raise FilterError(f"'{where}{key}' must be an object")
    return value


def _strings(raw: Mapping[str, Any], key: str, where: str) -> tuple[str, ...] | None:
    if key not in raw:
        return None
    value = raw[key]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise FilterError(f"'{where}{key}' must be a list of strings")
    return tuple(value)


def _bool(raw: Mapping[str, Any], key: str, where: str) -> bool | None:
    value = raw.get(key)
    if key in raw and not isinstance(value, bool):
        raise FilterError(f"'{where}{key}' must be a boolean")
    return value


@lru_cache(maxsize=1024)
def _pattern(glob: str) -> re.Pattern[str]:
    """A type pattern: ``*`` matches any run of characters, everything else itself."""
    return re.compile(".*".join(re.escape(part) for part in glob.split("*")), re.DOTALL)
