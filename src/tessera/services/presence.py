"""Presence (spec: "Presence"): what each user last set, and when they were last active.

A stream for sync: ``changes_for`` gives the ``m.presence`` events of the
users a sync may see (those it shares a room with, which the sync passes in).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from tessera.core.errors import ErrCode, Forbidden, MatrixError
from tessera.core.ids import parse_user_id, storable
from tessera.core.models import Requester
from tessera.core.sync.records import PresenceRow
from tessera.services.clock import Clock, now_ms, system_clock
from tessera.services.streams import PRESENCE, RoomMembership, Wakeup, advance, no_wakeup
from tessera.storage.ports import StreamStore

STATES = ("online", "unavailable", "offline")
#: Synapse counts a user active for a minute after their last activity.
CURRENTLY_ACTIVE_MS = 60_000


class Presence:
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

    async def status(self, requester: Requester, user_id: str) -> dict[str, Any]:
        """GET /presence/{userId}/status: one's own, or that of someone sharing a room.

        Raises:
            MatrixError: 400 for a malformed user ID, 403 for a user not visible.
        """
        parse_user_id(user_id)
        if user_id != requester.user_id and not await self._membership.shares_room(
            requester.user_id, user_id
        ):
            raise Forbidden("You are not allowed to see their presence.")
        async with self._store.read() as txn:
            row = await txn.presence.get(user_id)
        if row is None:
            return {"presence": "offline"}
        return self._content(row)

    async def set_status(self, requester: Requester, user_id: str, body: dict[str, Any]) -> None:
        """PUT /presence/{userId}/status: ``presence`` and optional ``status_msg``.

        Raises:
            MatrixError: 400 for a malformed user ID or body (unknown keys too,
                as Synapse), 403 for another user.
        """
        parse_user_id(user_id)
        if user_id != requester.user_id:
            raise Forbidden("Can only set your own presence state")
        state = body.get("presence")
        status_msg = body.get("status_msg")
        if state not in STATES or set(body) - {"presence", "status_msg"}:
            raise MatrixError(ErrCode.BAD_JSON, "Unable to parse state")
        if status_msg is not None and (not isinstance(status_msg, str) or not storable(status_msg)):
            raise MatrixError(ErrCode.BAD_JSON, "status_msg must be a string.")
        await self.set_state(user_id, state, status_msg)

    async def set_state(self, user_id: str, state: str, status_msg: str | None) -> None:
        """Store the user's presence (also for sync's ``set_presence``), active now."""
        row = PresenceRow(user_id, state, status_msg, now_ms(self._clock))
        async with self._store.write() as txn:
            change = await advance(txn, PRESENCE, users=(user_id,))
            await txn.presence.put(row, change.position)
        self._wakeup(change)

    async def from_sync(self, user_id: str, state: str) -> None:
        """A sync's ``set_presence``: ``offline`` changes nothing (spec: the client is then
        not marked online); the same state again only refreshes ``last_active_ago``, so a
        user's every sync does not wake everyone who sees their presence; another state is
        stored, keeping ``status_msg``.
        """
        if state not in ("online", "unavailable"):
            return
        now = now_ms(self._clock)
        async with self._store.write() as txn:
            row = await txn.presence.get(user_id)
            if row is not None and row.state == state:
                await txn.presence.touch(user_id, now)
                return
            change = await advance(txn, PRESENCE, users=(user_id,))
            status_msg = row.status_msg if row is not None else None
            await txn.presence.put(PresenceRow(user_id, state, status_msg, now), change.position)
        self._wakeup(change)

    async def current_position(self) -> int:
        """The newest position of the presence stream."""
        async with self._store.read() as txn:
            return await txn.streams.current(PRESENCE)

    async def changes_for(
        self, user_ids: Collection[str], since: int, until: int
    ) -> list[dict[str, Any]]:
        """``m.presence`` events of these users for changes in (since, until]."""
        async with self._store.read() as txn:
            rows = await txn.presence.changed(since, until)
        newest = {row.user_id: row for row in rows if row.user_id in user_ids}
        return [
            {"type": "m.presence", "sender": user_id, "content": self._content(row)}
            for user_id, row in newest.items()
        ]

    def _content(self, row: PresenceRow) -> dict[str, Any]:
        ago = max(0, now_ms(self._clock) - row.last_active_ts)
        content: dict[str, Any] = {"presence": row.state, "last_active_ago": ago}
        if row.state == "online":
            content["currently_active"] = ago < CURRENTLY_ACTIVE_MS
        if row.status_msg is not None:
            content["status_msg"] = row.status_msg
        return content
