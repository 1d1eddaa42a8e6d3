"""The per-user streams (services/account_data.py, receipts.py, typing.py, presence.py) as
sync streams, the sync filter's sections for them, and the notifier as their ``Wakeup``."""

from __future__ import annotations

from typing import Any

from tessera.core.sync.filter import EventFilter, Filter, RoomEventFilter
from tessera.services.account_data import AccountData
from tessera.services.presence import Presence
from tessera.services.receipts import Receipts
from tessera.services.streams import ACCOUNT_DATA, PRESENCE, RECEIPTS, TYPING, StreamChange
from tessera.services.sync.notifier import Notifier, room_key, user_key
from tessera.services.sync.streams import SyncParts, SyncRequest
from tessera.services.typing import Typing
from tessera.storage.ports import Store


def unchanged(since: int | None, until: int) -> bool:
    """An incremental sync whose stream has not moved: nothing to read."""
    return since is not None and until <= since


def apply_filter(parts: SyncParts, flt: Filter) -> None:
    """Keep what the filter's ``account_data``, ``presence``, ``room.ephemeral`` and
    ``room.account_data`` sections (types, senders, rooms, limits) let through.

    Applied once all streams have collected, so that a room's ``ephemeral`` limit counts
    receipts and typing together; rooms left with nothing lose their entry.
    """
    parts.account_data = _kept(flt.account_data, parts.account_data)
    parts.presence = _kept(flt.presence, parts.presence)
    for by_room, room_filter in (
        (parts.ephemeral, flt.room.ephemeral),
        (parts.room_account_data, flt.room.account_data),
    ):
        for room_id, events in list(by_room.items()):
            kept = _kept(room_filter, events, room_id) if flt.room.allows_room(room_id) else []
            if kept:
                by_room[room_id] = kept
            else:
                del by_room[room_id]


def _kept(
    flt: EventFilter, events: list[dict[str, Any]], room_id: str | None = None
) -> list[dict[str, Any]]:
    """The events ``flt`` lets through (room events with their room), up to its limit."""
    if isinstance(flt, RoomEventFilter) and room_id is not None:
        kept = [e for e in events if flt.matches({**e, "room_id": room_id})]
    else:
        kept = [e for e in events if flt.matches(e)]
    return kept if flt.limit is None else kept[: flt.limit]


class NotifierWakeup:
    """A stream change wakes the syncs of the users and rooms it names."""

    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier

    def __call__(self, change: StreamChange) -> None:
        keys = [user_key(u) for u in change.user_ids] + [room_key(r) for r in change.room_ids]
        self._notifier.notify(keys)


class AccountDataStream:
    name = ACCOUNT_DATA

    def __init__(self, account_data: AccountData) -> None:
        self._service = account_data

    async def current_position(self) -> int:
        return await self._service.current_position()

    async def collect(
        self, request: SyncRequest, since: int | None, until: int, parts: SyncParts
    ) -> None:
        if unchanged(since, until):
            return  # (a 0 ``since`` would otherwise read as "initial": push rules again)
        changes = await self._service.changes_for(request.user_id, since or 0, until)
        parts.account_data += [{"type": t, "content": c} for t, c in changes.global_.items()]
        for room_id, by_type in changes.rooms.items():
            parts.room_account_data.setdefault(room_id, []).extend(
                {"type": t, "content": c} for t, c in by_type.items()
            )


class ReceiptStream:
    name = RECEIPTS

    def __init__(self, receipts: Receipts) -> None:
        self._service = receipts

    async def current_position(self) -> int:
        return await self._service.current_position()

    async def collect(
        self, request: SyncRequest, since: int | None, until: int, parts: SyncParts
    ) -> None:
        if unchanged(since, until):
            return
        rooms = request.joined_room_ids
        changes = await self._service.changes_for(request.user_id, rooms, since or 0, until)
        for room_id, content in changes.items():
            parts.ephemeral.setdefault(room_id, []).append(
                {"type": "m.receipt", "content": content}
            )


class TypingStream:
    name = TYPING

    def __init__(self, typing: Typing) -> None:
        self._service = typing

    async def current_position(self) -> int:
        return await self._service.current_position()

    async def collect(
        self, request: SyncRequest, since: int | None, until: int, parts: SyncParts
    ) -> None:
        if unchanged(since, until):
            return
        changes = await self._service.changes_for(request.joined_room_ids, since or 0, until)
        for room_id, typists in changes.items():
            parts.ephemeral.setdefault(room_id, []).append(
                {"type": "m.typing", "content": {"user_ids": typists}}
            )


class PresenceStream:
    """Presence of the user and of everyone they share a joined room with."""

    name = PRESENCE

    def __init__(self, presence: Presence, store: Store) -> None:
        self._service = presence
        self._store = store

    async def current_position(self) -> int:
        return await self._service.current_position()

    async def collect(
        self, request: SyncRequest, since: int | None, until: int, parts: SyncParts
    ) -> None:
        if unchanged(since, until):
            return
        async with self._store.read() as txn:
            users = {request.user_id} | await txn.memberships.co_members(request.user_id)
        parts.presence += await self._service.changes_for(users, since or 0, until)
