"""Hearing other processes' logouts: ``LISTEN tessera_auth`` on a dedicated connection.

Every Tessera process on one PostgreSQL database keeps its own token cache.
Whoever ends a session announces it in the same transaction
(``repos/invalidations.py``); this listener hears the announcement and drops
the matching cache entries, so another worker honours a logout within
milliseconds instead of at the end of the cache's TTL.

The connection is not one of the pool's: a LISTEN lives as long as its
connection, and a pooled connection would be lent to requests. Whenever the
connection is lost, announcements may have been missed, so the whole cache is
dropped, and again once listening resumes; reconnection backs off up to
``max_backoff`` seconds and is logged once per outage, not once per attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from tessera.storage.repos.invalidations import CHANNEL, decode

if TYPE_CHECKING:
    from tessera.storage.database import Database

logger = logging.getLogger(__name__)

Connect = Callable[[], Awaitable[Any]]


class Channel(Protocol):
    """Another channel heard on the same connection (sync's wake-ups: repos/notifications.py)."""

    def heard(self, payload: str) -> None: ...
    def reset(self) -> None:
        """Announcements may have been missed (connection lost, or not yet listening)."""
        ...


#: Seconds before the first reconnection attempt; doubled after each failure.
_FIRST_RETRY = 0.1


class SessionCache(Protocol):
    """What the listener drops entries from (the ``Authenticator``)."""

    def forget_device(self, user_id: str, device_id: str) -> None: ...
    def forget_user(self, user_id: str) -> None: ...
    def forget_all(self) -> None: ...


class InvalidationListener:
    """Follows :data:`CHANNEL` and applies what it hears to a ``SessionCache``."""

    def __init__(
        self,
        connect: Connect,
        *,
        ping_interval: float = 5.0,
        max_backoff: float = 5.0,
        channels: Mapping[str, Channel] | None = None,
    ) -> None:
        self._connect = connect
        self._channels = dict(channels or {})
        self._ping_interval = ping_interval
        self._max_backoff = max_backoff
        #: Set while a LISTEN is in place.
        self.listening = asyncio.Event()
        self._outage = False

    async def follow(self, cache: SessionCache) -> None:
        """Listen until cancelled, reconnecting whenever the connection is lost."""
        delay = _FIRST_RETRY
        while True:
            try:
                await self._listen_once(cache)
                reason = "the connection closed"
            except (OSError, TimeoutError) as exc:
                reason = type(exc).__name__
            except Exception as exc:  # asyncpg's errors share no base we could name here
                reason = f"{type(exc).__name__}: {exc}"
            if self.listening.is_set():  # it worked until now: retry soon
                delay = _FIRST_RETRY
            self.listening.clear()
            cache.forget_all()  # whatever was announced meanwhile is lost: trust nothing
            self._reset_channels()
            if not self._outage:
                self._outage = True
                logger.warning(
                    "not hearing other processes' logouts (%s); reconnecting, with the "
                    "token cache emptied meanwhile",
                    reason,
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max_backoff)

    async def _listen_once(self, cache: SessionCache) -> None:
        # asyncio.timeout, not wait_for, throughout: Python 3.11's wait_for can swallow a
        # cancellation that races the awaited call's end, and shutdown would wait forever.
        async with asyncio.timeout(self._ping_interval * 2):
            connection = await self._connect()
        try:
            closed = asyncio.Event()
            connection.add_termination_listener(lambda _conn: closed.set())

            def heard(_conn: object, _pid: int, _channel: str, payload: str) -> None:
                apply(cache, payload)

            await connection.add_listener(CHANNEL, heard)
            for name, channel in self._channels.items():
                await connection.add_listener(name, _handler(channel))
            cache.forget_all()  # announcements made before the LISTEN were not heard
            self._reset_channels()
            if self._outage:
                self._outage = False
                logger.warning("hearing other processes' logouts again")
            self.listening.set()
            while not closed.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._ping_interval):
                        await closed.wait()
                        return
                # A dead network path closes nothing by itself: ask, with a deadline.
                async with asyncio.timeout(self._ping_interval):
                    await connection.execute("SELECT 1")
        finally:
            await _close(connection)

    def _reset_channels(self) -> None:
        for channel in self._channels.values():
            channel.reset()


def _handler(channel: Channel) -> Callable[[object, int, str, str], None]:
    def heard(_conn: object, _pid: int, _channel: str, payload: str) -> None:
        channel.heard(payload)

    return heard


def apply(cache: SessionCache, payload: str) -> None:
    """Drop what one announcement names; a payload we cannot read drops everything."""
    message = decode(payload)
    if message is None:
        cache.forget_all()
        return
    user_id, device_ids = message
    if device_ids is None:
        cache.forget_user(user_id)
    else:
        for device_id in device_ids:
            cache.forget_device(user_id, device_id)


async def _close(connection: Any) -> None:
    """Say goodbye to the server if it still listens; just drop the socket if not."""
    if connection.is_closed():
        return
    try:
        await connection.close(timeout=1)
    except asyncio.CancelledError:
        connection.terminate()
        raise
    except Exception:
        connection.terminate()


def listener_for(
    database: Database, channels: Mapping[str, Channel] | None = None
) -> InvalidationListener | None:
    """A listener on ``database``'s server, with the pool's settings; None on SQLite."""
    if database.dialect != "postgresql":
        return None
    import asyncpg  # type: ignore[import-untyped]

    engine = database.engine
    _args, options = engine.dialect.create_connect_args(engine.url)
    # SQLAlchemy's own option: the adapter reads it, asyncpg.connect would refuse it.
    options.pop("prepared_statement_cache_size", None)
    options.update(database.connect_args)

    async def connect() -> Any:
        return await asyncpg.connect(**options)

    return InvalidationListener(connect, channels=channels)
