"""Token-bucket rate limiting, as Synapse's ``rc_*`` settings describe it.

Each key (an IP address, a user ID) has a bucket of ``burst_count`` actions
that refills at ``per_second``. Pure: the caller passes the time.
"""

from __future__ import annotations

import math

from tessera.core.errors import ErrCode, MatrixError

#: Buckets kept before full ones (idle keys) are dropped.
MAX_KEYS = 100_000


class RateLimiter:
    def __init__(self, per_second: float, burst_count: int) -> None:
        self.per_second = per_second
        self.burst_count = burst_count
        # key → (tokens left, time they were counted)
        self._buckets: dict[str, tuple[float, float]] = {}

    def _tokens(self, key: str, now: float) -> float:
        tokens, then = self._buckets.get(key, (float(self.burst_count), now))
        return min(float(self.burst_count), tokens + (now - then) * self.per_second)

    def too_many(self, key: str, now: float) -> MatrixError | None:
        """The 429 to answer when ``key`` may not act now (nothing is used)."""
        wait = self.retry_after_ms(key, now)
        if wait is None:
            return None
        return MatrixError(ErrCode.LIMIT_EXCEEDED, "Too Many Requests", retry_after_ms=wait)

    def retry_after_ms(self, key: str, now: float) -> int | None:
        """None when ``key`` may act now; else how long until it may (nothing is used)."""
        tokens = self._tokens(key, now)
        if tokens >= 1:
            return None
        if self.per_second <= 0:
            return 2**31  # never refills: "much later"
        return max(1, math.ceil((1 - tokens) / self.per_second * 1000))

    def record(self, key: str, now: float) -> None:
        """Use one action of ``key``'s bucket (it may go below zero: then it waits longer)."""
        if len(self._buckets) >= MAX_KEYS:
            self._prune(now)
        self._buckets[key] = (self._tokens(key, now) - 1, now)

    def acquire(self, key: str, now: float) -> None:
        """Use one action of ``key``, or raise 429 ``M_LIMIT_EXCEEDED`` with ``retry_after_ms``."""
        error = self.too_many(key, now)
        if error is not None:
            raise error
        self.record(key, now)

    def _prune(self, now: float) -> None:
        full = [k for k in self._buckets if self._tokens(k, now) >= self.burst_count]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= MAX_KEYS:  # still full of busy keys: start over
            self._buckets.clear()
