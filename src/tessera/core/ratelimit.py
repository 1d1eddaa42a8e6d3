"""Token-bucket rate limiting, as Synapse's ``rc_*`` settings describe it.

Each key (an IP address, a user ID) has a bucket of ``burst_count`` actions
that refills at ``per_second``. Pure: the caller passes the time. The
functions below are the arithmetic; ``RateLimiter`` keeps buckets in this
process's memory, and the PostgreSQL repo (``storage/repos/rate_limits.py``)
does the same arithmetic in SQL for buckets shared by several processes.
"""

from __future__ import annotations

import math

from tessera.core.errors import ErrCode, MatrixError

#: Buckets kept before full ones (idle keys) are dropped.
MAX_KEYS = 100_000
#: The wait reported when a bucket never refills (``per_second: 0``): "much later".
NEVER_MS = 2**31


def refilled(level: float, elapsed: float, per_second: float, burst_count: int) -> float:
    """The actions left ``elapsed`` seconds after a bucket held ``level`` (a clock going
    backwards refills nothing)."""
    return min(float(burst_count), level + max(0.0, elapsed) * per_second)


def wait_ms(level: float, per_second: float) -> int | None:
    """None when a bucket holding ``level`` allows an action now; else the ms until it does."""
    if level >= 1:
        return None
    if per_second <= 0:
        return NEVER_MS
    return max(1, math.ceil((1 - level) / per_second * 1000))


def limit_exceeded(retry_after_ms: int) -> MatrixError:
    """The 429 ``M_LIMIT_EXCEEDED`` Synapse answers a limited action with."""
    return MatrixError(ErrCode.LIMIT_EXCEEDED, "Too Many Requests", retry_after_ms=retry_after_ms)


class RateLimiter:
    def __init__(self, per_second: float, burst_count: int) -> None:
        self.per_second = per_second
        self.burst_count = burst_count
        # key → (tokens left, time they were counted)
        self._buckets: dict[str, tuple[float, float]] = {}

    def _tokens(self, key: str, now: float) -> float:
        tokens, then = self._buckets.get(key, (float(self.burst_count), now))
        return refilled(tokens, now - then, self.per_second, self.burst_count)

    def too_many(self, key: str, now: float) -> MatrixError | None:
        """The 429 to answer when ``key`` may not act now (nothing is used)."""
        wait = self.retry_after_ms(key, now)
        return None if wait is None else limit_exceeded(wait)

    def retry_after_ms(self, key: str, now: float) -> int | None:
        """None when ``key`` may act now; else how long until it may (nothing is used)."""
        return wait_ms(self._tokens(key, now), self.per_second)

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
