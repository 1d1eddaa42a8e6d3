"""A user's devices: list, read, rename, delete (spec: "Device management")."""

from __future__ import annotations

from collections.abc import Sequence

from tessera.core.errors import NotFound
from tessera.core.ids import storable
from tessera.core.models import Device, Requester
from tessera.services.auth import Authenticator
from tessera.services.last_seen import LastSeen
from tessera.services.login import check_device_name
from tessera.storage.ports import Store


class Devices:
    def __init__(self, store: Store, authenticator: Authenticator, last_seen: LastSeen) -> None:
        self._store = store
        self._auth = authenticator
        self._last_seen = last_seen

    async def list(self, requester: Requester) -> Sequence[Device]:
        """The requester's devices, ordered by device ID, last-seen data up to date."""
        await self._last_seen.flush()
        async with self._store.read() as txn:
            return await txn.devices.list_for_user(requester.user_id)

    async def get(self, requester: Requester, device_id: str) -> Device:
        await self._last_seen.flush()
        async with self._store.read() as txn:
            device = (
                await txn.devices.get(requester.user_id, device_id) if storable(device_id) else None
            )
        if device is None:
            raise NotFound("No device found")
        return device

    async def rename(self, requester: Requester, device_id: str, name: object) -> None:
        """Set a device's display name (``None`` clears it)."""
        checked = check_device_name(name, "display_name")
        if not storable(device_id):
            raise NotFound("No device found")
        async with self._store.write() as txn:
            if not await txn.devices.set_display_name(requester.user_id, device_id, checked):
                raise NotFound("No device found")

    async def delete(self, requester: Requester, device_ids: Sequence[str]) -> None:
        """Delete devices (unknown IDs are ignored); their tokens stop working at once."""
        device_ids = [d for d in device_ids if storable(d)]  # the rest cannot exist
        async with self._auth.ending_sessions(requester.user_id, device_ids) as txn:
            await txn.devices.delete_many(requester.user_id, device_ids)
