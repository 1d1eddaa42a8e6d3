"""Room state (spec: "Room state"): ``GET /state``, ``GET``/``PUT /state/{type}/{stateKey}``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tessera.core.errors import NotFound
from tessera.core.models import Requester
from tessera.core.rooms.ids import parse_room_id
from tessera.services.clock import Clock, now_ms
from tessera.services.rooms.access import client_events, room_view
from tessera.services.rooms.send import RoomSender
from tessera.storage.ports import Store


class RoomStateService:
    def __init__(self, store: Store, sender: RoomSender, clock: Clock) -> None:
        self._store = store
        self._sender = sender
        self._clock = clock

    async def all(self, who: Requester, room_id: str) -> list[dict[str, Any]]:
        """The current state (a former member: the state when they left)."""
        parse_room_id(room_id)
        async with self._store.read() as txn:
            view = await room_view(txn, who.user_id, room_id)
            if view.membership == "join":
                state = await txn.room_state.current(room_id)
            else:
                state = await txn.events.state_at(room_id, view.until)
            return await client_events(txn, view.version, state, now_ms(self._clock))

    async def content(
        self, who: Requester, room_id: str, event_type: str, state_key: str
    ) -> Mapping[str, Any]:
        """One state event's content (404 ``M_NOT_FOUND`` when the room has none)."""
        parse_room_id(room_id)
        async with self._store.read() as txn:
            view = await room_view(txn, who.user_id, room_id)
            if view.membership == "join":
                event = await txn.room_state.get(room_id, event_type, state_key)
            else:
                at = await txn.events.state_at(room_id, view.until)
                event = next(
                    (e for e in at if (e.type, e.state_key) == (event_type, state_key)), None
                )
        if event is None:
            raise NotFound("Event not found.")
        return event.content

    async def put(
        self,
        who: Requester,
        room_id: str,
        event_type: str,
        state_key: str,
        content: Mapping[str, Any],
    ) -> str:
        """Set a state event; setting what is already there returns the existing event."""
        parse_room_id(room_id)
        async with self._store.read() as txn:
            current = await txn.room_state.get(room_id, event_type, state_key)
        if current is not None and current.sender == who.user_id and current.content == content:
            return current.event_id
        return await self._sender.send(who, room_id, event_type, content, None, state_key=state_key)
