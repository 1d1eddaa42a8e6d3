"""``PUT /send/{type}/{txnId}``: which event a client's transaction ID already made."""

from __future__ import annotations

from collections.abc import Sequence

from tessera.storage.repos.base import Repo

_GET = (
    "SELECT event_id FROM event_transactions"
    " WHERE user_id = :user_id AND scope = :scope AND request = :request AND txn_id = :txn_id"
)
_OF_EVENTS = (
    "SELECT event_id, txn_id FROM event_transactions"
    " WHERE user_id = :user_id AND scope = :scope AND event_id IN ({ids})"
)
#: Event IDs per query: well under SQLite's 32,766 bound variables and a page's size.
_BATCH = 500
_ADD = (
    "INSERT INTO event_transactions (user_id, scope, request, txn_id, event_id, created_ts)"
    " VALUES (:user_id, :scope, :request, :txn_id, :event_id, :created_ts)"
)


class EventTransactionRepo(Repo):
    async def get(self, user_id: str, scope: str, request: str, txn_id: str) -> str | None:
        """The event ID this transaction of this request made, if it was seen before."""
        params = {"user_id": user_id, "scope": scope, "request": request, "txn_id": txn_id}
        row = await self.sql.row(_GET, params)
        return None if row is None else str(row["event_id"])

    async def add(
        self, user_id: str, scope: str, request: str, txn_id: str, event_id: str, now_ms: int
    ) -> None:
        params = {
            "user_id": user_id,
            "scope": scope,
            "request": request,
            "txn_id": txn_id,
            "event_id": event_id,
            "created_ts": now_ms,
        }
        await self.sql.run(_ADD, params)

    async def of_events(self, event_ids: Sequence[str], user_id: str, scope: str) -> dict[str, str]:
        """The transaction IDs this user's device (or token) sent any of ``event_ids`` with,
        by event ID: one query per page of events, not one per event (the profile of
        ``/messages`` and the initial sync in docs/performance.md)."""
        found: dict[str, str] = {}
        for start in range(0, len(event_ids), _BATCH):
            batch = event_ids[start : start + _BATCH]
            params: dict[str, str] = {"user_id": user_id, "scope": scope}
            params.update({f"e{i}": event_id for i, event_id in enumerate(batch)})
            ids = ", ".join(f":e{i}" for i in range(len(batch)))
            for row in await self.sql.rows(_OF_EVENTS.format(ids=ids), params):
                found[str(row["event_id"])] = str(row["txn_id"])
        return found
