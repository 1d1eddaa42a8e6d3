"""Rate limits as services use them: in this process's memory, or shared through the database.

A ``Limit`` is one ``rc_*`` setting (``per_second`` + ``burst_count``) applied
per key. ``LocalLimit`` keeps buckets in memory: right for SQLite, where one
process serves. ``SharedLimit`` keeps them in the database, so that several
processes on one PostgreSQL database enforce one limit between them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from tessera.core.ratelimit import RateLimiter, limit_exceeded, wait_ms
from tessera.services.clock import Clock
from tessera.storage.ports import Store

logger = logging.getLogger(__name__)

#: Seconds between deletions of buckets that have filled up again.
PURGE_INTERVAL = 60.0


class Limit(Protocol):
    async def acquire(self, key: str) -> None:
        """Use one action of ``key``, or raise 429 ``M_LIMIT_EXCEEDED`` with ``retry_after_ms``."""

    async def check(self, key: str) -> None:
        """Raise the 429 when ``key`` may not act now (nothing is used)."""

    async def record(self, key: str) -> None:
        """Use one action of ``key`` even when none is left (it then waits longer)."""


class LocalLimit:
    """Buckets in this process's memory."""

    def __init__(self, per_second: float, burst_count: int, clock: Clock) -> None:
        self._limiter = RateLimiter(per_second, burst_count)
        self._clock = clock

    async def acquire(self, key: str) -> None:
        self._limiter.acquire(key, self._clock())

    async def check(self, key: str) -> None:
        error = self._limiter.too_many(key, self._clock())
        if error is not None:
            raise error

    async def record(self, key: str) -> None:
        self._limiter.record(key, self._clock())


class SharedLimit:
    """Buckets in the database: one statement per action, atomic across processes."""

    def __init__(
        self, store: Store, name: str, per_second: float, burst_count: int, clock: Clock
    ) -> None:
        self._store = store
        self._name = name
        self._per_second = per_second
        self._burst_count = burst_count
        self._clock = clock

    async def acquire(self, key: str) -> None:
        allowed, level = await self._take(key, always=False)
        if not allowed:
            raise limit_exceeded(wait_ms(level, self._per_second) or 1)

    async def check(self, key: str) -> None:
        async with self._store.read() as txn:
            level = await txn.rate_limits.level(
                self._name,
                key,
                now=self._clock(),
                per_second=self._per_second,
                burst_count=self._burst_count,
            )
        wait = wait_ms(level, self._per_second)
        if wait is not None:
            raise limit_exceeded(wait)

    async def record(self, key: str) -> None:
        await self._take(key, always=True)

    async def _take(self, key: str, *, always: bool) -> tuple[bool, float]:
        # One upsert, atomic on its own: no BEGIN/COMMIT round trips around it.
        async with self._store.single_write() as txn:
            return await txn.rate_limits.take(
                self._name,
                key,
                now=self._clock(),
                per_second=self._per_second,
                burst_count=self._burst_count,
                always=always,
            )


class BucketPurge:
    """Deletes shared buckets that have filled up again: a missing row is a full bucket."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def purge(self) -> int:
        """Delete the full buckets now; returns how many went."""
        async with self._store.write() as txn:
            return await txn.rate_limits.purge_full(self._clock())

    async def run(self, interval: float = PURGE_INTERVAL) -> None:
        """Purge forever (cancelled on shutdown); a failure only skips a round."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.purge()
            except Exception as exc:  # a janitor must outlive an outage; the next round retries
                logger.warning("Could not purge rate-limit buckets: %s", type(exc).__name__)
