"""Reading a user's devices."""

from __future__ import annotations

from collections.abc import Sequence

from tessera.core.models import Device, Requester
from tessera.storage.ports import Store


class Devices:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def list(self, requester: Requester) -> Sequence[Device]:
        """The requester's devices, ordered by device ID."""
        async with self._store.read() as txn:
            return await txn.devices.list_for_user(requester.user_id)
