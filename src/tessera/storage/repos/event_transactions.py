"""``PUT /send/{type}/{txnId}``: which event a client's transaction ID already made."""

from __future__ import annotations

from tessera.storage.repos.base import Repo

_GET = (
    "SELECT event_id FROM event_transactions"
    " WHERE user_id = :user_id AND scope = :scope AND request = :request AND txn_id = :txn_id"
)
_OF_EVENT = (
    "SELECT txn_id FROM event_transactions"
    " WHERE event_id = :event_id AND user_id = :user_id AND scope = :scope"
)
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

    async def of_event(self, event_id: str, user_id: str, scope: str) -> str | None:
        """The transaction ID this user's device (or token) sent ``event_id`` with."""
        params = {"event_id": event_id, "user_id": user_id, "scope": scope}
        row = await self.sql.row(_OF_EVENT, params)
        return None if row is None else str(row["txn_id"])
