"""``jwks_uri``: a JWT provider's keys, fetched over HTTP(S) and kept fresh.

- fetched at startup, then again before the cached set expires
  (``Cache-Control: max-age``, clamped to ``jwks_cache_min``..``jwks_cache_max``);
- fetched on a token whose ``kid`` no cached key carries, at most once per
  ``jwks_refetch_interval`` whatever the number of such tokens, so a flood of
  made-up ``kid``s cannot hammer the identity provider;
- a failed fetch (down, slow, garbage) keeps the last good set;
- no login ever waits longer than ``jwks_timeout`` for a fetch, and
  concurrent logins share the one fetch in flight.

The URL comes from the operator's configuration, never from a token.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from tessera.core.jwt_keys import KeyConfigError
from tessera.core.jwt_keyset import VerificationKeys, load_fetched_key_set
from tessera.metrics import Metrics
from tessera.services.clock import Clock

logger = logging.getLogger(__name__)

#: A JWK Set is a few KiB; a body past this is garbage, not keys.
MAX_JWKS_BYTES = 1024 * 1024
#: After a failed fetch, retry this soon (bounded by the cache limits).
RETRY_AFTER_FAILURE_S = 30.0

_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:,|$)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Fetched:
    """A JWKS response: its body and how long it may be cached (None: not said)."""

    body: bytes
    max_age_s: float | None


#: url, timeout (s) → the response; raises on any failure.
Fetcher = Callable[[str, float], Awaitable[Fetched]]


class JwksUnavailable(Exception):
    """No key set has ever been fetched for this provider."""


class RemoteKeySet:
    """The current keys of one ``jwks_uri``, refreshed in the background."""

    def __init__(
        self,
        provider_id: str,
        uri: str,
        algorithms: Sequence[str],
        *,
        timeout_ms: int,
        cache_min_ms: int,
        cache_max_ms: int,
        refetch_interval_ms: int,
        clock: Clock = time.monotonic,
        metrics: Metrics | None = None,
        fetcher: Fetcher | None = None,
    ) -> None:
        self.provider_id = provider_id
        self._uri = uri
        self._algorithms = tuple(algorithms)
        self._timeout = timeout_ms / 1000
        self._cache_min = cache_min_ms / 1000
        self._cache_max = cache_max_ms / 1000
        self._refetch_interval = refetch_interval_ms / 1000
        self._clock = clock
        self._metrics = metrics
        self._fetch = fetcher or http_fetch
        self.keys: VerificationKeys | None = None
        self._body: bytes | None = None
        self._expires_at = 0.0
        self._last_on_demand = -float("inf")
        self._in_flight: asyncio.Task[bool] | None = None
        #: Fetch attempts made (for tests and `tessera jwt check`).
        self.fetches = 0

    async def start(self) -> None:
        """The first fetch, bounded by the timeout; a failure leaves the set empty (logged)."""
        await self._fetch_shared()

    async def run(self) -> None:
        """Refetch before the cached set expires, forever (cancel to stop)."""
        while True:
            delay = max(self._expires_at - self._clock(), 0.0)
            await asyncio.sleep(delay if self.keys is not None else min(delay, self._retry_s()))
            await self._fetch_shared()

    async def refetch_for_unknown_kid(self) -> bool:
        """Fetch again because a token named a ``kid`` we lack; True if the keys changed.

        Only one such fetch per ``jwks_refetch_interval``; the rest get False at once.
        """
        now = self._clock()
        if self._in_flight is None and now - self._last_on_demand < self._refetch_interval:
            return False
        self._last_on_demand = now
        return await self._fetch_shared()

    async def _fetch_shared(self) -> bool:
        if self._in_flight is None:
            self._in_flight = asyncio.create_task(self._fetch_once())
            self._in_flight.add_done_callback(self._forget_in_flight)
        try:
            # shield: a login giving up after the timeout must not cancel the fetch others share.
            # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a cancellation
            # that races the fetch's end, and then `run` never stopped (a hang at shutdown).
            async with asyncio.timeout(self._timeout):
                return await asyncio.shield(self._in_flight)
        except TimeoutError:
            return False

    def _forget_in_flight(self, _task: asyncio.Task[bool]) -> None:
        self._in_flight = None

    async def _fetch_once(self) -> bool:
        self.fetches += 1
        try:
            async with asyncio.timeout(self._timeout):
                fetched = await self._fetch(self._uri, self._timeout)
            keys = self._load(fetched.body)
        except Exception as exc:
            self._count("error")
            self._expires_at = self._clock() + self._retry_s()
            logger.warning(
                "JWT provider %s: fetching jwks_uri failed (%s); %s",
                self.provider_id,
                _describe(exc),
                "keeping the last good key set" if self.keys else "no keys yet",
            )
            return False
        max_age = self._cache_max if fetched.max_age_s is None else fetched.max_age_s
        self._expires_at = self._clock() + min(max(max_age, self._cache_min), self._cache_max)
        if fetched.body == self._body:
            self._count("unchanged")
            return False
        self._count("ok")
        first = self.keys is None
        self.keys, self._body = keys, fetched.body
        logger.info(
            "JWT provider %s: %s key set from jwks_uri (%d keys)",
            self.provider_id,
            "loaded" if first else "rotated to a new",
            len(keys.keys),
        )
        return True

    def _load(self, body: bytes) -> VerificationKeys:
        try:
            document = json.loads(body)
        except ValueError:
            raise ValueError("the response is not JSON") from None
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise ValueError("the response is not a JWK Set (no `keys` list)")
        try:
            fetched = load_fetched_key_set(document, self._algorithms)
        except KeyConfigError as exc:
            raise ValueError(f"unusable key set: {exc}") from None
        if fetched.skipped:
            # Once per fetch, not per login: the set is read here and nowhere else.
            logger.warning(
                "JWT provider %s: jwks_uri holds %d key(s) that fit none of %s, skipped: %s",
                self.provider_id,
                len(fetched.skipped),
                ", ".join(self._algorithms),
                "; ".join(fetched.skipped),
            )
            if self._metrics is not None:
                self._metrics.jwks_skipped_keys.labels(self.provider_id).inc(len(fetched.skipped))
        return fetched.keys

    def _retry_s(self) -> float:
        return min(max(RETRY_AFTER_FAILURE_S, self._cache_min / 10), self._cache_max)

    def _count(self, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.jwks_fetches.labels(self.provider_id, outcome).inc()


async def http_fetch(url: str, limit_s: float) -> Fetched:
    """GET ``url`` (no redirects, at most ``MAX_JWKS_BYTES``), or raise."""
    import httpx

    async with (
        httpx.AsyncClient(timeout=limit_s, follow_redirects=False) as client,
        client.stream("GET", url, headers={"Accept": "application/json"}) as response,
    ):
        if response.status_code != 200:
            raise ValueError(f"HTTP {response.status_code}")
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > MAX_JWKS_BYTES:
                raise ValueError(f"the response is larger than {MAX_JWKS_BYTES} bytes")
        return Fetched(bytes(body), max_age(response.headers.get("cache-control")))


def max_age(cache_control: str | None) -> float | None:
    """``max-age`` of a Cache-Control header, in seconds (None when absent; 0 for no-store)."""
    if cache_control is None:
        return None
    if "no-store" in cache_control.lower() or "no-cache" in cache_control.lower():
        return 0.0
    match = _MAX_AGE.search(cache_control)
    return None if match is None else float(match.group(1))


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if isinstance(exc, ValueError) else f"{type(exc).__name__}: {text}"
