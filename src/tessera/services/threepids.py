"""A user's third-party identifiers (spec: "Adding Account Administrative Contact Information").

Tessera learns them from the identity provider (``email_claim``), never from
a client, so this is read-only: ``GET /account/3pid`` and the admin API's
``threepids``.
"""

from __future__ import annotations

from collections.abc import Sequence

from tessera.core.models import Threepid
from tessera.storage.ports import Store


class Threepids:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def of_user(self, user_id: str) -> Sequence[Threepid]:
        """The user's 3PIDs, by medium and address."""
        async with self._store.read() as txn:
            return await txn.threepids.list_for_user(user_id)
