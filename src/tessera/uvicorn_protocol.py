"""uvicorn's httptools protocol, with two things it lacks.

**A deadline on request headers.** uvicorn times out idle keep-alive
connections, but a client that connects and sends nothing, or trickles a
header line every few seconds, holds its connection open forever: enough
of them exhaust the server's file descriptors. Here each request has
``seconds`` from the moment it may start (connection made, or its first
byte on a kept-alive connection) to finish its headers; a late one is
answered 408 and closed. Bodies have their own deadline in
``http.middleware.Frontend``. A request only notes when its headers began;
one sweep per server, a few times per deadline, closes the late ones (a
timer per request cost 3% of a cached whoami).

**One write per response.** uvicorn writes a response's head, then its
body: two ``send`` calls and, with Nagle off, two packets for every small
JSON answer. The head is held until the body follows (or the loop's next
turn, when it does not at once) and both go out in one write.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

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


def tessera_protocol(seconds: float) -> type[HttpToolsProtocol]:
    """httptools with a ``seconds`` header deadline and one write per response."""
    interval = min(_MAX_SWEEP_INTERVAL, seconds / 4)

    class TesseraProtocol(HttpToolsProtocol):
        #: loop time the current request's headers began; None between requests.
        headers_since: float | None = None

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
            super().on_headers_complete()

        def too_slow(self) -> None:
            self.headers_since = None
            if self.transport.is_closing():
                return
            if self.cycle is None or self.cycle.response_complete:
                self.transport.write(_TIMEOUT_RESPONSE)
            self.transport.close()

    def _sweep(loop: asyncio.AbstractEventLoop, state: object) -> None:
        connections: set[object] = getattr(state, "connections", set())
        late = loop.time() - seconds
        for connection in list(connections):
            since = getattr(connection, "headers_since", None)
            if since is not None and since < late:
                connection.too_slow()  # type: ignore[attr-defined]
        if connections and not loop.is_closed():
            loop.call_later(interval, _sweep, loop, state)
        else:  # idle: the next connection starts the sweeps again
            state.tessera_sweeping = False  # type: ignore[attr-defined]

    return TesseraProtocol
