"""uvicorn's httptools protocol, with two things it lacks.

**Deadlines on request headers and bodies.** uvicorn times out idle
keep-alive connections, but a client that connects and sends nothing, or
trickles a header line every few seconds, holds its connection open
forever: enough of them exhaust the server's file descriptors; uvicorn
also waits forever for a body. Here each request has ``seconds`` from the
moment it may start (connection made, or its first byte on a kept-alive
connection) to finish its headers, and ``seconds`` more from there to
finish its body (a slowloris trickle, a stalled upload); a late one is
answered 408 and closed. A request only notes when its headers or its
body began; one sweep per server, a few times per deadline, closes the
late ones (a timer per request cost 3% of a cached whoami, and an
``asyncio.timeout`` around each body read 4% of a rejected login).

**One write per response.** uvicorn writes a response's head, then its
body: two ``send`` calls and, with Nagle off, two packets for every small
JSON answer. The head is held until the body follows (or the loop's next
turn, when it does not at once) and both go out in one write.
"""

from __future__ import annotations

import asyncio
from typing import cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from tessera.core.errors import ErrCode, MatrixError
from tessera.http.errors import render_raw

_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"Content-Type: application/json\r\n"
    b"Connection: close\r\n"
    b"Content-Length: 63\r\n\r\n"
    b'{"errcode":"M_UNKNOWN","error":"Request headers not received."}'
)
#: The longest a sweep waits for the next one, whatever the deadline.
_MAX_SWEEP_INTERVAL = 1.0


class OneWritePerResponse:
    """A transport that sends a response's head together with the body that follows it."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data: bytes) -> None:
        if self._held is not None:
            data, self._held = self._held + data, None
            self._transport.write(data)
        elif data.startswith(b"HTTP/1.1 ") and data.endswith(b"\r\n\r\n"):
            self._held = data
            self._loop.call_soon(self._flush)
        else:
            self._transport.write(data)

    def _flush(self) -> None:
        if self._held is not None:
            data, self._held = self._held, None
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> object:
        return getattr(self._transport, name)


class BodyTimeout(MatrixError):
    def __init__(self, seconds: float) -> None:
        super().__init__(
            ErrCode.UNKNOWN, f"Request body not received within {seconds:g} s", status=408
        )


def _body_timeout_response(seconds: float) -> bytes:
    status, headers, body = render_raw(BodyTimeout(seconds))
    head = b"".join(b"%s: %s\r\n" % header for header in headers)
    return b"HTTP/1.1 %d Request Timeout\r\n%sConnection: close\r\n\r\n%s" % (status, head, body)


def tessera_protocol(seconds: float) -> type[HttpToolsProtocol]:
    """httptools with ``seconds`` deadlines on headers and on bodies, one write per response."""
    interval = min(_MAX_SWEEP_INTERVAL, seconds / 4)
    body_timeout_response = _body_timeout_response(seconds)

    class TesseraProtocol(HttpToolsProtocol):
        #: loop time the current request's headers began; None between requests.
        headers_since: float | None = None
        #: loop time the current request's body began; None once it is complete.
        body_since: float | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self.transport = OneWritePerResponse(transport, self.loop)  # type: ignore[assignment]
            self.headers_since = self.loop.time()
            state = self.server_state
            if getattr(state, "tessera_sweeping", False) is False:
                state.tessera_sweeping = True  # type: ignore[attr-defined]
                self.loop.call_later(interval, _sweep, self.loop, state)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if self.headers_since is None:
                self.headers_since = self.loop.time()

        def on_headers_complete(self) -> None:
            self.headers_since = None
            self.body_since = self.loop.time()
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self.body_since = None
            super().on_message_complete()

        def too_slow(self) -> None:
            """Headers not in by the deadline: 408 unless a response is under way, and close."""
            self.headers_since = None
            if self.transport.is_closing():
                return
            if self.cycle is None or self.cycle.response_complete:
                self.transport.write(_TIMEOUT_RESPONSE)
            self.transport.close()

        def body_too_slow(self) -> None:
            """Body not in by the deadline: 408 unless the app has begun answering, and close.

            The app, waiting for the rest of the body, then reads a disconnect.
            """
            self.body_since = None
            if self.transport.is_closing():
                return
            if self.cycle is not None and not self.cycle.response_started:
                self.cycle.response_complete = True  # nothing more of the app's reaches the client
                scope = cast(dict[str, object], self.cycle.scope)
                scope["tessera.status"] = 408  # for the access log and metrics
                self.transport.write(body_timeout_response)
            self.transport.close()

    def _sweep(loop: asyncio.AbstractEventLoop, state: object) -> None:
        connections: set[object] = getattr(state, "connections", set())
        late = loop.time() - seconds
        for connection in list(connections):
            since = getattr(connection, "headers_since", None)
            if since is not None and since < late:
                connection.too_slow()  # type: ignore[attr-defined]
            since = getattr(connection, "body_since", None)
            if since is not None and since < late:
                connection.body_too_slow()  # type: ignore[attr-defined]
        if connections and not loop.is_closed():
            loop.call_later(interval, _sweep, loop, state)
        else:  # idle: the next connection starts the sweeps again
            state.tessera_sweeping = False  # type: ignore[attr-defined]

    return TesseraProtocol
