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

#: Buckets kept at most: memory stays bounded whatever keys arrive.
MAX_KEYS = 100_000
#: The share of ``max_keys`` a full table frees at once, so its sort is paid rarely.
EVICTED_SHARE = 0.1
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
    """Buckets in this process's memory, at most ``max_keys`` of them.

    A full table makes room by dropping the fullest buckets (every full one,
    then the nearest to full, the first stored among equals). A dropped
    bucket comes back full, so that costs the least: a key locked out is
    among the emptiest and stays locked out however many new keys arrive.
    """

    def __init__(self, per_second: float, burst_count: int, max_keys: int = MAX_KEYS) -> None:
        self.per_second = per_second
        self.burst_count = burst_count
        self.max_keys = max_keys
        # key → (tokens left, time they were counted)
        self._buckets: dict[str, tuple[float, float]] = {}

    def __len__(self) -> int:
        """How many buckets are held."""
        return len(self._buckets)

    def tokens_left(self, key: str, now: float) -> float:
        """The actions ``key`` has left at ``now`` (``burst_count`` for a key never seen)."""
        tokens, then = self._buckets.get(key, (float(self.burst_count), now))
        return refilled(tokens, now - then, self.per_second, self.burst_count)

    def too_many(self, key: str, now: float) -> MatrixError | None:
        """The 429 to answer when ``key`` may not act now (nothing is used)."""
        wait = self.retry_after_ms(key, now)
        return None if wait is None else limit_exceeded(wait)

    def retry_after_ms(self, key: str, now: float) -> int | None:
        """None when ``key`` may act now; else how long until it may (nothing is used)."""
        return wait_ms(self.tokens_left(key, now), self.per_second)

    def record(self, key: str, now: float) -> None:
        """Use one action of ``key``'s bucket (it may go below zero: then it waits longer)."""
        if key not in self._buckets and len(self._buckets) >= self.max_keys:
            self._evict(now)
        self._buckets[key] = (self.tokens_left(key, now) - 1, now)

    def acquire(self, key: str, now: float) -> None:
        """Use one action of ``key``, or raise 429 ``M_LIMIT_EXCEEDED`` with ``retry_after_ms``."""
        error = self.too_many(key, now)
        if error is not None:
            raise error
        self.record(key, now)

    def _evict(self, now: float) -> None:
        # Clearing everything (as this once did) handed every locked-out key a
        # full bucket: 100,000 throw-away keys lifted a victim's lockout. One pass
        # of plain floats (no calls, no tuples): it holds up the event loop.
        rate, burst = self.per_second, float(self.burst_count)
        keys = list(self._buckets)
        levels = [tokens + max(0.0, now - then) * rate for tokens, then in self._buckets.values()]
        keep = self.max_keys - max(1, int(self.max_keys * EVICTED_SHARE))
        excess = len(keys) - keep
        # The excess-th fullest level; everything fuller goes, then enough at it.
        threshold = min(sorted(levels)[-excess], burst)
        for key, level in zip(keys, levels, strict=True):
            if level > threshold or level >= burst:  # a full bucket is the same as none
                del self._buckets[key]
        for key, level in zip(keys, levels, strict=True):
            if len(self._buckets) <= keep:
                break
            if level == threshold and key in self._buckets:
                del self._buckets[key]
