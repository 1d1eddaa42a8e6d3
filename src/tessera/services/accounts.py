"""Deactivating an account (spec: "Account deactivation")."""

from __future__ import annotations

from tessera.core.models import Requester
from tessera.services.auth import Authenticator


class Accounts:
    def __init__(self, authenticator: Authenticator) -> None:
        self._auth = authenticator

    async def deactivate(self, requester: Requester) -> None:
        """Deactivate the requester's own user (after user-interactive auth)."""
        await self.deactivate_user(requester.user_id)

    async def deactivate_user(self, user_id: str) -> None:
        """Every device and token of the user goes; later logins are refused."""
        async with self._auth.ending_sessions(user_id) as txn:
            await txn.users.set_deactivated(user_id, True)
            await txn.devices.delete_all(user_id)
            await txn.tokens.delete_deviceless(user_id)
