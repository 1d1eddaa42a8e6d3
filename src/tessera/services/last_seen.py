"""When, from where and with which client each device was last seen, written in batches.

Recording a sighting is a dict write; ``flush()`` stores every pending
sighting in one statement. The app flushes every few seconds, and before
anything reads devices, so nothing a client can see is stale.
"""

from __future__ import annotations

import asyncio
import logging

from tessera.core.models import Sighting
from tessera.services.clock import Clock, now_ms
from tessera.storage.ports import Store

#: Seconds between background flushes.
FLUSH_INTERVAL = 5.0
#: Characters of a ``User-Agent`` kept: real clients send a few hundred at most,
#: and a header of kilobytes must not become kilobytes per device in the database.
MAX_USER_AGENT = 512

logger = logging.getLogger(__name__)


def bounded_user_agent(value: str | None) -> str | None:
    """``value`` cut to ``MAX_USER_AGENT`` characters, without NUL (which PostgreSQL's
    text refuses: one such header would fail every flush of its batch); None when empty."""
    if not value:
        return None
    cleaned = value.replace("\x00", "")[:MAX_USER_AGENT]
    return cleaned or None


class LastSeen:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._pending: dict[tuple[str, str], Sighting] = {}
        self._lock = asyncio.Lock()

    def record(
        self, user_id: str, device_id: str, ip: str | None, user_agent: str | None = None
    ) -> None:
        """Note a request from a device (no I/O)."""
        self._pending[(user_id, device_id)] = Sighting(
            user_id, device_id, ip, bounded_user_agent(user_agent), now_ms(self._clock)
        )

    async def flush(self) -> None:
        """Store everything recorded so far."""
        if not self._pending:
            return
        async with self._lock:
            batch, self._pending = self._pending, {}
            if batch:
                try:
                    async with self._store.write() as txn:
                        await txn.devices.record_last_seen(list(batch.values()))
                except BaseException:
                    # Kept for the next flush; sightings recorded meanwhile are newer.
                    self._pending = {**batch, **self._pending}
                    raise

    async def run(self, interval: float = FLUSH_INTERVAL) -> None:
        """Flush forever (cancelled on shutdown, after a final flush by the caller)."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.flush()
            except Exception as exc:  # a database outage must not end the flushing for good
                logger.warning("could not store last-seen times, will retry: %s", exc)
