"""``GET /health``: Synapse's liveness path, with a database check for load balancers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

logger = logging.getLogger(__name__)


class HealthEndpoint:
    def __init__(self, ping: Callable[[], Awaitable[None]]) -> None:
        """``ping`` raises when the database cannot answer (``Database.ping``)."""
        self._ping = ping

    async def health(self, _request: Request) -> Response:
        """200 ``OK`` when the database answers, 503 when it does not."""
        try:
            await self._ping()
        except Exception as exc:  # any failure to reach the database is "unhealthy"
            logger.warning("health check: database unreachable (%s)", type(exc).__name__)
            return PlainTextResponse("Database unavailable", status_code=503)
        return PlainTextResponse("OK")
