"""Who is waiting on ``/sync`` for what, and waking them.

A waiter registers the keys it cares about (``room:<id>`` for each room it is in,
``user:<id>`` for itself) *before* it reads the database, so a change committed after that
read always wakes it, and one committed before is in what it read. Writers call
``notify`` after their commit; on PostgreSQL they also ``NOTIFY`` (repos/notifications.py),
and every other process hears it through the listener and calls ``notify`` there.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Iterator


def room_key(room_id: str) -> str:
    return f"room:{room_id}"


def user_key(user_id: str) -> str:
    return f"user:{user_id}"


class Waiter:
    """One sync request's interest: set once anything it listens to changes."""

    __slots__ = ("changed", "keys")

    def __init__(self, keys: frozenset[str]) -> None:
        self.keys = keys
        self.changed = asyncio.Event()

    async def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds``; whether something changed."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self.changed.wait()
        return self.changed.is_set()


class Notifier:
    def __init__(self) -> None:
        self._waiters: dict[str, set[Waiter]] = {}
        #: Set by ``close``: the server is stopping, and waiting syncs should answer now.
        self.closing = False

    @contextlib.contextmanager
    def listen(self, keys: Iterable[str]) -> Iterator[Waiter]:
        """Register a waiter for ``keys`` for the duration of the block."""
        waiter = Waiter(frozenset(keys))
        for key in waiter.keys:
            self._waiters.setdefault(key, set()).add(waiter)
        try:
            yield waiter
        finally:
            for key in waiter.keys:
                waiters = self._waiters.get(key)
                if waiters is not None:
                    waiters.discard(waiter)
                    if not waiters:
                        del self._waiters[key]

    def notify(self, keys: Iterable[str]) -> None:
        """Wake every waiter listening to any of ``keys``."""
        for key in keys:
            for waiter in self._waiters.get(key, ()):
                waiter.changed.set()

    def notify_all(self) -> None:
        """Wake everyone (after missing other processes' notifications: they re-read)."""
        for waiters in self._waiters.values():
            for waiter in waiters:
                waiter.changed.set()

    def close(self) -> None:
        """The server is shutting down: wake every waiter, and let none wait from now on.

        A long poll holds its request open for up to its timeout; the server's graceful
        shutdown waits for every open request, so without this a restart took as long as
        the longest ``/sync`` timeout (30 s for matrix-js-sdk).
        """
        self.closing = True
        self.notify_all()

    @property
    def waiting(self) -> int:
        return len({w for waiters in self._waiters.values() for w in waiters})
