"""When and from where each device was last seen, written in batches.

Recording a sighting is a dict write; ``flush()`` stores every pending
sighting in one statement. The app flushes every few seconds, and before
anything reads devices, so nothing a client can see is stale.
"""

from __future__ import annotations

import asyncio
import logging

from tessera.services.clock import Clock, now_ms
from tessera.storage.ports import Store

#: Seconds between background flushes.
FLUSH_INTERVAL = 5.0

logger = logging.getLogger(__name__)


class LastSeen:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._pending: dict[tuple[str, str], tuple[str | None, int]] = {}
        self._lock = asyncio.Lock()

    def record(self, user_id: str, device_id: str, ip: str | None) -> None:
        """Note a request from a device (no I/O)."""
        self._pending[(user_id, device_id)] = (ip, now_ms(self._clock))

    async def flush(self) -> None:
        """Store everything recorded so far."""
        if not self._pending:
            return
        async with self._lock:
            batch, self._pending = self._pending, {}
            rows = [(user, device, ip, ts) for (user, device), (ip, ts) in batch.items()]
            if rows:
                try:
                    async with self._store.write() as txn:
                        await txn.devices.record_last_seen(rows)
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
