"""What a sync shows of the per-user streams, in one call, with the sync's filter applied.

The sync handler (services/sync/, the rooms work) owns tokens, rooms and long
polls; it asks this for the account data, receipts, typing and presence parts
of a response between two sets of positions. Events come out in the shapes
the spec's /sync response holds them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tessera.core.sync.filter import EventFilter, Filter, RoomEventFilter
from tessera.services.account_data import AccountData
from tessera.services.presence import Presence
from tessera.services.receipts import Receipts
from tessera.services.streams import ACCOUNT_DATA, PRESENCE, RECEIPTS, TYPING, current_positions
from tessera.services.typing import Typing
from tessera.storage.ports import StreamStore

Event = dict[str, Any]


@dataclass(frozen=True, slots=True)
class RoomUserData:
    """A joined room's ``ephemeral`` and ``account_data`` events."""

    ephemeral: list[Event] = field(default_factory=list)
    account_data: list[Event] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class UserData:
    """The sync response's global ``account_data``, ``presence`` and per-room parts."""

    account_data: list[Event] = field(default_factory=list)
    presence: list[Event] = field(default_factory=list)
    rooms: dict[str, RoomUserData] = field(default_factory=dict)


class UserStreams:
    def __init__(
        self,
        store: StreamStore,
        account_data: AccountData,
        receipts: Receipts,
        typing: Typing,
        presence: Presence,
    ) -> None:
        self._store = store
        self._account_data = account_data
        self._receipts = receipts
        #: Its ``run()`` sweeps expired typing; the application's lifespan runs it.
        self.typing = typing
        self._presence = presence

    async def positions(self) -> dict[str, int]:
        """Every stream's newest position: the ``until`` of a sync, its next token's part."""
        return await current_positions(self._store)

    async def changes(
        self,
        user_id: str,
        room_ids: Sequence[str],
        visible_users: Collection[str],
        since: Mapping[str, int],
        until: Mapping[str, int],
        sync_filter: Filter | None = None,
    ) -> UserData:
        """The streams' part of a sync of ``user_id`` from ``since`` to ``until``.

        Args:
            room_ids: the rooms the user is joined to (ephemeral and room account data).
            visible_users: whose presence the user may see (those sharing a room).
            since: positions of the previous token (missing streams count as 0:
                an initial sync).
            until: positions the response is made up to (``positions()``).
        """
        flt = sync_filter or Filter()
        rooms = [room_id for room_id in room_ids if flt.room.allows_room(room_id)]
        data = await self._account_data.changes_for(
            user_id, since.get(ACCOUNT_DATA, 0), until[ACCOUNT_DATA]
        )
        result = UserData(
            account_data=_kept(flt.account_data, _events(data.global_)),
            presence=_kept(
                flt.presence,
                await self._presence.changes_for(
                    visible_users, since.get(PRESENCE, 0), until[PRESENCE]
                ),
            ),
        )
        receipts = await self._receipts.changes_for(
            user_id, rooms, since.get(RECEIPTS, 0), until[RECEIPTS]
        )
        typing = await self.typing.changes_for(rooms, since.get(TYPING, 0), until[TYPING])
        for room_id in rooms:
            ephemeral = []
            if room_id in receipts:
                ephemeral.append({"type": "m.receipt", "content": receipts[room_id]})
            if room_id in typing:
                ephemeral.append({"type": "m.typing", "content": {"user_ids": typing[room_id]}})
            room = RoomUserData(
                ephemeral=_kept(flt.room.ephemeral, ephemeral, room_id),
                account_data=_kept(
                    flt.room.account_data, _events(data.rooms.get(room_id, {})), room_id
                ),
            )
            if room.ephemeral or room.account_data:
                result.rooms[room_id] = room
        return result


def _events(by_type: Mapping[str, Any]) -> list[Event]:
    return [{"type": event_type, "content": content} for event_type, content in by_type.items()]


def _kept(flt: EventFilter, events: list[Event], room_id: str | None = None) -> list[Event]:
    """The events ``flt`` lets through (room events with their room), up to its limit."""
    if isinstance(flt, RoomEventFilter) and room_id is not None:
        kept = [e for e in events if flt.matches({**e, "room_id": room_id})]
    else:
        kept = [e for e in events if flt.matches(e)]
    return kept if flt.limit is None else kept[: flt.limit]
