"""Profiles: display name and avatar URL (spec: "Profiles")."""

from __future__ import annotations

from tessera.core.errors import (
    ErrCode,
    Forbidden,
    InvalidParam,
    MatrixError,
    MissingParam,
    NotFound,
)
from tessera.core.ids import parse_user_id, storable
from tessera.core.models import Requester, User
from tessera.storage.ports import Store

#: Synapse's limits, so a name that fits there fits here.
MAX_DISPLAYNAME_LENGTH = 256
MAX_AVATAR_URL_LENGTH = 1000

#: Passed as ``value`` when the request body lacks the field's key.
MISSING = object()

_LIMITS = {
    "displayname": ("display_name", MAX_DISPLAYNAME_LENGTH, "Displayname"),
    "avatar_url": ("avatar_url", MAX_AVATAR_URL_LENGTH, "Avatar URL"),
}


class Profiles:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def profile(self, user_id: str) -> User:
        """The user whose profile is asked for.

        Raises:
            MatrixError: 400 ``M_INVALID_PARAM`` for a malformed user ID.
            NotFound: there is no such user here.
        """
        parse_user_id(user_id)
        async with self._store.read() as txn:
            user = await txn.users.get(user_id)
        if user is None:
            raise NotFound("Profile was not found")
        return user

    async def set_field(
        self, requester: Requester, user_id: str, field: str, value: object
    ) -> None:
        """Set ``displayname`` or ``avatar_url`` of the requester's own profile."""
        column, limit, label = _LIMITS[field]
        if value is MISSING:
            raise MissingParam(f"Missing key '{field}'")
        parse_user_id(user_id)
        if user_id != requester.user_id:
            raise Forbidden(f"Cannot set another user's {field}")
        if value is not None and (not isinstance(value, str) or not storable(value)):
            raise InvalidParam(f"'{field}' must be a string")
        if value is not None and len(value) > limit:
            raise MatrixError(ErrCode.TOO_LARGE, f"{label} is too long (max {limit})", status=400)
        async with self._store.write() as txn:
            await txn.users.set_profile(user_id, **{column: value or None})
