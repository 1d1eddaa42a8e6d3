"""Binding the configured listeners and serving the app with uvicorn."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Sequence
from typing import Any

import uvicorn

from tessera.app import Application
from tessera.config import Config, ListenerConfig
from tessera.connection_limits import ConnectionLimits, connection_limits, raise_file_limit
from tessera.listeners import Bound, bind_each


def bind_listeners(listeners: Sequence[ListenerConfig]) -> Bound:
    """One listening socket per (listener, address); see ``listeners.bind_each``."""
    return bind_each(listeners, _listening_socket)


def _listening_socket(address: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.create_server((address, port), family=family, backlog=2048)
    sock.setblocking(False)
    # Answers go out at once, not after the client's delayed ACK (uvloop sets this
    # on each connection itself; plain asyncio does not). Accepted sockets inherit it.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def socket_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def process_limits(config: Config) -> ConnectionLimits:
    """Raise the open-file limit (``soft_file_limit``) and bound connections within it.

    Idempotent: ``--workers``' parent calls it before forking, each child again.
    """
    return limits_for(config, raise_file_limit(config.soft_file_limit))


def limits_for(config: Config, open_files: int) -> ConnectionLimits:
    """The configured connection limits, within ``open_files`` descriptors."""
    return connection_limits(
        config.max_http_connections,
        config.max_http_connections_per_address,
        open_files,
        config.database.cp_max,
    )


async def serve(
    app: Application,
    sockets: list[socket.socket],
    read_timeout_s: float = 30.0,
    limits: ConnectionLimits | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM; the app's lifespan closes the database on the way out.

    ``read_timeout_s`` bounds how long a request's headers may take, and then its body;
    ``limits`` how many connections are held.
    """
    # The app's lifespan closes the database: uvicorn runs it before it
    # re-raises SIGTERM on itself, which a `finally` here would not survive.
    config = uvicorn_config(app.asgi, read_timeout_s, limits, lifespan="on")
    server = _Server(config)
    if app.notifier is not None:
        server.on_shutdown = app.notifier.close
    await server.serve(sockets=sockets)


class _Server(uvicorn.Server):
    """uvicorn's server, telling the app first when it starts shutting down.

    uvicorn waits for every open request before the app's lifespan hears of the shutdown:
    too late for long polls, which would hold it up to their timeout.
    """

    on_shutdown: Callable[[], None] | None = None

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.on_shutdown is not None:
            self.on_shutdown()
        await super().shutdown(sockets)


def uvicorn_config(
    asgi: Any, read_timeout_s: float, limits: ConnectionLimits | None = None, **overrides: Any
) -> uvicorn.Config:
    """uvicorn as Tessera runs it (the tests' servers use it too).

    ``asgi``'s ``forwarded_ports`` (``Frontend.listen_on``, called once the listeners
    are bound) exempt ``x_forwarded`` listeners from the per-address limit.
    """
    if limits is not None:
        forwarded = frozenset(getattr(asgi, "forwarded_ports", ()))
        limits = ConnectionLimits(limits.total, limits.per_address, forwarded)
    options: dict[str, Any] = {
        "http": http_protocol(read_timeout_s, limits),
        "access_log": False,  # ours logs the path without the query (it can hold a token)
        "log_config": None,
        "server_header": False,
        # X-Forwarded-For is honoured by Frontend, on `x_forwarded` listeners only;
        # uvicorn's own middleware would trust it from 127.0.0.1 on every listener.
        "proxy_headers": False,
        # The client-server API has no WebSocket endpoint; "auto" imported websockets (2 MiB).
        "ws": "none",
        "timeout_keep_alive": 75,
    }
    return uvicorn.Config(asgi, **{**options, **overrides})


def http_protocol(
    read_timeout_s: float, limits: ConnectionLimits | None = None
) -> type[asyncio.Protocol]:
    """httptools with Tessera's additions (``uvicorn_protocol``): deadlines, caps on heads
    and connections, one write each."""
    from tessera.uvicorn_protocol import tessera_protocol

    return tessera_protocol(read_timeout_s, limits)


def event_loop_runner() -> object:
    """asyncio's own event loop, not uvloop.

    Measured here (bench.load, C=32, one core), uvloop let a few requests of
    every round wait a whole extra round: login p99 was twice its p50 (20.7
    against 10.2 ms), on asyncio's loop 1.4 times (13.8 against 10.1 ms), and
    rejected logins ran 8,500/s against 10,300/s. uvloop was faster only on a
    cached whoami (25,300/s against 21,500/s). Not loading it also saves
    1.5 MiB of every server's memory.
    """
    return asyncio.run
