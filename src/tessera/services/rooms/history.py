"""Reading a room's history: ``/messages``, ``/context``, ``/event``, ``/members``,
``/joined_members`` and ``/joined_rooms`` (spec: "Getting events for a room").

Pagination tokens are points between stream positions (core/sync/token.py), so ``/messages``
continues exactly where sync's ``prev_batch`` (or a previous page's ``end``) stopped: no
gap, no duplicate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tessera.core.errors import NotFound
from tessera.core.models import Requester
from tessera.core.rooms import StoredEvent
from tessera.core.rooms.ids import parse_room_id
from tessera.core.sync.token import SyncToken, pagination_token
from tessera.services.clock import Clock, now_ms
from tessera.services.rooms.access import Viewer, client_events, room_view, visibility_check
from tessera.services.rooms.send import txn_scope
from tessera.storage.ports import Store

EventFilter = Callable[[StoredEvent], bool]


class Matcher(Protocol):
    """A filter of events (``core.sync.filter.RoomEventFilter``)."""

    def matches(self, event: Mapping[str, Any]) -> bool: ...


@dataclass(frozen=True)
class Page:
    chunk: list[dict[str, Any]]
    start: str
    end: str | None
    state: list[dict[str, Any]]


class RoomHistory:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def messages(
        self,
        who: Requester,
        room_id: str,
        *,
        start: str | None,
        end: str | None,
        backwards: bool,
        limit: int,
        keep: Matcher | None = None,
    ) -> Page:
        """One page of the room's events from ``start`` towards ``end``."""
        parse_room_id(room_id)
        limit = max(1, min(limit, 1000))
        async with self._store.read() as txn:
            view = await room_view(txn, who.user_id, room_id)
            origin = SyncToken.parse(start)["events"] if start else None
            bound = SyncToken.parse(end)["events"] if end else None
            if backwards:
                origin = view.until if origin is None else min(origin, view.until)
                rows = await txn.events.before(room_id, origin, bound or 0, limit)
                next_point = rows[-1].stream - 1 if rows else origin
            else:
                origin = 0 if origin is None else origin
                until = view.until if bound is None else min(bound, view.until)
                rows = await txn.events.after(room_id, origin, until, limit)
                next_point = rows[-1].stream if rows else origin
            check = await visibility_check(txn, view)
            shown = [e for e in rows if check(e) and (keep is None or keep.matches(e.pdu))]
            chunk = await client_events(
                txn, view.version, shown, now_ms(self._clock), _viewer(who), timeline=True
            )
        more = len(rows) == limit
        return Page(
            chunk=chunk,
            start=pagination_token(origin),
            end=pagination_token(next_point) if more else None,
            state=[],
        )

    async def event(self, who: Requester, room_id: str, event_id: str) -> dict[str, Any]:
        """One event, if the user may see it (404 otherwise, as Synapse)."""
        parse_room_id(room_id)
        async with self._store.read() as txn:
            view = await room_view(txn, who.user_id, room_id)
            stored = await txn.events.get(event_id)
            if stored is None or stored.room_id != room_id or stored.stream > view.until:
                raise NotFound("Event not found.")
            if not (await visibility_check(txn, view))(stored):
                raise NotFound("Event not found.")
            [event] = await client_events(
                txn, view.version, [stored], now_ms(self._clock), _viewer(who), timeline=True
            )
        return event

    async def context(
        self, who: Requester, room_id: str, event_id: str, limit: int
    ) -> dict[str, Any]:
        """The event with up to ``limit`` events around it and the state at it."""
        parse_room_id(room_id)
        limit = max(0, min(limit, 100))
        async with self._store.read() as txn:
            view = await room_view(txn, who.user_id, room_id)
            stored = await txn.events.get(event_id)
            check = await visibility_check(txn, view)
            if stored is None or stored.room_id != room_id or not check(stored):
                raise NotFound("Event not found.")
            before_n, after_n = limit // 2, limit - limit // 2
            before = await txn.events.before(room_id, stored.stream - 1, 0, before_n)
            after = await txn.events.after(room_id, stored.stream, view.until, after_n)
            state = await txn.events.state_at(room_id, stored.stream)
            now, version = now_ms(self._clock), view.version
            result = {
                "event": (await client_events(txn, version, [stored], now))[0],
                "events_before": await client_events(txn, version, _only(before, check), now),
                "events_after": await client_events(txn, version, _only(after, check), now),
                "state": await client_events(txn, version, state, now),
                "start": pagination_token(before[-1].stream - 1 if before else stored.stream - 1),
                "end": pagination_token(after[-1].stream if after else stored.stream),
            }
        return result

    async def members(
        self,
        who: Requester,
        room_id: str,
        *,
        at: str | None,
        membership: str | None,
        not_membership: str | None,
    ) -> list[dict[str, Any]]:
        """The room's member events, now or at a point (``at``), filtered by membership."""
        parse_room_id(room_id)
        async with self._store.read() as txn:
            view = await room_view(txn, who.user_id, room_id)
            point = view.until if at is None else min(SyncToken.parse(at)["events"], view.until)
            state = await txn.events.state_at(room_id, point)
            members = [
                e
                for e in state
                if e.type == "m.room.member"
                and (membership is None or e.content.get("membership") == membership)
                and (not_membership is None or e.content.get("membership") != not_membership)
            ]
            return await client_events(txn, view.version, members, now_ms(self._clock))

    async def joined_members(self, who: Requester, room_id: str) -> dict[str, Any]:
        """``{user_id: {display_name, avatar_url}}`` of the joined members (members only)."""
        parse_room_id(room_id)
        async with self._store.read() as txn:
            view = await room_view(txn, who.user_id, room_id)
            if view.membership != "join":
                raise NotFound(f"User {who.user_id} is not in room {room_id}")
            joined: dict[str, Any] = {}
            for event in await txn.room_state.current(room_id):
                if event.type == "m.room.member" and event.content.get("membership") == "join":
                    joined[event.state_key or ""] = {
                        "display_name": event.content.get("displayname"),
                        "avatar_url": event.content.get("avatar_url"),
                    }
        return joined

    async def joined_rooms(self, who: Requester) -> list[str]:
        async with self._store.read() as txn:
            return [m.room_id for m in await txn.memberships.rooms_of(who.user_id, "join")]


def _viewer(who: Requester) -> Viewer:
    return Viewer(who.user_id, txn_scope(who))


def _only(events: Sequence[StoredEvent], check: EventFilter) -> list[StoredEvent]:
    return [event for event in events if check(event)]
