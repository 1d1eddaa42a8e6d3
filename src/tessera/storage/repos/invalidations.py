"""Announcing, inside a transaction, that other processes must drop cached sessions.

On PostgreSQL each announcement is a ``NOTIFY`` on :data:`CHANNEL`. PostgreSQL
delivers it when, and only if, the transaction commits, so a listener never
hears of a logout that was rolled back, and never hears of one before it can
see it. On SQLite there is only ever one process: announcing does nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from tessera.storage.repos.base import Repo

#: The LISTEN/NOTIFY channel every Tessera process of one database shares.
CHANNEL = "tessera_auth"
#: PostgreSQL refuses payloads of 8000 bytes or more; past this a device list
#: becomes "the whole user" (a few more cache misses, never a stale entry).
MAX_PAYLOAD = 7900

_NOTIFY = "SELECT pg_notify(:channel, :payload)"


def encode(user_id: str, device_ids: Sequence[str] | None = None) -> str:
    """The payload naming a user (``{"u": …}``) or some of their devices (``"d": […]``)."""
    if device_ids is not None:
        payload = orjson.dumps({"u": user_id, "d": list(device_ids)}).decode()
        if len(payload.encode()) <= MAX_PAYLOAD:
            return payload
    return orjson.dumps({"u": user_id}).decode()


def decode(payload: str) -> tuple[str, tuple[str, ...] | None] | None:
    """``(user_id, device_ids or None for every device)``; None for a payload we cannot read."""
    try:
        message = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(message, dict) or not isinstance(message.get("u"), str):
        return None
    devices = message.get("d")
    if devices is None:
        return message["u"], None
    if not isinstance(devices, list) or not all(isinstance(d, str) for d in devices):
        return None
    return message["u"], tuple(devices)


class InvalidationRepo(Repo):
    """Tells every other process, once this transaction commits, what to re-read."""

    async def user(self, user_id: str) -> None:
        """Every cached token of the user is stale (logout/all, deactivation, admin change)."""
        await self._notify(encode(user_id))

    async def devices(self, user_id: str, device_ids: Sequence[str]) -> None:
        """The cached tokens of these devices of the user are stale (logout, deletion)."""
        if device_ids:
            await self._notify(encode(user_id, device_ids))

    async def _notify(self, payload: str) -> None:
        if self.sql.dialect == "postgresql":
            await self.sql.rows(_NOTIFY, {"channel": CHANNEL, "payload": payload})
