"""Access token → ``Requester``, with a short-lived cache in front of the database.

Every authenticated request starts here, so the lookup is cached. An entry
lives at most ``ttl`` seconds (default 1 s): a logout or deactivation made by
another process (a second worker, the CLI) is honoured within that time,
and one made through this process is honoured at once, because ``Sessions``
calls ``forget_*`` before answering.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tessera.core.errors import UnknownToken
from tessera.core.models import Requester
from tessera.core.tokens import hash_token
from tessera.storage.ports import Store

#: How long a cached token stays trusted without asking the database again.
DEFAULT_CACHE_TTL = 1.0
#: Entries kept at most; when full the cache starts over (cheap, and rare).
DEFAULT_CACHE_SIZE = 100_000


class Authenticator:
    """Resolves the access token of a request to who is making it."""

    def __init__(
        self,
        store: Store,
        *,
        ttl: float = DEFAULT_CACHE_TTL,
        max_entries: int = DEFAULT_CACHE_SIZE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._ttl = ttl
        self._max_entries = max_entries
        self._monotonic = monotonic
        self._cache: dict[bytes, tuple[Requester, float]] = {}
        # Bumped by every forget_*: a lookup that started before a logout must
        # not put the logged-out token back into the cache when it finishes.
        self._generation = 0

    async def requester(self, access_token: str) -> Requester:
        """The requester for ``access_token``.

        Raises:
            UnknownToken: the token was never issued, was logged out, or its
                user is deactivated.
        """
        token_hash = hash_token(access_token)
        cached = self._cache.get(token_hash)
        now = self._monotonic()
        if cached is not None and cached[1] > now:
            return cached[0]
        generation = self._generation
        async with self._store.read() as txn:
            requester = await txn.tokens.requester(token_hash)
        if requester is None:
            self._cache.pop(token_hash, None)
            raise UnknownToken()
        if generation == self._generation:
            if len(self._cache) >= self._max_entries:
                self._cache.clear()
            self._cache[token_hash] = (requester, now + self._ttl)
        return requester

    def forget_device(self, user_id: str, device_id: str) -> None:
        """Drop cached tokens of one device (it was logged out or deleted)."""
        self._forget(lambda r: r.user_id == user_id and r.device_id == device_id)

    def forget_user(self, user_id: str) -> None:
        """Drop every cached token of a user (logout/all, deactivation)."""
        self._forget(lambda r: r.user_id == user_id)

    def _forget(self, matches: Callable[[Requester], bool]) -> None:
        self._generation += 1
        stale = [key for key, (requester, _) in self._cache.items() if matches(requester)]
        for key in stale:
            del self._cache[key]
