"""Stream positions: the next one for a write, the current one for a sync.

On PostgreSQL the upsert locks the stream's row until the transaction ends,
so transactions of one stream commit in position order: a reader that sees
position N has every change at or below N. Each advance is also announced on
:data:`CHANNEL` (delivered only if the transaction commits), so syncs waiting
on other workers can wake.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from tessera.core.sync.records import StreamChange
from tessera.storage.repos.base import Repo

#: The LISTEN/NOTIFY channel of stream changes (the sync notifier listens on it).
CHANNEL = "tessera_streams"
#: PostgreSQL refuses payloads of 8000 bytes or more: past this, name no users or rooms.
MAX_PAYLOAD = 7900

_ADVANCE = (
    "INSERT INTO stream_positions (stream, position) VALUES (:stream, 1)"
    " ON CONFLICT (stream) DO UPDATE SET position = stream_positions.position + 1"
    " RETURNING position"
)
_CURRENT = "SELECT position FROM stream_positions WHERE stream = :stream"
_NOTIFY = "SELECT pg_notify(:channel, :payload)"


def encode(stream: str, position: int, users: Sequence[str], rooms: Sequence[str]) -> str:
    """``{"s": stream, "p": position, "u": [...], "r": [...]}``, lists dropped if too long."""
    payload = orjson.dumps({"s": stream, "p": position, "u": users, "r": rooms}).decode()
    if len(payload.encode()) <= MAX_PAYLOAD:
        return payload
    # Too many to name: "everyone may be concerned" (a few needless wake-ups, never a lost one).
    return orjson.dumps({"s": stream, "p": position, "all": True}).decode()


def decode(payload: str) -> StreamChange | None:
    """The change an announcement describes; None for a payload we cannot read
    (a listener should then wake every waiting sync)."""
    try:
        message = orjson.loads(payload)
        stream, position = message["s"], message["p"]
    except (orjson.JSONDecodeError, TypeError, KeyError):
        return None
    if not isinstance(stream, str) or not isinstance(position, int):
        return None
    if message.get("all") is True:
        return StreamChange(stream, position, everyone=True)
    users, rooms = message.get("u"), message.get("r")
    if not _strings(users) or not _strings(rooms):
        return None
    return StreamChange(stream, position, tuple(users), tuple(rooms))


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


class StreamRepo(Repo):
    async def advance(self, stream: str) -> int:
        """The next position of ``stream``, taken inside this transaction."""
        row = await self.sql.row(_ADVANCE, {"stream": stream})
        assert row is not None
        return int(row["position"])

    async def current(self, stream: str) -> int:
        """The newest committed position of ``stream`` (0 before its first change)."""
        row = await self.sql.row(_CURRENT, {"stream": stream})
        return 0 if row is None else int(row["position"])

    async def announce(
        self, stream: str, position: int, users: Sequence[str], rooms: Sequence[str]
    ) -> None:
        """Tell other processes, once this transaction commits, what changed (PostgreSQL)."""
        if self.sql.dialect == "postgresql":
            payload = encode(stream, position, users, rooms)
            await self.sql.rows(_NOTIFY, {"channel": CHANNEL, "payload": payload})
