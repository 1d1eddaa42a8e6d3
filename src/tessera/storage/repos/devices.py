"""Devices: one per login session."""

from __future__ import annotations

from collections.abc import Sequence

from tessera.core.models import Device, Sighting
from tessera.storage.repos.base import Repo
from tessera.storage.sql import Row

_COLUMNS = "user_id, device_id, display_name, last_seen_ip, last_seen_ts, last_seen_user_agent"
_ENSURE = (
    "INSERT INTO devices (user_id, device_id, display_name, created_ts)"
    " VALUES (:user_id, :device_id, :display_name, :created_ts) ON CONFLICT DO NOTHING"
)
_LIST = f"SELECT {_COLUMNS} FROM devices WHERE user_id = :user_id ORDER BY device_id"
_GET = f"SELECT {_COLUMNS} FROM devices WHERE user_id = :user_id AND device_id = :device_id"
_COUNT = "SELECT count(*) AS n FROM devices"
_RENAME = (
    "UPDATE devices SET display_name = :name WHERE user_id = :user_id AND device_id = :device_id"
)
# Several workers flush on their own clocks: an older sighting flushed late
# must not overwrite a newer one.
_LAST_SEEN = (
    "UPDATE devices SET last_seen_ip = :ip, last_seen_ts = :ts, last_seen_user_agent = :agent"
    " WHERE user_id = :user_id AND device_id = :device_id"
    " AND (last_seen_ts IS NULL OR last_seen_ts <= :ts)"
)
_DELETE = "DELETE FROM devices WHERE user_id = :user_id AND device_id = :device_id"
_DELETE_ALL = "DELETE FROM devices WHERE user_id = :user_id"


class DeviceRepo(Repo):
    async def ensure(
        self, user_id: str, device_id: str, display_name: str | None, now_ms: int
    ) -> bool:
        """Create the device unless the user has it already (then nothing changes).

        Returns True when the device was created.
        """
        values = {
            "user_id": user_id,
            "device_id": device_id,
            "display_name": display_name,
            "created_ts": now_ms,
        }
        return bool(await self.sql.run(_ENSURE, values))

    async def list_for_user(self, user_id: str) -> Sequence[Device]:
        return [_device(row) for row in await self.sql.rows(_LIST, {"user_id": user_id})]

    async def count(self) -> int:
        row = await self.sql.row(_COUNT)
        return int(row["n"]) if row else 0

    async def get(self, user_id: str, device_id: str) -> Device | None:
        row = await self.sql.row(_GET, {"user_id": user_id, "device_id": device_id})
        return _device(row) if row else None

    async def set_display_name(self, user_id: str, device_id: str, name: str | None) -> bool:
        """Rename a device; False when the user has no such device."""
        params = {"user_id": user_id, "device_id": device_id, "name": name}
        return bool(await self.sql.run(_RENAME, params))

    async def record_last_seen(self, seen: Sequence[Sighting]) -> None:
        """Store the sightings, one statement for the batch."""
        if seen:
            rows = [
                {
                    "user_id": s.user_id,
                    "device_id": s.device_id,
                    "ip": s.ip,
                    "agent": s.user_agent,
                    "ts": s.ts,
                }
                for s in seen
            ]
            await self.sql.run_many(_LAST_SEEN, rows)

    async def delete(self, user_id: str, device_id: str) -> None:
        """Remove a device; its access tokens go with it (ON DELETE CASCADE)."""
        await self.sql.run(_DELETE, {"user_id": user_id, "device_id": device_id})

    async def delete_many(self, user_id: str, device_ids: Sequence[str]) -> None:
        rows = [{"user_id": user_id, "device_id": device_id} for device_id in device_ids]
        if rows:
            await self.sql.run_many(_DELETE, rows)

    async def delete_all(self, user_id: str) -> None:
        await self.sql.run(_DELETE_ALL, {"user_id": user_id})


def _device(row: Row) -> Device:
    return Device(
        user_id=row["user_id"],
        device_id=row["device_id"],
        display_name=row["display_name"],
        last_seen_ip=row["last_seen_ip"],
        last_seen_ts=row["last_seen_ts"],
        last_seen_user_agent=row["last_seen_user_agent"],
    )
