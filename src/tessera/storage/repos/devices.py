"""Devices: one per login session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, delete, func, or_, select, update

from tessera.core.models import Device
from tessera.storage.repos.base import Repo
from tessera.storage.tables import devices


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
        return await self.insert_if_absent(devices, values)

    async def list_for_user(self, user_id: str) -> Sequence[Device]:
        query = select(devices).where(devices.c.user_id == user_id).order_by(devices.c.device_id)
        return [_device(row) for row in await self.conn.execute(query)]

    async def count(self) -> int:
        return int(
            (await self.conn.execute(select(func.count()).select_from(devices))).scalar_one()
        )

    async def get(self, user_id: str, device_id: str) -> Device | None:
        query = select(devices).where(
            devices.c.user_id == user_id, devices.c.device_id == device_id
        )
        row = (await self.conn.execute(query)).first()
        return _device(row) if row else None

    async def set_display_name(self, user_id: str, device_id: str, name: str | None) -> bool:
        """Rename a device; False when the user has no such device."""
        result = await self.conn.execute(
            update(devices)
            .where(devices.c.user_id == user_id, devices.c.device_id == device_id)
            .values(display_name=name)
        )
        return bool(result.rowcount)

    async def record_last_seen(self, seen: Sequence[tuple[str, str, str | None, int]]) -> None:
        """Store (user_id, device_id, ip, ts) sightings, one statement for the batch."""
        if not seen:
            return
        statement = (
            update(devices)
            .where(
                devices.c.user_id == bindparam("b_user"),
                devices.c.device_id == bindparam("b_device"),
                # Several workers flush on their own clocks: an older sighting
                # flushed late must not overwrite a newer one.
                or_(devices.c.last_seen_ts.is_(None), devices.c.last_seen_ts <= bindparam("b_ts")),
            )
            .values(last_seen_ip=bindparam("b_ip"), last_seen_ts=bindparam("b_ts"))
        )
        rows = [{"b_user": u, "b_device": d, "b_ip": ip, "b_ts": ts} for u, d, ip, ts in seen]
        await self.conn.execute(statement, rows)

    async def delete(self, user_id: str, device_id: str) -> None:
        """Remove a device; its access tokens go with it (ON DELETE CASCADE)."""
        await self.conn.execute(
            delete(devices).where(devices.c.user_id == user_id, devices.c.device_id == device_id)
        )

    async def delete_many(self, user_id: str, device_ids: Sequence[str]) -> None:
        await self.conn.execute(
            delete(devices).where(devices.c.user_id == user_id, devices.c.device_id.in_(device_ids))
        )

    async def delete_all(self, user_id: str) -> None:
        await self.conn.execute(delete(devices).where(devices.c.user_id == user_id))


def _device(row: Any) -> Device:
    return Device(
        user_id=row.user_id,
        device_id=row.device_id,
        display_name=row.display_name,
        last_seen_ip=row.last_seen_ip,
        last_seen_ts=row.last_seen_ts,
    )
