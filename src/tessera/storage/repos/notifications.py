"""Waking ``/sync`` requests waiting in other processes: ``NOTIFY tessera_sync`` on commit.

The payload is a JSON list of the notifier's keys (``room:<id>``, ``user:<id>``). PostgreSQL
delivers it only if, and once, the transaction commits, so a woken sync always finds what
woke it. On SQLite there is one process and nothing to announce.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

import orjson

from tessera.storage.repos.base import Repo

CHANNEL = "tessera_sync"
#: PostgreSQL refuses payloads of 8000 bytes or more; past this, wake everyone.
MAX_PAYLOAD = 7900
EVERYONE = "*"

_NOTIFY = "SELECT pg_notify(:channel, :payload)"


def encode(keys: Sequence[str]) -> str:
    payload = orjson.dumps(list(keys)).decode()
    return payload if len(payload.encode()) <= MAX_PAYLOAD else orjson.dumps([EVERYONE]).decode()


def decode(payload: str) -> list[str] | None:
    """The keys, or None for a payload we cannot read (the caller wakes everyone)."""
    try:
        keys = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        return None
    return None if EVERYONE in keys else keys


class NotificationRepo(Repo):
    async def wake(self, keys: Sequence[str]) -> None:
        """Other processes' waiters on ``keys`` wake once this transaction commits."""
        if keys and self.sql.dialect == "postgresql":
            await self.sql.rows(_NOTIFY, {"channel": CHANNEL, "payload": encode(keys)})


class Wakeable(Protocol):
    """What the channel wakes: sync's notifier."""

    def notify(self, keys: Iterable[str]) -> None: ...
    def notify_all(self) -> None: ...


class WakeChannel:
    """:data:`CHANNEL` as a channel of the PostgreSQL listener: other processes' wake-ups."""

    def __init__(self, target: Wakeable) -> None:
        self._target = target

    def heard(self, payload: str) -> None:
        keys = decode(payload)
        if keys is None:
            self._target.notify_all()
        else:
            self._target.notify(keys)

    def reset(self) -> None:
        """Wake everyone: what was announced while not listening is lost, so re-read."""
        self._target.notify_all()


class StreamChangeChannel:
    """``tessera_streams`` (repos/streams.py: account data, receipts, typing, presence) as a
    channel of the listener: ``{"u": users, "r": rooms}`` wakes those users' and rooms' syncs,
    ``{"all": true}`` (or a payload we cannot read) everyone's."""

    def __init__(self, target: Wakeable) -> None:
        self._target = target

    def heard(self, payload: str) -> None:
        try:
            change = orjson.loads(payload)
        except orjson.JSONDecodeError:
            change = None
        if not isinstance(change, dict) or change.get("all"):
            self._target.notify_all()
            return
        users, rooms = change.get("u", []), change.get("r", [])
        if not isinstance(users, list) or not isinstance(rooms, list):
            self._target.notify_all()
            return
        keys = [f"user:{u}" for u in users if isinstance(u, str)]
        self._target.notify(keys + [f"room:{r}" for r in rooms if isinstance(r, str)])

    def reset(self) -> None:
        self._target.notify_all()
