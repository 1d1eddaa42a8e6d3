"""``m.login.password`` for users that have a password, and the identifier it names."""

from __future__ import annotations

from typing import Any

from tessera.core.errors import ErrCode, Forbidden, InvalidParam, MatrixError, MissingParam
from tessera.core.ids import storable, user_id_for
from tessera.core.models import User
from tessera.services.login.types import Identity
from tessera.services.passwords import Passwords
from tessera.services.rate_limits import Limit
from tessera.storage.ports import Store

LOGIN_TYPE = "m.login.password"
INVALID_CREDENTIALS = "Invalid username or password"


def identified_user_id(body: dict[str, Any], server_name: str) -> str:
    """The user ID a login body names (spec: "Identifier types"; only ``m.id.user``).

    Accepts the ``identifier`` object and the deprecated top-level ``user``.
    """
    identifier = body.get("identifier") or None  # Synapse treats {} as absent
    if identifier is None and "user" in body:
        identifier = {"type": "m.id.user", "user": body["user"]}
    if not isinstance(identifier, dict):
        raise InvalidParam("Invalid login submission")
    if "type" not in identifier:
        raise MissingParam("'identifier' dict has no key 'type'")
    if identifier["type"] != "m.id.user":
        raise MatrixError(ErrCode.UNKNOWN, "Unknown login identifier type")
    user = identifier.get("user")
    if not user:
        raise MatrixError(ErrCode.UNKNOWN, "User identifier is missing 'user' key")
    if not isinstance(user, str) or not storable(user):
        raise InvalidParam("Invalid user in identifier")
    return user if user.startswith("@") else user_id_for(user, server_name)


def pick_user(matches: list[User], user_id: str) -> User | None:
    """Synapse's case-insensitive match: the exact ID if present, else a unique match."""
    for user in matches:
        if user.user_id == user_id:
            return user
    return matches[0] if len(matches) == 1 else None


class PasswordLogin:
    """Checks a user ID and password against the stored bcrypt hash."""

    login_type = LOGIN_TYPE

    def __init__(
        self,
        store: Store,
        server_name: str,
        passwords: Passwords,
        failed_attempts: Limit | None = None,
    ) -> None:
        self._store = store
        self._server_name = server_name
        self._passwords = passwords
        self._failed = failed_attempts

    async def authenticate(self, body: dict[str, Any]) -> Identity:
        """The user whose password the body holds (403 "Invalid username or password" otherwise)."""
        password = body.get("password")
        if not isinstance(password, str):
            raise InvalidParam("Bad parameter: password")
        user_id = identified_user_id(body, self._server_name)
        key = user_id.lower()
        if self._failed is not None:  # rc_login.failed_attempts: a guesser waits
            await self._failed.check(key)
        async with self._store.read() as txn:
            user = pick_user(list(await txn.users.find_case_insensitive(user_id)), user_id)
        # The hash check runs whether or not the user exists: same timing either way.
        stored = user.password_hash if user is not None else None
        if not await self._passwords.check(password, stored) or user is None:
            if self._failed is not None:
                await self._failed.record(key)
            raise Forbidden(INVALID_CREDENTIALS)
        return Identity(subject=user.user_id, user_id=user.user_id)
