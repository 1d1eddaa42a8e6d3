"""A request's head is capped as it arrives: an endless URL or header line costs its cap, not
the server's memory (issue 12, item 2).

The server runs in this process, so ``tracemalloc`` sees what it allocates while a client
streams at it; the client side of these tests allocates one 64 KiB chunk and asyncio's
64 KiB write buffer.
"""

from __future__ import annotations

import asyncio
import json
import tracemalloc
from dataclasses import dataclass

from tessera.uvicorn_protocol import MAX_HEAD_BYTES, MAX_URL_BYTES
from tests.api.test_slow_and_huge_http import (
    PATIENCE,
    VERSIONS,
    assert_still_serving,
    get,
    port_of,
    raw_request,
)
from tests.conftest import LiveServer

MiB = 1024 * 1024
#: Where a client gives up streaming. The server before the caps took all of it.
STREAM_AT_MOST = 48 * MiB
#: What one refused head may cost the server: its cap, a 256 KiB read, httptools' copy of both.
MEMORY_BOUND = 4 * MiB
#: What the client may have written before it reads the answer: the cap, a read, and what the
#: kernel buffers on both sides of a loopback connection (a few MiB with autotuning).
SENT_BOUND = 16 * MiB


@dataclass
class Flood:
    status: int | None
    body: bytes
    closed: bool
    sent: int
    peak_bytes: int


async def stream_until_answered(live: LiveServer, prefix: bytes, filler: bytes) -> Flood:
    """Send ``prefix``, then ``filler`` for ever (64 KiB a write) until the server answers.

    Returns the answer, how much was written before it came, and the peak of memory
    allocated meanwhile (server and client, this process).
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port_of(live))
    received = bytearray()
    closed = False

    async def read_answer() -> None:
        nonlocal closed
        try:
            while chunk := await reader.read(65536):
                received.extend(chunk)
            closed = True
        except ConnectionError:
            closed = True

    chunk = filler * (65536 // len(filler))
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        answer = asyncio.create_task(read_answer())
        writer.write(prefix)
        sent = len(prefix)
        try:
            async with asyncio.timeout(PATIENCE):
                while not received and not answer.done() and sent < STREAM_AT_MOST:
                    writer.write(chunk)
                    await writer.drain()
                    sent += len(chunk)
                await answer
        except (ConnectionError, TimeoutError):
            pass
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
        writer.close()
        answer.cancel()  # an answer not in by now is none: ``closed`` stays False
    data = bytes(received)
    status = int(data[9:12]) if data.startswith(b"HTTP/1.1 ") else None
    return Flood(status, data.partition(b"\r\n\r\n")[2], closed, sent, peak)


async def test_an_endless_header_line_gets_431_after_its_cap(server: LiveServer) -> None:
    flood = await stream_until_answered(
        server, b"GET /_matrix/client/versions HTTP/1.1\r\nHost: t\r\nX-Endless: ", b"a"
    )
    await assert_still_serving(server)

    assert flood.status == 431, flood
    assert json.loads(flood.body) == {
        "errcode": "M_TOO_LARGE",
        "error": "Request headers too large",
    }
    assert flood.closed
    assert flood.sent < SENT_BOUND, flood.sent
    assert flood.peak_bytes < MEMORY_BOUND, flood.peak_bytes
    print(f"\nendless header: {flood.sent / MiB:.1f} MiB sent, peak {flood.peak_bytes} B")


async def test_endless_small_headers_get_431(server: LiveServer) -> None:
    flood = await stream_until_answered(
        server, b"GET /_matrix/client/versions HTTP/1.1\r\n", b"X: v\r\n"
    )

    assert flood.status == 431, flood
    assert flood.closed
    assert flood.sent < SENT_BOUND, flood.sent
    assert flood.peak_bytes < MEMORY_BOUND, flood.peak_bytes


async def test_an_endless_url_gets_414_after_its_cap(server: LiveServer) -> None:
    flood = await stream_until_answered(server, b"GET /_matrix/client/versions?x=", b"a")
    await assert_still_serving(server)

    assert flood.status == 414, flood
    assert json.loads(flood.body) == {"errcode": "M_TOO_LARGE", "error": "Request URL too long"}
    assert flood.closed
    assert flood.sent < SENT_BOUND, flood.sent
    assert flood.peak_bytes < MEMORY_BOUND, flood.peak_bytes
    print(f"\nendless URL: {flood.sent / MiB:.1f} MiB sent, peak {flood.peak_bytes} B")


async def test_a_long_url_sent_whole_gets_414(server: LiveServer) -> None:
    path = VERSIONS + "?x=" + "a" * MAX_URL_BYTES

    answer = await raw_request(server, get(path))

    assert answer.status == 414, answer.head
    assert answer.closed


async def test_a_url_within_the_cap_is_served(server: LiveServer) -> None:
    path = VERSIONS + "?x="
    path += "a" * (MAX_URL_BYTES - len(path))

    answer = await raw_request(server, get(path), wait_for_close=False)

    assert answer.status == 200, answer.head


async def test_headers_just_within_the_limits_are_served_when_trickled(
    server: LiveServer,
) -> None:
    # 16 KiB of names and values in 499 headers, sent a line at a time: never refused early.
    value = b"v" * (16 * 1024 // 499 - 6)
    lines = [b"X-H%03d: %s\r\n" % (i, value) for i in range(499)] + [b"\r\n"]
    assert sum(len(line) for line in lines) < MAX_HEAD_BYTES

    answer = await raw_request(
        server, b"GET %s HTTP/1.1\r\n" % VERSIONS.encode(), lines, wait_for_close=False
    )

    assert answer.status == 200, answer.head


async def test_a_pipelined_request_after_a_large_body_is_served(server: LiveServer) -> None:
    # One write: a POST with a 60 KiB body, then a GET. The GET's head begins mid-read,
    # after 60 KiB of body that must not count towards it.
    body = b'{"type": "m.login.password", "pad": "' + b"p" * (60 * 1024) + b'"}'
    post = b"POST /_matrix/client/v3/login HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n"
    reader, writer = await asyncio.open_connection("127.0.0.1", port_of(server))
    try:
        writer.write(post % len(body) + body + get(VERSIONS))
        async with asyncio.timeout(PATIENCE):
            answers = b""
            while answers.count(b"HTTP/1.1 ") < 2 or not answers.endswith(b"}"):
                chunk = await reader.read(65536)
                assert chunk, answers
                answers += chunk
    finally:
        writer.close()

    statuses = [int(part[:3]) for part in answers.split(b"HTTP/1.1 ")[1:]]
    assert statuses[1] == 200, answers
