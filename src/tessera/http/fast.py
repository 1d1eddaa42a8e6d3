"""Answering the hottest requests (login, whoami) in ``Frontend``, past Starlette's layers.

A cached whoami spent more time in Starlette (two exception middlewares,
the router, ``Request`` and ``Response`` objects, four ``send`` wrappers)
than in Tessera. A ``FastRoute`` is a coroutine from the scope (and the
body's ``receive``) to a JSON body; errors are rendered by the one
renderer, ``http.errors``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.types import Receive, Scope, Send

from tessera.http.body import ClientGone
from tessera.http.errors import error_for, render_raw

_JSON = (b"content-type", b"application/json")


@dataclass(frozen=True, slots=True)
class FastRoute:
    """``answer`` gives the body; ``endpoint`` is the same route's Starlette endpoint
    (its name labels metrics, so both paths count as one endpoint)."""

    answer: Callable[[Scope, Receive], Awaitable[dict[str, Any]]]
    endpoint: Callable[..., Any]


async def respond(route: FastRoute, scope: Scope, receive: Receive, send: Send) -> None:
    """Run ``route`` and send its answer, or the Matrix error it raised."""
    scope["endpoint"] = route.endpoint
    try:
        body = orjson.dumps(await route.answer(scope, receive))
    except ClientGone:
        return
    except Exception as exc:  # every failure becomes a Matrix error, as in Starlette's handlers
        status, headers, body = render_raw(error_for(exc, scope.get("tessera.request_id", "-")))
    else:
        status, headers = 200, [_JSON, (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
