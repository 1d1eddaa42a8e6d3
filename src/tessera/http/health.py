"""``GET /health``: Synapse's liveness path, with a database check for load balancers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

logger = logging.getLogger(__name__)

#: Seconds ``/health`` waits for the database before answering 503. Shorter than the
#: storage timeouts: a load balancer must hear "unhealthy" before its own check times out.
HEALTH_DEADLINE = 2.0


class HealthEndpoint:
    def __init__(
        self, ping: Callable[[], Awaitable[None]], deadline: float = HEALTH_DEADLINE
    ) -> None:
        """``ping`` raises when the database cannot answer (``Database.ping``)."""
        self._ping = ping
        self._deadline = deadline
        self._in_flight: asyncio.Future[None] | None = None

    async def health(self, _request: Request) -> Response:
        """200 ``OK`` when the database answers within the deadline, 503 when it does not."""
        try:
            async with asyncio.timeout(self._deadline):
                await asyncio.shield(self._current_ping())
        except TimeoutError:
            logger.warning("health check: no answer from the database in %g s", self._deadline)
            return PlainTextResponse("Database unavailable", status_code=503)
        except Exception as exc:  # any failure to reach the database is "unhealthy"
            logger.warning("health check: database unreachable (%s)", type(exc).__name__)
            return PlainTextResponse("Database unavailable", status_code=503)
        return PlainTextResponse("OK")

    def _current_ping(self) -> asyncio.Future[None]:
        """The ping under way, or a new one.

        A late ping is left to finish (the storage timeouts end it) rather than
        cancelled inside the driver, and checks arriving meanwhile share it: a
        load balancer polling a hung database holds one connection, not one per poll.
        """
        if self._in_flight is None or self._in_flight.done():
            self._in_flight = asyncio.ensure_future(self._ping())
            self._in_flight.add_done_callback(_retrieve)
        return self._in_flight


def _retrieve(task: asyncio.Future[None]) -> None:
    # A ping nobody waited for any more: its error was (or will be) reported by a newer one.
    if not task.cancelled():
        task.exception()
