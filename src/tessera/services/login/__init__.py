"""``POST /login``: dispatch on the login type, then the step every type shares.

Each login type (``jwt.py`` …) only proves an identity; creating the user on
first login, the device and the access token happen here, in one
transaction, so a failed login leaves nothing half-made behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tessera.core.errors import ErrCode, InvalidParam, MatrixError
from tessera.core.ids import (
    check_localpart_characters,
    check_new_localpart,
    localpart_of,
    user_id_for,
)
from tessera.core.models import LoginResult, User
from tessera.core.tokens import hash_token, mint_access_token, mint_device_id
from tessera.services.clock import Clock, now_ms
from tessera.services.login.types import Identity, LoginType
from tessera.storage.ports import Store, Transaction

MAX_DEVICE_ID_LENGTH = 512
MAX_DEVICE_NAME_LENGTH = 100


class LoginService:
    """Logs users in with whichever login types the server enables."""

    def __init__(
        self, store: Store, server_name: str, login_types: Iterable[LoginType], clock: Clock
    ) -> None:
        self._store = store
        self._server_name = server_name
        self._types = {login_type.login_type: login_type for login_type in login_types}
        self._clock = clock

    def flows(self) -> list[dict[str, str]]:
        """The ``GET /login`` flows, in the order the types were configured."""
        return [{"type": name} for name in self._types]

    async def login(self, body: dict[str, Any]) -> LoginResult:
        """Authenticate ``body`` and issue a device and an access token.

        Raises:
            MatrixError: for a bad request or failed authentication.
        """
        login_type = self._login_type(body)
        device_id, device_name = _device_fields(body)
        identity = await login_type.authenticate(body)
        access_token = mint_access_token()
        now = now_ms(self._clock)
        async with self._store.write() as txn:
            user = await self._user_for(txn, identity, now)
            if device_id is None:
                device_id = mint_device_id()
            await txn.devices.ensure(user.user_id, device_id, device_name, now)
            await txn.tokens.add(hash_token(access_token), user.user_id, device_id, now)
        return LoginResult(user_id=user.user_id, device_id=device_id, access_token=access_token)

    def _login_type(self, body: dict[str, Any]) -> LoginType:
        if "type" not in body:
            raise MatrixError(ErrCode.UNKNOWN, "Missing JSON keys.")
        name = body["type"]
        if not isinstance(name, str):
            raise InvalidParam("Bad parameter: type")
        login_type = self._types.get(name)
        if login_type is None:
            raise MatrixError(ErrCode.UNKNOWN, f"Unknown login type {name}")
        return login_type

    async def _user_for(self, txn: Transaction, identity: Identity, now: int) -> User:
        """The user the identity names, created on first login."""
        # Every stored localpart is in the grammar, so a subject whose lower
        # case is not can match nobody: refuse it before it reaches SQL (a NUL
        # is an error in PostgreSQL). A ':' would split into another user's ID;
        # this refuses it rather than guess (Synapse guesses).
        check_localpart_characters(identity.subject.lower())
        user_id = user_id_for(identity.subject, self._server_name)
        user = _pick(await txn.users.find_case_insensitive(user_id), user_id)
        if user is None:
            localpart = localpart_of(user_id)
            check_new_localpart(identity.subject, self._server_name)
            display_name = identity.display_name or localpart
            await txn.users.create(user_id, display_name, now)
            # Re-read: a concurrent first login may have won the insert.
            user = _pick(await txn.users.find_case_insensitive(user_id), user_id)
            assert user is not None
        if user.deactivated:
            raise MatrixError(ErrCode.USER_DEACTIVATED, "This account has been deactivated")
        return user


def _pick(matches: Iterable[User], user_id: str) -> User | None:
    """Synapse's case-insensitive match: the exact ID if present, else a unique match."""
    candidates = list(matches)
    for user in candidates:
        if user.user_id == user_id:
            return user
    return candidates[0] if len(candidates) == 1 else None


def _device_fields(body: dict[str, Any]) -> tuple[str | None, str | None]:
    device_id = body.get("device_id")
    if device_id is not None:
        if not isinstance(device_id, str) or "\x00" in device_id:
            # Synapse answers 500 here; a clear 400 is what it means.
            raise InvalidParam("device_id must be a string without NUL characters")
        if len(device_id) > MAX_DEVICE_ID_LENGTH:
            raise InvalidParam(
                f"device_id cannot be longer than {MAX_DEVICE_ID_LENGTH} characters."
            )
    name = body.get("initial_device_display_name")
    if name is not None:
        if not isinstance(name, str) or "\x00" in name:
            raise InvalidParam(
                "initial_device_display_name must be a string without NUL characters"
            )
        if len(name) > MAX_DEVICE_NAME_LENGTH:
            raise MatrixError(
                ErrCode.TOO_LARGE,
                f"Device display name is too long (max {MAX_DEVICE_NAME_LENGTH})",
                status=400,
            )
    return device_id or None, name
