"""Hostile HTTP on raw sockets: trickled bodies, floods of headers, 10 MB bodies.

Each case must end in a 4xx (or a closed connection), never a 5xx, with the
connection not held open for ever, and the server must still answer afterwards.
The 1 MB body cases and the size limit itself are in test_http_errors.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass

import pytest

from tests.api.support import LOGIN, assert_error
from tests.conftest import LiveServer, StartServer

VERSIONS = "/_matrix/client/versions"
#: Longer than any answer here may take; reaching it means the server held on.
PATIENCE = 20.0
TEN_MB = 10 * 1024 * 1024


@dataclass
class RawAnswer:
    status: int | None  # None: the connection closed without an answer
    head: bytes
    body: bytes
    closed: bool | None  # the server closed the connection after answering (None: not waited)


def port_of(live: LiveServer) -> int:
    return int(live.base_url.rsplit(":", 1)[1])


async def raw_request(
    live: LiveServer,
    head: bytes,
    body_chunks: list[bytes] = (),
    pause: float = 0.0,
    wait_for_close: bool = True,
) -> RawAnswer:
    """Send ``head``, then each chunk ``pause`` seconds apart, until the server answers.

    With ``wait_for_close``, also wait (up to ``PATIENCE``) to see the server close.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port_of(live))

    async def send_body() -> None:
        try:
            for chunk in body_chunks:
                await asyncio.sleep(pause)
                writer.write(chunk)
                await writer.drain()
        except ConnectionError:
            pass  # the server gave up on us: what these tests want

    writer.write(head)
    sender = asyncio.create_task(send_body())
    received = b""
    closed = None
    try:
        async with asyncio.timeout(PATIENCE):
            while chunk := await reader.read(65536):
                received += chunk
                if b"\r\n\r\n" in received and _complete(received):
                    break
            if wait_for_close:
                closed = await reader.read(1) == b""
    except ConnectionError:
        closed = True
    finally:
        sender.cancel()
        writer.close()
    status = int(received[9:12]) if received.startswith(b"HTTP/1.1 ") else None
    head, _, body = received.partition(b"\r\n\r\n")
    return RawAnswer(status, head, body, closed)


def _complete(received: bytes) -> bool:
    head, _, body = received.partition(b"\r\n\r\n")
    for line in head.lower().split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return True


def get(path: str, *extra_headers: bytes) -> bytes:
    return b"GET %s HTTP/1.1\r\nHost: t\r\n%s\r\n" % (path.encode(), b"".join(extra_headers))


async def assert_still_serving(live: LiveServer) -> None:
    response = await live.client.get(VERSIONS)
    assert response.status_code == 200


# --- a body that never finishes --------------------------------------------------------------


async def test_trickled_body_gets_408_and_the_connection_closes(
    start_server: StartServer, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.INFO, logger="tessera.access")
    async with start_server(request_read_timeout=1000) as live:
        head = b"POST %s HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n{" % LOGIN.encode()
        # A byte every 0.2 s would take 200 s; each byte alone is well within any idle limit.
        answer = await raw_request(live, head, [b" "] * 1000, pause=0.2)
        await assert_still_serving(live)
        await asyncio.sleep(0.2)  # the access log writes its lines every 50 ms

    # The protocol answered, not the app: the access log still says what the client got.
    assert f"POST {LOGIN} 408 " in capfd.readouterr().err

    assert answer.status == 408, answer.head
    assert answer.closed
    assert b"connection: close" in answer.head.lower()
    assert json.loads(answer.body) == {
        "errcode": "M_UNKNOWN",
        "error": "Request body not received within 1 s",
    }


async def test_stalled_chunked_body_gets_408(start_server: StartServer) -> None:
    async with start_server(request_read_timeout=1000) as live:
        head = b"POST %s HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" % LOGIN.encode()
        answer = await raw_request(live, head, [b"1\r\n{\r\n"])  # then nothing
        await assert_still_serving(live)

    assert answer.status == 408, answer.head
    assert answer.closed


async def test_body_sent_in_time_is_read_whole(start_server: StartServer) -> None:
    async with start_server(request_read_timeout=5000) as live:
        head = b"POST %s HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n" % LOGIN.encode()
        answer = await raw_request(
            live, head, [b'{"type":', b"1}"], pause=0.05, wait_for_close=False
        )

    # Read to the end and judged on its content: a non-string type.
    assert answer.status == 400, answer.head


# --- floods of headers -----------------------------------------------------------------------


@pytest.mark.parametrize("count", [501, 5_000, 100_000])
async def test_thousands_of_headers_get_431(server: LiveServer, count: int) -> None:
    flood = b"".join(b"X-H%d: v\r\n" % i for i in range(count))

    answer = await raw_request(server, get(VERSIONS, flood))
    await assert_still_serving(server)

    assert answer.status == 431, answer.head
    assert answer.closed


async def test_a_megabyte_header_gets_431(server: LiveServer) -> None:
    answer = await raw_request(
        server, get(VERSIONS, b"X-Big: " + b"a" * (1 << 20) + b"\r\n"), wait_for_close=False
    )
    await assert_still_serving(server)

    assert answer.status == 431, answer.head


async def test_ordinary_headers_are_fine(server: LiveServer) -> None:
    headers = b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 100) for i in range(100))

    answer = await raw_request(server, get(VERSIONS, headers), wait_for_close=False)

    assert answer.status == 200, answer.head


async def test_431_is_a_matrix_error(server: LiveServer) -> None:
    headers = {f"X-H{i}": "v" for i in range(600)}

    response = await server.client.get(VERSIONS, headers=headers)

    assert_error(response, 431, "M_TOO_LARGE", "Request headers too large")


# --- ten megabytes ---------------------------------------------------------------------------


async def test_ten_megabytes_with_content_length_is_refused_unread(server: LiveServer) -> None:
    head = b"POST %s HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % (LOGIN.encode(), TEN_MB)

    # The head alone is sent: the answer must not wait for the 10 MB announced.
    answer = await raw_request(server, head, wait_for_close=False)
    await assert_still_serving(server)

    assert answer.status == 413, answer.head


async def test_ten_megabytes_chunked_is_refused(server: LiveServer) -> None:
    async def ten_megabytes() -> object:
        for _ in range(TEN_MB // 65536):
            yield b"x" * 65536

    response = await server.client.post(LOGIN, content=ten_megabytes())
    await assert_still_serving(server)

    assert_error(response, 413, "M_TOO_LARGE")


# --- headers that never finish ------------------------------------------------------------------


async def test_a_connection_that_sends_nothing_is_closed_with_408(
    start_server: StartServer,
) -> None:
    async with start_server(request_read_timeout=500) as live:
        started = asyncio.get_running_loop().time()
        answer = await raw_request(live, b"")
        waited = asyncio.get_running_loop().time() - started
        await assert_still_serving(live)

    assert answer.status == 408, answer.head
    assert answer.closed
    assert json.loads(answer.body)["errcode"] == "M_UNKNOWN"
    assert waited < PATIENCE / 2


async def test_trickled_headers_are_cut_off_at_the_deadline(start_server: StartServer) -> None:
    async with start_server(request_read_timeout=500) as live:
        # A header line every 0.1 s, for ever: each is well within any idle limit.
        lines = [b"X-Slow-%d: 1\r\n" % i for i in range(1000)]
        answer = await raw_request(live, b"GET / HTTP/1.1\r\nHost: t\r\n", lines, pause=0.1)
        await assert_still_serving(live)

    assert answer.status == 408, answer.head
    assert answer.closed


async def read_response(reader: asyncio.StreamReader) -> bytes:
    """One whole response with a Content-Length (head and body)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.lower().split(b"\r\n")
        if line.startswith(b"content-length:")
    )
    return head + await reader.readexactly(length)


async def test_the_deadline_applies_to_each_request_on_a_kept_alive_connection(
    start_server: StartServer,
) -> None:
    async with start_server(request_read_timeout=500) as live:
        reader, writer = await asyncio.open_connection("127.0.0.1", port_of(live))
        try:
            writer.write(get(VERSIONS))
            first = await read_response(reader)
            # Idle longer than the header deadline: only the keep-alive timeout applies here.
            await asyncio.sleep(0.8)
            writer.write(get(VERSIONS))
            second = await read_response(reader)
            writer.write(b"GET / HTTP/1.1\r\n")  # then stall mid-headers
            async with asyncio.timeout(PATIENCE):
                rest = await reader.read()
        finally:
            writer.close()

    assert first.startswith(b"HTTP/1.1 200")
    assert second.startswith(b"HTTP/1.1 200")
    assert b"HTTP/1.1 408" in rest
