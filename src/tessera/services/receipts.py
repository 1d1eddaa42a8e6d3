"""Read receipts and read markers (spec: "Receipts", "Fully read markers").

A stream for sync: ``changes_for`` gives, per room, the ``m.receipt``
ephemeral event content a sync shows. Private receipts (``m.read.private``)
are only ever shown to their owner. ``m.fully_read`` is room account data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tessera.core.errors import ErrCode, Forbidden, InvalidParam, MatrixError
from tessera.core.models import Requester
from tessera.core.rooms.ids import is_event_id, is_room_id
from tessera.core.sync.records import Receipt
from tessera.services.account_data import FULLY_READ, AccountData
from tessera.services.clock import Clock, now_ms, system_clock
from tessera.services.streams import (
    RECEIPTS,
    RoomMembership,
    StreamChange,
    Wakeup,
    advance,
    no_wakeup,
)
from tessera.storage.ports import StreamStore

READ = "m.read"
READ_PRIVATE = "m.read.private"
RECEIPT_TYPES = (READ, READ_PRIVATE, FULLY_READ)
MAX_THREAD_ID_LENGTH = 255


class Receipts:
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

    async def receipt(
        self,
        requester: Requester,
        room_id: str,
        receipt_type: str,
        event_id: str,
        body: dict[str, Any],
    ) -> None:
        """POST /rooms/{roomId}/receipt/{receiptType}/{eventId}.

        Raises:
            MatrixError: 400 for malformed IDs, an unknown receipt type or a bad
                ``thread_id``; 403 when the requester is not joined to the room.
        """
        if not is_room_id(room_id) or not is_event_id(event_id):
            raise MatrixError(ErrCode.UNKNOWN, "A valid room ID and event ID must be specified")
        if receipt_type not in RECEIPT_TYPES:
            raise MatrixError(ErrCode.UNKNOWN, f"Receipt type must be {', '.join(RECEIPT_TYPES)}")
        thread_id = ""
        if "thread_id" in body:
            thread_id = body["thread_id"]
            if not thread_id or not isinstance(thread_id, str):
                raise InvalidParam("thread_id field must be a non-empty string")
            if receipt_type == FULLY_READ:
                raise InvalidParam(f"thread_id is not compatible with {FULLY_READ} receipts.")
            if not is_event_id(thread_id) and thread_id != "main":
                raise InvalidParam("thread_id must be 'main' or an event ID")
        await self._check_joined(requester.user_id, room_id)
        await self._store_all(requester.user_id, room_id, [(receipt_type, event_id, thread_id)])

    async def read_markers(self, requester: Requester, room_id: str, body: dict[str, Any]) -> None:
        """POST /rooms/{roomId}/read_markers: ``m.fully_read``, ``m.read``, ``m.read.private``.

        Unknown keys are ignored (receipt types are extensible, Synapse logs them).
        """
        if not is_room_id(room_id):
            raise InvalidParam(f"{room_id} is not a valid room ID"[:300])
        markers = []
        for receipt_type in RECEIPT_TYPES:
            event_id = body.get(receipt_type)
            if event_id is None:
                continue
            if not isinstance(event_id, str) or not is_event_id(event_id):
                raise InvalidParam(f"'{receipt_type}' must be an event ID")
            markers.append((receipt_type, event_id, ""))
        await self._check_joined(requester.user_id, room_id)
        if markers:
            await self._store_all(requester.user_id, room_id, markers)

    async def current_position(self) -> int:
        """The newest position of the receipts stream."""
        async with self._store.read() as txn:
            return await txn.streams.current(RECEIPTS)

    async def changes_for(
        self, user_id: str, room_ids: Sequence[str], since: int, until: int
    ) -> dict[str, dict[str, Any]]:
        """Per room, the ``m.receipt`` content of receipts stored in (since, until].

        ``{event_id: {receipt_type: {user_id: {"ts": …, "thread_id"?: …}}}}``;
        other users' private receipts are left out.
        """
        async with self._store.read() as txn:
            found = await txn.receipts.changed(room_ids, since, until)
        rooms: dict[str, dict[str, Any]] = {}
        for r in found:
            if r.receipt_type == READ_PRIVATE and r.user_id != user_id:
                continue
            entry: dict[str, Any] = {"ts": r.ts}
            if r.thread_id:
                entry["thread_id"] = r.thread_id
            by_event = rooms.setdefault(r.room_id, {}).setdefault(r.event_id, {})
            by_event.setdefault(r.receipt_type, {})[r.user_id] = entry
        return rooms

    async def _check_joined(self, user_id: str, room_id: str) -> None:
        if not await self._membership.is_joined(user_id, room_id):
            raise Forbidden(f"User {user_id} not in room {room_id}")

    async def _store_all(
        self, user_id: str, room_id: str, markers: Sequence[tuple[str, str, str]]
    ) -> None:
        changes: list[StreamChange] = []
        ts = now_ms(self._clock)
        async with self._store.write() as txn:
            for receipt_type, event_id, thread_id in markers:
                if receipt_type == FULLY_READ:
                    content = {"event_id": event_id}
                    changes.append(
                        await AccountData.write(txn, user_id, room_id, FULLY_READ, content)
                    )
                    continue
                change = await advance(txn, RECEIPTS, users=(user_id,), rooms=(room_id,))
                receipt = Receipt(room_id, receipt_type, user_id, thread_id, event_id, ts)
                await txn.receipts.put(receipt, change.position)
                changes.append(change)
        for change in changes:
            self._wakeup(change)
