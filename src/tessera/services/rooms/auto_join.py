"""Synapse's ``auto_join_rooms``: the rooms a user joins when created (by a JWT login).

Matches Synapse's ``RegistrationHandler._auto_join_rooms``: each listed room is joined in
order, rate limits do not apply, and a failure is logged and never fails the login. A
listed alias of this server that does not exist yet is created (with that alias and the
configured preset) when ``autocreate_auto_join_rooms`` is on, by ``auto_join_mxid_localpart``
or else by the new user. Synapse creates them only for the server's first user; here any
new user creates a missing one, so rooms added to the list later are created too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from tessera.core.errors import ErrCode, MatrixError
from tessera.core.models import Requester
from tessera.core.rooms.ids import is_room_alias
from tessera.services.rooms.create import RoomCreator, RoomRequest
from tessera.services.rooms.membership import MembershipActions
from tessera.storage.ports import Store

logger = logging.getLogger(__name__)

#: Presets whose rooms new users cannot join without an invitation.
_INVITE_ONLY = frozenset({"private_chat", "trusted_private_chat"})


@dataclass(frozen=True, slots=True)
class AutoJoinSettings:
    """The ``auto_join_rooms`` keys of the config."""

    rooms: Sequence[str]
    autocreate: bool = True
    preset: str = "public_chat"
    #: The full user ID of ``auto_join_mxid_localpart``; None: the new user creates rooms.
    creator: str | None = None


class AutoJoin:
    """Joins a newly created user to the configured rooms."""

    def __init__(
        self,
        store: Store,
        creator: RoomCreator,
        membership: MembershipActions,
        server_name: str,
        settings: AutoJoinSettings,
    ) -> None:
        self._store = store
        self._creator = creator
        self._membership = membership
        self._server_name = server_name
        self._settings = settings

    async def user_created(self, user_id: str) -> None:
        """Join ``user_id`` to every auto-join room; log (never raise) what fails."""
        for room in self._settings.rooms:
            try:
                await self._join_one(user_id, room)
            except MatrixError as error:
                logger.error("Failed to auto-join %s to %s: %s", user_id, room, error.message)
            except Exception:
                # As Synapse does: the login has succeeded, a room must not undo it.
                logger.exception("Failed to auto-join %s to %s", user_id, room)

    async def _join_one(self, user_id: str, room: str) -> None:
        logger.info("Auto-joining %s to %s", user_id, room)
        if await self._missing_local_alias(room) and self._settings.autocreate:
            try:
                await self._create(user_id, room)
                return
            except MatrixError as error:
                if error.errcode != ErrCode.ROOM_IN_USE:
                    raise
                # Another new user created it meanwhile: join theirs.
        try:
            await self._membership.join(_acting(user_id), room, ratelimit=False)
        except MatrixError as error:
            # A room new users cannot join alone: the configured user invites them first.
            if error.errcode != ErrCode.FORBIDDEN or self._settings.creator is None:
                raise
            room_id = await self._membership.resolve(room)
            await self._membership.invite(_acting(self._settings.creator), room_id, user_id, None)
            await self._membership.join(_acting(user_id), room_id, ratelimit=False)

    async def _missing_local_alias(self, room: str) -> bool:
        if not is_room_alias(room) or not room.endswith(f":{self._server_name}"):
            return False
        async with self._store.read() as txn:
            return await txn.room_aliases.get(room) is None

    async def _create(self, user_id: str, alias: str) -> None:
        creator = self._settings.creator or user_id
        invite = (user_id,) if creator != user_id and self._settings.preset in _INVITE_ONLY else ()
        request = RoomRequest(preset=self._settings.preset, invite=invite)
        room_id = await self._creator.create(_acting(creator), request, alias, ratelimit=False)
        if creator != user_id:
            await self._membership.join(_acting(user_id), room_id, ratelimit=False)


def _acting(user_id: str) -> Requester:
    """The server acting as ``user_id`` (Synapse's ``create_requester``): no device, no token."""
    return Requester(user_id=user_id, device_id=None, token_id=0, is_admin=False)
