"""Deactivating an account (spec: "Account deactivation")."""

from __future__ import annotations

from tessera.core.models import Requester
from tessera.services.auth import Authenticator


class Accounts:
    def __init__(self, authenticator: Authenticator) -> None:
        self._auth = authenticator

    async def deactivate(self, requester: Requester, *, erase: bool = False) -> None:
        """Deactivate the requester's own user (after user-interactive auth)."""
        await self.deactivate_user(requester.user_id, erase=erase)

    async def deactivate_user(self, user_id: str, *, erase: bool = False) -> None:
        """Every device, token and third-party ID of the user goes; later logins are refused.

        With ``erase`` the profile (display name, avatar) is cleared too and the
        user is marked erased, as Synapse does; there are no messages to hide yet.
        """
        async with self._auth.ending_sessions(user_id) as txn:
            await txn.users.set_deactivated(user_id, True)
            await txn.devices.delete_all(user_id)
            await txn.tokens.delete_deviceless(user_id)
            # Synapse removes a deactivated user's 3PIDs (deactivate_account).
            await txn.threepids.delete_all(user_id)
            if erase:
                await txn.users.set_profile(user_id, display_name=None, avatar_url=None)
                await txn.users.set_erased(user_id, True)
