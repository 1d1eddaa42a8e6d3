"""Ending sessions: ``/logout`` and ``/logout/all``."""

from __future__ import annotations

from tessera.core.models import Requester
from tessera.services.auth import Authenticator
from tessera.storage.ports import Store


class Sessions:
    def __init__(self, store: Store, authenticator: Authenticator) -> None:
        self._store = store
        self._auth = authenticator

    async def logout(self, requester: Requester) -> None:
        """End this session: its device goes, and the device's tokens with it."""
        async with self._store.write() as txn:
            await txn.devices.delete(requester.user_id, requester.device_id)
        self._auth.forget_device(requester.user_id, requester.device_id)

    async def logout_all(self, requester: Requester) -> None:
        """End every session of the requester's user."""
        async with self._store.write() as txn:
            await txn.devices.delete_all(requester.user_id)
        self._auth.forget_user(requester.user_id)
