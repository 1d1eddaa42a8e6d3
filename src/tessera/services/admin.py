"""Server administration: the use cases behind Synapse's admin API.

Every method takes the requester and refuses anyone who is not a server
admin, so no endpoint can forget the check.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from tessera.core.errors import ErrCode, Forbidden, InvalidParam, MatrixError, NotFound
from tessera.core.ids import (
    check_new_localpart,
    localpart_of,
    parse_user_id,
    recordable_external_id,
    server_name_of,
    storable,
)
from tessera.core.models import Device, Requester, User
from tessera.core.tokens import hash_token, mint_access_token
from tessera.services.accounts import Accounts
from tessera.services.auth import Authenticator
from tessera.services.clock import Clock, now_ms
from tessera.services.external_ids import ExternalId, check_external_id, replace_links
from tessera.services.external_ids import link as link_external_id
from tessera.services.last_seen import LastSeen
from tessera.services.passwords import Passwords
from tessera.storage.ports import Store

#: The ``order_by`` values of Synapse's user listing that Tessera can sort by.
USER_ORDERINGS = ("name", "displayname", "admin", "deactivated", "avatar_url", "creation_ts")
MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class UserChanges:
    """A PUT on a user: every field optional, as in Synapse's admin API."""

    displayname: str | None = None
    avatar_url: str | None = None
    admin: bool | None = None
    deactivated: bool | None = None
    password: str | None = None
    logout_devices: bool = True
    #: (auth_provider, external_id) pairs that replace the user's links; None: unchanged.
    external_ids: tuple[tuple[str, str], ...] | None = None


class Admin:
    def __init__(
        self,
        store: Store,
        server_name: str,
        authenticator: Authenticator,
        accounts: Accounts,
        passwords: Passwords,
        last_seen: LastSeen,
        clock: Clock,
        *,
        user_created: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        #: Runs after a PUT that created a user commits (auto-join rooms, as Synapse's
        #: ``register_user`` does for the admin API too); never raises.
        self._user_created = user_created
        self._store = store
        self._server_name = server_name
        self._auth = authenticator
        self._accounts = accounts
        self._passwords = passwords
        self._last_seen = last_seen
        self._clock = clock

    @staticmethod
    def require_admin(requester: Requester) -> None:
        if not requester.is_admin:
            raise Forbidden("You are not a server admin")

    async def list_users(
        self,
        requester: Requester,
        *,
        offset: int,
        limit: int,
        name: str | None,
        deactivated: bool | None,
        admins: bool | None,
        order_by: str,
        descending: bool,
    ) -> tuple[Sequence[User], int]:
        self.require_admin(requester)
        if offset < 0 or not 0 < limit <= MAX_PAGE:
            raise InvalidParam(f"from must be >= 0 and limit between 1 and {MAX_PAGE}")
        if order_by not in USER_ORDERINGS:
            raise InvalidParam(f"order_by must be one of {', '.join(USER_ORDERINGS)}")
        if name is not None and not storable(name):
            raise InvalidParam("name must be text without NUL characters")
        async with self._store.read() as txn:
            return await txn.users.page(
                offset=offset,
                limit=limit,
                name=name,
                deactivated=deactivated,
                admins=admins,
                order_by=order_by,
                descending=descending,
            )

    async def user(self, requester: Requester, user_id: str) -> User:
        self.require_admin(requester)
        self._local(user_id)
        return await self._existing(user_id)

    async def put_user(self, requester: Requester, user_id: str, changes: UserChanges) -> bool:
        """Create or modify a user; True when it was created."""
        self.require_admin(requester)
        self._local(user_id)
        profile_fields = (("displayname", changes.displayname), ("avatar_url", changes.avatar_url))
        for field, value in profile_fields:
            if value is not None and not storable(value):
                raise InvalidParam(f"{field} must be text without NUL characters")
        links = changes.external_ids
        if links is not None:
            links = tuple(check_external_id(provider, subject) for provider, subject in links)
        password_hash = (
            await self._passwords.hash(changes.password) if changes.password is not None else None
        )
        now = now_ms(self._clock)
        async with self._store.write() as txn:
            created = False
            if await txn.users.get(user_id) is None:
                check_new_localpart(localpart_of(user_id), self._server_name)
                created = await txn.users.create(user_id, changes.displayname, now)
            profile = {
                key: value
                for key, value in (
                    ("display_name", changes.displayname),
                    ("avatar_url", changes.avatar_url),
                )
                if value is not None
            }
            if profile:
                await txn.users.set_profile(user_id, **profile)
            if changes.admin is not None:
                await txn.users.set_admin(user_id, changes.admin)
            if password_hash is not None:
                await txn.users.set_password_hash(user_id, password_hash)
                if changes.logout_devices and not created:
                    await txn.devices.delete_all(user_id)
                    await txn.tokens.delete_deviceless(user_id)
            if changes.deactivated is False:
                await txn.users.set_deactivated(user_id, False)
                await txn.users.set_erased(user_id, False)  # Synapse's activate_account
            if links is not None:  # a conflict (409) rolls the whole change back
                await replace_links(txn, user_id, links)
            if not created:
                await txn.invalidations.user(user_id)
        if changes.deactivated:
            await self._accounts.deactivate_user(user_id)
        # Admin flags and devices may have changed: cached tokens must be re-read.
        self._auth.forget_user(user_id)
        if created and not changes.deactivated and self._user_created is not None:
            await self._user_created(user_id)
        return created

    async def external_ids(self, requester: Requester, user_id: str) -> Sequence[ExternalId]:
        """The user's (auth_provider, external_id) links."""
        await self.user(requester, user_id)
        async with self._store.read() as txn:
            return await txn.external_ids.list_for_user(user_id)

    async def user_by_external_id(
        self, requester: Requester, auth_provider: str, external_id: str
    ) -> str:
        """The user the pair is linked to (404 ``User not found`` when none)."""
        self.require_admin(requester)
        linked = None
        if recordable_external_id(auth_provider, external_id):  # else it was never stored
            async with self._store.read() as txn:
                linked = await txn.external_ids.user_for(auth_provider, external_id)
        if linked is None:
            raise NotFound("User not found")
        return linked

    async def link(
        self, requester: Requester, user_id: str, auth_provider: str, external_id: str
    ) -> None:
        """Link (auth_provider, external_id) to the user; 409 when another user has it."""
        await self.user(requester, user_id)
        check_external_id(auth_provider, external_id)
        async with self._store.write() as txn:
            await link_external_id(txn, user_id, auth_provider, external_id)

    async def unlink(
        self, requester: Requester, user_id: str, auth_provider: str, external_id: str
    ) -> bool:
        """Remove the user's link; False when the user had no such link."""
        await self.user(requester, user_id)
        if not recordable_external_id(auth_provider, external_id):
            return False
        async with self._store.write() as txn:
            return await txn.external_ids.remove(auth_provider, external_id, user_id)

    async def deactivate(self, requester: Requester, user_id: str, *, erase: bool = False) -> None:
        """Synapse's ``POST /_synapse/admin/v1/deactivate``: the account deactivation."""
        await self.user(requester, user_id)
        await self._accounts.deactivate_user(user_id, erase=erase)

    async def devices(self, requester: Requester, user_id: str) -> Sequence[Device]:
        await self.user(requester, user_id)
        await self._last_seen.flush()
        async with self._store.read() as txn:
            return await txn.devices.list_for_user(user_id)

    async def whois(self, requester: Requester, user_id: str) -> Sequence[Device]:
        """The user's devices with their last sighting; users may look up themselves
        (as in Synapse), only admins anyone else."""
        if requester.user_id != user_id:
            self.require_admin(requester)
        self._local(user_id)
        await self._existing(user_id)
        await self._last_seen.flush()
        async with self._store.read() as txn:
            return await txn.devices.list_for_user(user_id)

    async def device(self, requester: Requester, user_id: str, device_id: str) -> Device:
        await self.user(requester, user_id)
        await self._last_seen.flush()
        if not storable(device_id):  # could never have been stored
            raise NotFound("Device not found")
        async with self._store.read() as txn:
            device = await txn.devices.get(user_id, device_id)
        if device is None:
            raise NotFound("Device not found")
        return device

    async def delete_device(self, requester: Requester, user_id: str, device_id: str) -> None:
        await self.user(requester, user_id)
        if not storable(device_id):  # could never have been stored: nothing to delete
            return
        async with self._auth.ending_sessions(user_id, [device_id]) as txn:
            await txn.devices.delete(user_id, device_id)

    async def login_as(self, requester: Requester, user_id: str, valid_until_ms: object) -> str:
        """An access token that acts as ``user_id``, for support ("log in as user").

        As in Synapse, the token has no device (it appears in no device list and
        is not the user's session) and expires only at ``valid_until_ms``, if
        given; logging it out, the user's logout-all, a password reset or
        deactivation end it. Unlike Synapse, a deactivated user is refused:
        the token could never be used.
        """
        self.require_admin(requester)
        parse_user_id(user_id)
        if server_name_of(user_id) != self._server_name:
            raise MatrixError(ErrCode.UNKNOWN, "Only local users can be logged in as")
        user = await self._existing(user_id)
        valid_until = _valid_until(valid_until_ms)
        if user.user_id == requester.user_id:
            raise MatrixError(ErrCode.UNKNOWN, "Cannot use admin API to login as self")
        if user.deactivated:
            raise MatrixError(ErrCode.USER_DEACTIVATED, "This account has been deactivated")
        token = mint_access_token()
        async with self._store.write() as txn:
            await txn.tokens.add(
                hash_token(token),
                user.user_id,
                None,
                now_ms(self._clock),
                valid_until_ms=valid_until,
                puppeted_by=requester.user_id,
            )
        return token

    async def _existing(self, user_id: str) -> User:
        async with self._store.read() as txn:
            user = await txn.users.get(user_id)
        if user is None:
            raise NotFound("User not found")
        return user

    def _local(self, user_id: str) -> None:
        parse_user_id(user_id)
        if server_name_of(user_id) != self._server_name:
            raise InvalidParam("Can only look up local users")


def _valid_until(value: object) -> int | None:
    """``valid_until_ms`` of a "log in as user" body, checked as Synapse does."""
    if value is None:
        return None
    # type(), not isinstance(): true and false are refused, as Synapse refuses them.
    if type(value) is not int:
        raise MatrixError(ErrCode.UNKNOWN, "'valid_until_ms' parameter must be an int")
    if not -(2**63) <= value < 2**63:  # Synapse answers 500 (a database error)
        raise InvalidParam("valid_until_ms is out of range")
    return value
