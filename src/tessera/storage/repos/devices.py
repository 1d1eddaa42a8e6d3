"""Devices: one per login session."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select

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
        return [
            Device(
                user_id=row.user_id,
                device_id=row.device_id,
                display_name=row.display_name,
                last_seen_ip=row.last_seen_ip,
                last_seen_ts=row.last_seen_ts,
            )
            for row in await self.conn.execute(query)
        ]

    async def delete(self, user_id: str, device_id: str) -> None:
        """Remove a device; its access tokens go with it (ON DELETE CASCADE)."""
        await self.conn.execute(
            delete(devices).where(devices.c.user_id == user_id, devices.c.device_id == device_id)
        )

    async def delete_all(self, user_id: str) -> None:
        await self.conn.execute(delete(devices).where(devices.c.user_id == user_id))
