"""Typing notifications (spec: "Typing Notifications").

Typing lives in the database (``typing_users``, ``typing_rooms``), not in one
process's memory: with several workers on PostgreSQL a PUT answered by one
worker must show in a sync answered by another, and rows are the simplest
thing every worker already shares. Each start, stop or expiry moves the room
to the typing stream's next position; ``run`` sweeps expired typing once a
second on every worker (the DELETE … RETURNING makes each expiry count once).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from tessera.core.errors import Forbidden, InvalidParam
from tessera.core.ids import parse_user_id
from tessera.core.models import Requester
from tessera.core.rooms.ids import is_room_id
from tessera.services.clock import Clock, now_ms, system_clock
from tessera.services.streams import TYPING, RoomMembership, Wakeup, advance, no_wakeup
from tessera.storage.ports import StreamStore

logger = logging.getLogger(__name__)

#: Synapse's default and ceiling for ``timeout`` (ms).
DEFAULT_TIMEOUT_MS = 30_000
MAX_TIMEOUT_MS = 120_000
#: Seconds between sweeps for expired typing.
SWEEP_INTERVAL = 1.0


class Typing:
    def __init__(
        self,
        store: StreamStore,
        membership: RoomMembership,
        wakeup: Wakeup = no_wakeup,
        clock: Clock = system_clock,
    ) -> None:
        self._store = store
        self._membership = membership
        self._wakeup = wakeup
        self._clock = clock

    async def set_typing(
        self, requester: Requester, room_id: str, user_id: str, body: dict[str, Any]
    ) -> None:
        """PUT /rooms/{roomId}/typing/{userId}: ``{"typing": bool, "timeout": ms}``.

        Raises:
            MatrixError: 400 for malformed IDs or body, 403 for another user or
                a room the requester is not joined to.
        """
        parse_user_id(user_id)
        if not is_room_id(room_id):
            raise InvalidParam(f"{room_id} is not a valid room ID"[:300])
        if user_id != requester.user_id:
            raise Forbidden("Cannot set another user's typing state")
        typing = body.get("typing")
        if not isinstance(typing, bool):
            raise InvalidParam("'typing' must be a boolean")
        timeout = body.get("timeout", DEFAULT_TIMEOUT_MS)
        if not isinstance(timeout, int) or isinstance(timeout, bool) or timeout < 0:
            raise InvalidParam("'timeout' must be a non-negative integer")
        if not await self._membership.is_joined(user_id, room_id):
            raise Forbidden(f"User {user_id} not in room {room_id}")
        async with self._store.write() as txn:
            if typing:
                expires = now_ms(self._clock) + min(timeout, MAX_TIMEOUT_MS)
                await txn.typing.start(room_id, user_id, expires)
            elif not await txn.typing.stop(room_id, user_id):
                return  # was not typing: nothing changed, no position spent
            change = await advance(txn, TYPING, rooms=(room_id,))
            await txn.typing.touch(room_id, change.position)
        self._wakeup(change)

    async def expire(self) -> int:
        """End typing that timed out; how many rooms changed."""
        now = now_ms(self._clock)
        async with self._store.read() as txn:
            if not await txn.typing.any_expired(now):
                return 0
        async with self._store.write() as txn:
            rooms = await txn.typing.expire(now)
            changes = []
            for room_id in rooms:
                change = await advance(txn, TYPING, rooms=(room_id,))
                await txn.typing.touch(room_id, change.position)
                changes.append(change)
        for change in changes:
            self._wakeup(change)
        return len(changes)

    async def run(self) -> None:
        """Sweep expired typing every ``SWEEP_INTERVAL`` until cancelled.

        A failing sweep (the database is down) is logged once per outage, not every second.
        """
        failing = False
        while True:
            await asyncio.sleep(SWEEP_INTERVAL)
            try:
                await self.expire()
            except Exception as exc:  # an outage must not end the sweeping for good
                if not failing:
                    logger.warning("could not expire typing, will retry: %s", exc)
                failing = True
                continue
            if failing:
                logger.warning("expiring typing again")
            failing = False

    async def current_position(self) -> int:
        """The newest position of the typing stream."""
        async with self._store.read() as txn:
            return await txn.streams.current(TYPING)

    async def changes_for(
        self, room_ids: Sequence[str], since: int, until: int
    ) -> dict[str, list[str]]:
        """Per room whose typing changed in (since, until], who is typing now (``m.typing``)."""
        now = now_ms(self._clock)
        rooms: dict[str, list[str]] = {}
        async with self._store.read() as txn:
            for room_id in room_ids:
                if since < await txn.typing.room_position(room_id) <= until:
                    rooms[room_id] = list(await txn.typing.typists(room_id, now))
        return rooms
