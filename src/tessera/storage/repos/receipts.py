"""Read receipts: the newest of each type per user, room and thread."""

from __future__ import annotations

from collections.abc import Sequence

from tessera.core.sync.records import Receipt
from tessera.storage.repos.base import Repo

_PUT = (
    "INSERT INTO receipts (room_id, receipt_type, user_id, thread_id, event_id, ts, stream_id)"
    " VALUES (:room_id, :receipt_type, :user_id, :thread_id, :event_id, :ts, :stream_id)"
    " ON CONFLICT (room_id, receipt_type, user_id, thread_id)"
    " DO UPDATE SET event_id = excluded.event_id, ts = excluded.ts,"
    " stream_id = excluded.stream_id"
)
# One statement per room keeps the (room_id, stream_id) index usable on both engines.
_SINCE = (
    "SELECT room_id, receipt_type, user_id, thread_id, event_id, ts FROM receipts"
    " WHERE room_id = :room_id AND stream_id > :since AND stream_id <= :until"
    " ORDER BY stream_id"
)


class ReceiptRepo(Repo):
    async def put(self, receipt: Receipt, stream_id: int) -> None:
        """Store ``receipt`` as the user's newest of its type and thread in the room."""
        await self.sql.run(
            _PUT,
            {
                "room_id": receipt.room_id,
                "receipt_type": receipt.receipt_type,
                "user_id": receipt.user_id,
                "thread_id": receipt.thread_id,
                "event_id": receipt.event_id,
                "ts": receipt.ts,
                "stream_id": stream_id,
            },
        )

    async def changed(self, room_ids: Sequence[str], since: int, until: int) -> Sequence[Receipt]:
        """Receipts of these rooms stored in (since, until]."""
        found: list[Receipt] = []
        for room_id in room_ids:
            params = {"room_id": room_id, "since": since, "until": until}
            for r in await self.sql.rows(_SINCE, params):
                found.append(
                    Receipt(
                        r["room_id"],
                        r["receipt_type"],
                        r["user_id"],
                        r["thread_id"],
                        r["event_id"],
                        r["ts"],
                    )
                )
        return found
