"""Access token → ``Requester``, with a short-lived cache in front of the database.

Every authenticated request starts here, so the lookup is cached. A logout or
deactivation made through this process is honoured at once, because the
services that end sessions do it in ``ending_sessions``, which forgets the
cached tokens before they answer. On PostgreSQL it also announces the change
in their transaction, and every other process (another worker, the CLI)
hears it through ``storage/invalidation_listener.py`` and forgets within
milliseconds. An entry lives at most ``ttl`` seconds (default
1 s) whatever happens, which bounds staleness when an announcement is lost or
a row changes behind Tessera's back.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from tessera.core.errors import UnknownToken
from tessera.core.models import AccessTokenInfo, Requester
from tessera.core.tokens import hash_token
from tessera.services.clock import Clock, now_ms, system_clock
from tessera.services.last_seen import LastSeen
from tessera.storage.ports import Store, Transaction

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
        clock: Clock = system_clock,
        ttl: float = DEFAULT_CACHE_TTL,
        max_entries: int = DEFAULT_CACHE_SIZE,
        monotonic: Callable[[], float] = time.monotonic,
        last_seen: LastSeen | None = None,
    ) -> None:
        self._store = store
        self._last_seen = last_seen
        self._clock = clock
        self._ttl = ttl
        self._max_entries = max_entries
        self._monotonic = monotonic
        self._cache: dict[bytes, tuple[AccessTokenInfo, float]] = {}
        # user ID → their cached token hashes: forgetting a user or a device then
        # costs their own entries, not a scan of the whole cache (refreshes do it).
        self._by_user: dict[str, set[bytes]] = {}
        # Bumped by every forget_*: a lookup that started before a logout must
        # not put the logged-out token back into the cache when it finishes.
        self._generation = 0

    async def requester(
        self, access_token: str, ip: str | None = None, user_agent: str | None = None
    ) -> Requester:
        """The requester for ``access_token`` (noting the device was seen from ``ip``
        with ``user_agent``).

        Raises:
            UnknownToken: the token was never issued, was logged out, or its
                user is deactivated; with ``soft_logout: true`` when it expired.
        """
        token_hash = hash_token(access_token)
        cached = self._cache.get(token_hash)
        now = self._monotonic()
        if cached is not None and cached[1] > now:
            info = cached[0]
        else:
            info = await self._load(token_hash, now)
        if info.valid_until_ms is not None and info.valid_until_ms < now_ms(self._clock):
            raise UnknownToken("Access token has expired", soft_logout=True)
        requester = info.requester
        # An admin acting as the user is not the user's device being seen
        # (Synapse does not record puppeted requests as the user's either).
        if self._last_seen is not None and requester.device_id is not None:
            self._last_seen.record(requester.user_id, requester.device_id, ip, user_agent)
        return requester

    async def _load(self, token_hash: bytes, now: float) -> AccessTokenInfo:
        generation = self._generation
        async with self._store.read() as txn:
            info = await txn.tokens.lookup(token_hash)
        if info is None:
            self._drop(token_hash)
            raise UnknownToken()
        if info.refresh_token_id is not None and not info.used:
            info = await self._first_use(info)
        if generation == self._generation:
            if len(self._cache) >= self._max_entries:
                self._cache.clear()
                self._by_user.clear()
            self._cache[token_hash] = (info, now + self._ttl)
            self._by_user.setdefault(info.requester.user_id, set()).add(token_hash)
        return info

    async def _first_use(self, info: AccessTokenInfo) -> AccessTokenInfo:
        """A refreshed token's first use retires the pair it was refreshed from."""
        assert info.refresh_token_id is not None
        requester = info.requester
        assert requester.device_id is not None  # refresh tokens always belong to a device
        # The predecessor's access token goes from the database, and so from caches.
        async with self.ending_sessions(requester.user_id, [requester.device_id]) as txn:
            await txn.tokens.mark_used(requester.token_id)
            await txn.refresh_tokens.delete_predecessors(info.refresh_token_id)
        return AccessTokenInfo(info.requester, info.valid_until_ms, info.refresh_token_id, True)

    @asynccontextmanager
    async def ending_sessions(
        self, user_id: str, device_ids: Sequence[str] | None = None
    ) -> AsyncIterator[Transaction]:
        """A write transaction that ends sessions of ``user_id``: of ``device_ids``, or all.

        Other processes are told in the transaction (they hear it only if it
        commits); this process's cache forgets once it has committed, so no
        request re-reads the old rows in between.
        """
        async with self._store.write() as txn:
            yield txn
            if device_ids is None:
                await txn.invalidations.user(user_id)
            else:
                await txn.invalidations.devices(user_id, device_ids)
        if device_ids is None:
            self.forget_user(user_id)
        else:
            for device_id in device_ids:
                self.forget_device(user_id, device_id)

    def forget_device(self, user_id: str, device_id: str) -> None:
        """Drop cached tokens of one device (it was logged out or deleted)."""
        self._generation += 1
        for key in list(self._by_user.get(user_id, ())):
            if self._cache[key][0].requester.device_id == device_id:
                self._drop(key)

    def forget_token(self, user_id: str, token_id: int) -> None:
        """Drop one cached token (a device-less token was logged out)."""
        self._generation += 1
        for key in list(self._by_user.get(user_id, ())):
            if self._cache[key][0].requester.token_id == token_id:
                self._drop(key)

    def forget_user(self, user_id: str) -> None:
        """Drop every cached token of a user (logout/all, deactivation)."""
        self._generation += 1
        for key in self._by_user.pop(user_id, set()):
            self._cache.pop(key, None)

    def forget_all(self) -> None:
        """Drop every cached token (other processes' announcements may have been missed)."""
        self._generation += 1
        self._cache.clear()
        self._by_user.clear()

    def _drop(self, token_hash: bytes) -> None:
        entry = self._cache.pop(token_hash, None)
        if entry is not None:
            keys = self._by_user.get(entry[0].requester.user_id)
            if keys is not None:
                keys.discard(token_hash)
                if not keys:
                    del self._by_user[entry[0].requester.user_id]
