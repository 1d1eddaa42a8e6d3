"""Access token → ``Requester``."""

from __future__ import annotations

from tessera.core.errors import UnknownToken
from tessera.core.models import Requester
from tessera.core.tokens import hash_token
from tessera.storage.ports import Store


class Authenticator:
    """Resolves the access token of a request to who is making it."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def requester(self, access_token: str) -> Requester:
        """The requester for ``access_token``.

        Raises:
            UnknownToken: the token was never issued, was logged out, or its
                user is deactivated.
        """
        async with self._store.read() as txn:
            requester = await txn.tokens.requester(hash_token(access_token))
        if requester is None:
            raise UnknownToken()
        return requester
