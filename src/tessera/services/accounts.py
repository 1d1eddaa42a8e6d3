"""Deactivating an account (spec: "Account deactivation")."""

from __future__ import annotations

from tessera.core.models import Requester
from tessera.services.auth import Authenticator
from tessera.storage.ports import Store


class Accounts:
    def __init__(self, store: Store, authenticator: Authenticator) -> None:
        self._store = store
        self._auth = authenticator

    async def deactivate(self, requester: Requester) -> None:
        """Deactivate the requester's own user (after user-interactive auth)."""
        await self.deactivate_user(requester.user_id)

    async def deactivate_user(self, user_id: str) -> None:
        """Every device and token of the user goes; later logins are refused."""
        async with self._store.write() as txn:
            await txn.users.set_deactivated(user_id, True)
            await txn.devices.delete_all(user_id)
            await txn.tokens.delete_deviceless(user_id)
            await txn.invalidations.user(user_id)
        self._auth.forget_user(user_id)
