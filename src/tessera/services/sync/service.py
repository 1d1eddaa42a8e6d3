"""``GET /sync`` (spec: "Syncing"): one response from every stream, or a long poll.

The token read at the start (each stream's current position) is the response's
``next_batch``: what committed after it is the next sync's. A sync with ``since`` and
nothing new waits on the notifier, registered *before* the first read, so a change that
commits while the response is being built still wakes it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tessera.core.models import Requester
from tessera.core.sync.filter import Filter
from tessera.core.sync.token import SyncToken, pagination_token
from tessera.services.clock import Clock, now_ms
from tessera.services.rooms.access import Viewer
from tessera.services.rooms.send import txn_scope
from tessera.services.sync.notifier import Notifier, room_key, user_key
from tessera.services.sync.rooms import RoomOptions, RoomSections
from tessera.services.sync.streams import SyncParts, SyncRequest, SyncStream
from tessera.services.sync.user_streams import apply_filter
from tessera.storage.ports import Store, Transaction

#: The longest a client may make us wait (Synapse caps nothing, but a proxy would).
MAX_TIMEOUT_MS = 5 * 60 * 1000


@dataclass(frozen=True)
class SyncParams:
    since: str | None = None
    timeout_ms: int = 0
    full_state: bool = False
    options: RoomOptions = field(default_factory=RoomOptions)
    #: The whole filter: the per-user streams' sections apply after they collect.
    filter: Filter = field(default_factory=Filter)


class Sync:
    def __init__(
        self,
        store: Store,
        notifier: Notifier,
        clock: Clock,
        streams: Sequence[SyncStream] = (),
    ) -> None:
        self._store = store
        self._notifier = notifier
        self._clock = clock
        #: The streams beside room events (account data, receipts, typing, presence …).
        self._streams = tuple(streams)

    async def sync(self, who: Requester, params: SyncParams) -> dict[str, Any]:
        since = SyncToken.parse(params.since) if params.since else None
        async with self._store.read() as txn:
            rooms = await txn.memberships.all_of(who.user_id)
        keys = [user_key(who.user_id)] + [
            room_key(m.room_id) for m in rooms if m.membership in ("join", "invite")
        ]
        deadline = time.monotonic() + min(max(params.timeout_ms, 0), MAX_TIMEOUT_MS) / 1000
        with self._notifier.listen(keys) as waiter:
            while True:
                waiter.changed.clear()
                token, parts = await self._build(who, since, params)
                remaining = deadline - time.monotonic()
                if since is None or params.full_state or not parts.is_empty() or remaining <= 0:
                    return _response(token, parts)
                if self._notifier.closing:  # shutting down: answer what there is, now
                    return _response(token, parts)
                if not await waiter.wait(remaining):
                    return _response(token, parts)

    async def _build(
        self, who: Requester, since: SyncToken | None, params: SyncParams
    ) -> tuple[SyncToken, SyncParts]:
        parts = SyncParts()
        async with self._store.read() as txn:
            until = await txn.events.current_position()
            joined = await self._rooms(txn, who, since, until, params, parts)
        request = SyncRequest(who.user_id, who.device_id, params.full_state, since is None, joined)
        positions = {"events": until}
        for stream in self._streams:
            positions[stream.name] = position = await stream.current_position()
            previous = since[stream.name] if since is not None else None
            await stream.collect(request, previous, position, parts)
        apply_filter(parts, params.filter)
        for room_id in {*parts.ephemeral, *parts.room_account_data} & set(joined):
            if room_id not in parts.rooms_join:  # only typing, receipts or account data moved
                parts.rooms_join[room_id] = _quiet_room(until)
        return SyncToken(positions), parts

    async def _rooms(
        self,
        txn: Transaction,
        who: Requester,
        since: SyncToken | None,
        until: int,
        params: SyncParams,
        parts: SyncParts,
    ) -> tuple[str, ...]:
        """Fill the room sections up to event position ``until``; the joined rooms the
        filter lets in (the only ones whose ephemeral events and account data are read)."""
        after = since["events"] if since is not None else None
        viewer = Viewer(who.user_id, txn_scope(who))
        now = now_ms(self._clock)
        sections = RoomSections(txn, viewer, params.options, now, params.full_state)
        # Memberships committed after ``until`` are the next sync's.
        memberships = [m for m in await txn.memberships.all_of(who.user_id) if m.stream <= until]
        for membership in memberships:
            room_id = membership.room_id
            if not params.options.rooms.allows_room(room_id):
                continue
            changed = after is None or membership.stream > after
            if membership.membership == "join":
                entry = await sections.joined(membership, after, until)
                if entry is not None:
                    parts.rooms_join[room_id] = entry
            elif membership.membership == "invite" and changed:
                parts.rooms_invite[room_id] = await sections.invited(membership)
            elif membership.membership in ("leave", "ban") and changed and after is not None:
                parts.rooms_leave[room_id] = await sections.left(membership, after)
        return tuple(
            m.room_id
            for m in memberships
            if m.membership == "join" and params.options.rooms.allows_room(m.room_id)
        )


def _quiet_room(until: int) -> dict[str, Any]:
    """A ``rooms.join`` entry for a room without new events."""
    return {
        "timeline": {"events": [], "limited": False, "prev_batch": pagination_token(until)},
        "state": {"events": []},
        "ephemeral": {"events": []},
        "account_data": {"events": []},
        "unread_notifications": {"highlight_count": 0, "notification_count": 0},
        "summary": {},
    }


def _response(token: SyncToken, parts: SyncParts) -> dict[str, Any]:
    for room_id, events in parts.ephemeral.items():
        if room_id in parts.rooms_join:
            parts.rooms_join[room_id]["ephemeral"] = {"events": events}
    for room_id, events in parts.room_account_data.items():
        if room_id in parts.rooms_join:
            parts.rooms_join[room_id]["account_data"] = {"events": events}
    return {
        "next_batch": token.encode(),
        "rooms": {
            "join": parts.rooms_join,
            "invite": parts.rooms_invite,
            "leave": parts.rooms_leave,
            "knock": {},
        },
        "account_data": {"events": parts.account_data},
        "presence": {"events": parts.presence},
        "to_device": {"events": parts.to_device},
        "device_lists": {"changed": [], "left": []},
        "device_one_time_keys_count": {},
    }
