"""uvicorn's httptools protocol, with four things it lacks.

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

**Caps on a request's head as it arrives.** httptools buffers a URL or
a header line of any length until it ends, and the 500-header / 16 KiB
check of ``http.middleware`` only runs once the head is complete: one
connection streaming an endless header line grew the server by 350 MiB
before the deadline. Here the bytes of the head in progress are counted
after each read; past ``MAX_URL_BYTES`` of URL the client gets 414, past
the header limits 431, and the connection is closed at once. A read holds
at most 256 KiB (asyncio's), so no head costs more than its cap plus one
read.

**A bound on connections** (``connection_limits``): in total, and per
client address on direct listeners; past it the connection idle longest
without a whole request is closed, or the newcomer is answered 503.

**One write per response.** uvicorn writes a response's head, then its
body: two ``send`` calls and, with Nagle off, two packets for every small
JSON answer. The head is held until the body follows (or the loop's next
turn, when it does not at once) and both go out in one write.
"""

from __future__ import annotations

import asyncio
import http
from typing import cast

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from tessera.connection_limits import ConnectionLimits, address_key
from tessera.core.errors import ErrCode, MatrixError
from tessera.http.errors import render_raw
from tessera.http.middleware import MAX_HEADER_BYTES, MAX_HEADERS, HeadersTooLarge

_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"Content-Type: application/json\r\n"
    b"Connection: close\r\n"
    b"Content-Length: 63\r\n\r\n"
    b'{"errcode":"M_UNKNOWN","error":"Request headers not received."}'
)
#: The longest a sweep waits for the next one, whatever the deadline.
_MAX_SWEEP_INTERVAL = 1.0
#: Twisted's longest line, which bounds the request line of Synapse (it answers 400 there).
MAX_URL_BYTES = 16 * 1024
#: The most raw bytes a header block within the parsed limits can take: each header's
#: name and value, plus ": " and CRLF, plus the request line's method and version.
MAX_HEAD_BYTES = MAX_HEADER_BYTES + 4 * MAX_HEADERS + 64


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


class UrlTooLong(MatrixError):
    def __init__(self) -> None:
        super().__init__(ErrCode.TOO_LARGE, "Request URL too long", status=414)


class _Refused(Exception):
    """Raised in a parser callback to stop reading a request the server refuses."""

    def __init__(self, response: bytes) -> None:
        super().__init__()
        self.response = response


def closing_response(error: MatrixError) -> bytes:
    """``error`` as a whole HTTP/1.1 response that announces the connection's close."""
    status, headers, body = render_raw(error)
    head = b"".join(b"%s: %s\r\n" % header for header in headers)
    reason = http.HTTPStatus(status).phrase.encode()
    return b"HTTP/1.1 %d %s\r\n%sConnection: close\r\n\r\n%s" % (status, reason, head, body)


class TooManyConnections(MatrixError):
    def __init__(self) -> None:
        super().__init__(ErrCode.UNKNOWN, "Too many connections", status=503)


_URL_TOO_LONG = closing_response(UrlTooLong())
_TOO_MANY_CONNECTIONS = closing_response(TooManyConnections())
_HEADERS_TOO_LARGE = closing_response(HeadersTooLarge())


def tessera_protocol(
    seconds: float, limits: ConnectionLimits | None = None
) -> type[HttpToolsProtocol]:
    """httptools with ``seconds`` deadlines on headers and on bodies, caps on heads,
    ``limits`` on connections (None: unbounded), one write per response."""
    interval = min(_MAX_SWEEP_INTERVAL, seconds / 4)
    body_timeout_response = closing_response(BodyTimeout(seconds))
    #: Connections without a whole request in (new, stalled, or idle between requests),
    #: oldest first: the first to close when a newcomer needs room.
    idle: dict[TesseraProtocol, None] = {}
    #: Open connections per client address (``address_key``), on direct listeners.
    per_address: dict[str, int] = {}

    class TesseraProtocol(HttpToolsProtocol):
        #: loop time the current request's headers began; None between requests.
        headers_since: float | None = None
        #: loop time the current request's body began; None once it is complete.
        body_since: float | None = None
        #: bytes of the head being read; None when no head is (see ``data_received``).
        head_bytes: int | None = None
        #: heads read whole on this connection.
        heads_done = 0
        #: what this connection counts against in ``per_address``; None: not counted.
        address: str | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self.transport = OneWritePerResponse(transport, self.loop)  # type: ignore[assignment]
            self.headers_since = self.loop.time()
            state = self.server_state
            if getattr(state, "tessera_sweeping", False) is False:
                state.tessera_sweeping = True  # type: ignore[attr-defined]
                self.loop.call_later(interval, _sweep, self.loop, state)
            if limits is not None:
                self._admit(limits)

        def _admit(self, limits: ConnectionLimits) -> None:
            """Count this connection; make room for it, or turn it away."""
            idle[self] = None
            direct = self.server is None or self.server[1] not in limits.forwarded_ports
            if direct and self.client is not None:
                self.address = address_key(self.client[0])
                count = per_address.get(self.address, 0) + 1
                per_address[self.address] = count
                if count > limits.per_address:
                    self.turn_away()
                    return
            if len(self.connections) > limits.total:
                victim = next((c for c in idle if c is not self), None)
                if victim is None:
                    self.turn_away()
                else:
                    victim.make_room()

        def turn_away(self) -> None:
            """503 and close: no room for this connection."""
            idle.pop(self, None)
            self.headers_since = None
            self.transport.write(_TOO_MANY_CONNECTIONS)
            self.transport.close()

        def make_room(self) -> None:
            """Close this idle connection for a newcomer (it has no request to answer)."""
            idle.pop(self, None)
            self.headers_since = None
            self.transport.close()

        def connection_lost(self, exc: Exception | None) -> None:
            super().connection_lost(exc)
            idle.pop(self, None)
            if self.address is not None:
                left = per_address.pop(self.address) - 1
                if left:
                    per_address[self.address] = left
                self.address = None

        def on_response_complete(self) -> None:
            super().on_response_complete()
            # Not when a pipelined request has just started: it is being answered.
            waiting = self.cycle is None or self.cycle.response_complete
            if limits is not None and waiting and not self.transport.is_closing():
                idle[self] = None  # waiting for its next request

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self.head_bytes = 0
            if self.headers_since is None:
                self.headers_since = self.loop.time()

        def data_received(self, data: bytes) -> None:
            """Feed the parser; refuse a head that has grown past its caps.

            A read counts towards the head in progress when it began in that
            head or between requests. One that began in a body (a pipelined
            request's tail, then a new head) is not counted: a head is never
            refused for another request's bytes, and is still bounded to its
            cap plus one read.
            """
            self._unset_keepalive_if_required()
            counts = self.body_since is None
            heads_done = self.heads_done
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserCallbackError as exc:
                if isinstance(exc.__context__, _Refused):
                    self.refuse(exc.__context__.response)
                else:
                    self._invalid()
                return
            except httptools.HttpParserUpgrade:
                self._unsupported_upgrade_warning()  # no WebSocket endpoint (ws: none)
                return
            except httptools.HttpParserError:
                self._invalid()
                return
            if self.head_bytes is None or self.transport.is_closing():
                return
            if counts and heads_done == self.heads_done:
                self.head_bytes += len(data)
            if refusal := self._head_refusal():
                self.refuse(refusal)

        def _invalid(self) -> None:
            # uvicorn's answer to what httptools cannot parse.
            message = "Invalid HTTP request received."
            self.logger.warning(message)
            self.send_400_response(message)

        def _head_refusal(self) -> bytes | None:
            url = self.url
            if len(url) > MAX_URL_BYTES:
                return _URL_TOO_LONG
            if len(self.headers) > MAX_HEADERS:
                return _HEADERS_TOO_LARGE
            if (self.head_bytes or 0) - len(url) > MAX_HEAD_BYTES:
                return _HEADERS_TOO_LARGE
            return None

        def refuse(self, response: bytes) -> None:
            """Answer ``response`` to a request whose head is refused, and close."""
            self.headers_since = self.head_bytes = None
            if not self.transport.is_closing():
                if self.cycle is None or self.cycle.response_complete:
                    self.transport.write(response)
                self.transport.close()

        def on_headers_complete(self) -> None:
            self.headers_since = self.head_bytes = None
            self.heads_done += 1
            idle.pop(self, None)
            # A head read whole in one go escaped ``data_received``'s URL check.
            if len(self.url) > MAX_URL_BYTES:
                raise _Refused(_URL_TOO_LONG)
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
