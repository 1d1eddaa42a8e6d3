"""The ASGI layer around the router: CORS, body size and time limits, request ids, access log.

Pure ASGI rather than Starlette's BaseHTTPMiddleware: it costs a few
microseconds per request instead of a task and a queue.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterable
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tessera.config import ListenerConfig
from tessera.core.errors import ErrCode, MatrixError
from tessera.http.access_log import AccessLog
from tessera.http.fast import FastRoute, respond
from tessera.metrics import Metrics

#: Synapse's metrics path.
METRICS_PATH = "/_synapse/metrics"

# Spec: "Web Browser Clients" — every response carries these.
CORS_HEADERS: list[tuple[bytes, bytes]] = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"GET, HEAD, POST, PUT, DELETE, OPTIONS"),
    (b"access-control-allow-headers", b"X-Requested-With, Content-Type, Authorization, Date"),
]


class TooLarge(MatrixError):
    def __init__(self, limit: int) -> None:
        super().__init__(ErrCode.TOO_LARGE, f"Request content is too large (>{limit})")


#: Twisted's limits, which Synapse serves behind: beyond them a request is refused
#: before routing (uvicorn's httptools parser takes any number of headers of any size).
MAX_HEADERS = 500
MAX_HEADER_BYTES = 16 * 1024


class HeadersTooLarge(MatrixError):
    def __init__(self) -> None:
        super().__init__(ErrCode.TOO_LARGE, "Request headers too large", status=431)


class Frontend:
    """Wraps the Starlette app: everything here applies to every HTTP request."""

    def __init__(
        self,
        app: ASGIApp,
        max_body_size: int,
        access_log: AccessLog | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.app = app
        self.max_body_size = max_body_size
        self.access_log = access_log or AccessLog()
        self.metrics = metrics
        #: Ports of listeners with ``x_forwarded: true``: behind a trusted proxy.
        self.forwarded_ports: frozenset[int] = frozenset()
        #: Ports that serve /_synapse/metrics (type metrics, or an http resource).
        self.metrics_ports: frozenset[int] = frozenset()
        #: Ports of ``type: metrics`` listeners: nothing but metrics there.
        self.metrics_only_ports: frozenset[int] = frozenset()
        #: (path, method) → routes answered here, past Starlette (``routes.fast_routes``).
        self.fast_routes: dict[tuple[str, str], FastRoute] = {}
        self._ids = itertools.count(1)
        self._id_prefix = os.urandom(3).hex()

    def listen_on(self, listeners: Iterable[tuple[int, ListenerConfig]]) -> None:
        """The port of each listener, for the per-listener rules.

        Called with the configured ports, and again with the real ones once
        bound (a listener on port 0 only then has its port).
        """
        pairs = list(listeners)
        self.forwarded_ports = frozenset(port for port, cfg in pairs if cfg.x_forwarded)
        self.metrics_only_ports = frozenset(port for port, cfg in pairs if cfg.type == "metrics")
        self.metrics_ports = self.metrics_only_ports | frozenset(
            port for port, cfg in pairs if "metrics" in cfg.resources
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = f"{self._id_prefix}-{next(self._ids)}"
        scope["tessera.request_id"] = request_id
        port = (scope.get("server") or (None, None))[1]
        if self.forwarded_ports and port in self.forwarded_ports:
            _use_forwarded_client(scope)
        if port in self.metrics_ports and scope["path"] == METRICS_PATH and self.metrics:
            body, content_type = await self.metrics.exposition()
            await _send(send, 200, body, content_type.encode())
            return
        if port in self.metrics_only_ports:
            await _send_json(send, 404, _UNRECOGNIZED)
            return
        started = time.perf_counter()
        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), *CORS_HEADERS]
                if status in (408, 431):  # nothing more worth reading on this connection
                    message["headers"].append((b"connection", b"close"))
            await send(message)

        try:
            if scope["method"] == "OPTIONS":
                # CORS preflight: answered for any path, no auth needed (Synapse: 204).
                await send_with_headers(
                    {"type": "http.response.start", "status": 204, "headers": []}
                )
                await send_with_headers({"type": "http.response.body", "body": b""})
            elif error := _headers_too_large(scope) or self._declared_too_large(scope):
                await _send_json(send_with_headers, error.status, error.body())
            elif fast := self.fast_routes.get((scope["path"], scope["method"])):
                await respond(fast, scope, self._limited(receive), send_with_headers)
            else:
                await self.app(scope, self._limited(receive), send_with_headers)
        except Exception:
            if status == 0:  # nothing sent yet: still owe the client an answer
                await _send_json(send_with_headers, 500, _INTERNAL)
            # Starlette's error middleware has logged it; don't crash the server.
        finally:
            # The protocol answered a body that came too late (uvicorn_protocol): its 408.
            status = status or scope.get("tessera.status", 0)
            if self.metrics is not None:
                endpoint = scope.get("endpoint")
                name = getattr(endpoint, "__qualname__", "unmatched")
                self.metrics.requests.labels(name, scope["method"], status).inc()
                self.metrics.latency.labels(name).observe(time.perf_counter() - started)
            if self.access_log.enabled:
                self.access_log.log(
                    request_id,
                    scope["method"],
                    scope["path"],  # the query string may carry an access token: never logged
                    status,
                    (time.perf_counter() - started) * 1000,
                    scope.get("tessera.user"),
                )

    def _declared_too_large(self, scope: Scope) -> TooLarge | None:
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    return None
                return TooLarge(self.max_body_size) if declared > self.max_body_size else None
        return None

    def _limited(self, receive: Receive) -> Receive:
        """``receive`` that refuses a body once it passes the size limit.

        The body's time limit is the protocol's (``uvicorn_protocol``): a
        timer here around every read cost 4% of a rejected login.
        """
        seen = 0
        limit = self.max_body_size
        complete = False

        async def limited_receive() -> Message:
            nonlocal seen, complete
            message = await receive()
            if complete:  # after the body, receive() waits for a disconnect: no limit
                return message
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise TooLarge(limit)
                complete = not message.get("more_body", False)
            else:
                complete = True
            return message

        return limited_receive


def _headers_too_large(scope: Scope) -> HeadersTooLarge | None:
    headers = scope["headers"]
    if len(headers) > MAX_HEADERS:
        return HeadersTooLarge()
    if sum(len(name) + len(value) for name, value in headers) > MAX_HEADER_BYTES:
        return HeadersTooLarge()
    return None


def _use_forwarded_client(scope: Scope) -> None:
    """Take the client address from ``X-Forwarded-For`` (the proxy's view of the client)."""
    for name, value in scope["headers"]:
        if name == b"x-forwarded-for":
            client = value.decode("latin-1").split(",")[0].strip()
            if client:
                scope["client"] = (client, 0)
            return


_UNRECOGNIZED = {"errcode": ErrCode.UNRECOGNIZED.value, "error": "Unrecognized request"}
_INTERNAL = {"errcode": ErrCode.UNKNOWN.value, "error": "Internal server error"}


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    await _send(send, status, orjson.dumps(body), b"application/json")


async def _send(send: Send, status: int, payload: bytes, content_type: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
