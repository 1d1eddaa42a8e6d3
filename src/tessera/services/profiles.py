"""Reading profiles."""

from __future__ import annotations

from tessera.core.errors import NotFound
from tessera.core.ids import parse_user_id
from tessera.core.models import User
from tessera.storage.ports import Store


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
