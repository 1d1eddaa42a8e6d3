"""A flood of idle connections cannot starve the rest (issue 12, item 3).

The server runs in this process, on 127.0.0.1; the flood comes from 127.0.0.1 and the
legitimate client from 127.0.0.2 (another address on the loopback network). What the
server holds open is read from the kernel (``/proc/net/tcp``): its side of every
established connection to its port.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from tessera.config import ListenerConfig
from tests.api.test_slow_and_huge_http import VERSIONS, port_of
from tests.conftest import LiveServer, StartServer

FLOOD = 120
#: A request line, then nothing: the connection waits for the rest of its head.
STALL = b"GET /_matrix/client/versions HTTP/1.1\r\n"


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def open_flood(live: LiveServer, count: int) -> list[Connection]:
    """``count`` connections from 127.0.0.1 that each send a request line and stall."""
    connections = []
    for _ in range(count):
        reader, writer = await asyncio.open_connection("127.0.0.1", port_of(live))
        writer.write(STALL)
        await writer.drain()
        connections.append((reader, writer))
    return connections


def server_side_connections(port: int) -> int:
    """Established TCP connections whose local end is ``port``: the server's sockets."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state = fields[1], fields[3]
            if state == "01" and int(local.rsplit(":", 1)[1], 16) == port:
                count += 1
    return count


async def answers_of(connections: list[Connection]) -> list[bytes]:
    """What each connection received before the server closed it; ``b"open"`` for one the
    server still holds (nothing to read yet, no end of file)."""
    results = []
    for reader, _writer in connections:
        try:
            async with asyncio.timeout(0.05):
                results.append(await reader.read())
        except TimeoutError:
            results.append(b"open")
        except ConnectionError:
            results.append(b"")
    return results


async def legitimate_request(live: LiveServer, source: str) -> httpx.Response:
    transport = httpx.AsyncHTTPTransport(local_address=source)
    async with httpx.AsyncClient(base_url=live.base_url, transport=transport, timeout=10) as c:
        return await c.get(VERSIONS)


async def close_all(connections: list[Connection]) -> None:
    for _reader, writer in connections:
        writer.close()


async def test_one_address_cannot_hold_more_than_its_share(start_server: StartServer) -> None:
    async with start_server(max_http_connections_per_address=20) as live:
        flood = await open_flood(live, FLOOD)
        try:
            await asyncio.sleep(0.1)  # the server's side of the turned-away ones closes
            held = server_side_connections(port_of(live))
            other = await legitimate_request(live, "127.0.0.2")
            answers = await answers_of(flood)
        finally:
            await close_all(flood)

    assert other.status_code == 200, other.text
    assert held <= 20, held
    assert answers.count(b"open") == 20, answers
    turned_away = [a for a in answers if a != b"open"]
    assert len(turned_away) == FLOOD - 20
    for answer in turned_away:
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503 "), answer
        assert json.loads(body) == {"errcode": "M_UNKNOWN", "error": "Too many connections"}


async def test_past_the_total_the_oldest_stalled_connections_make_room(
    start_server: StartServer,
) -> None:
    async with start_server(max_http_connections=30) as live:
        flood = await open_flood(live, FLOOD)
        try:
            await asyncio.sleep(0.1)
            held = server_side_connections(port_of(live))
            # From another address and from the flood's own: both get in and are answered.
            other = await legitimate_request(live, "127.0.0.2")
            same = await legitimate_request(live, "127.0.0.1")
            answers = await answers_of(flood)
        finally:
            await close_all(flood)

    assert other.status_code == 200, other.text
    assert same.status_code == 200, same.text
    assert held <= 30, held
    # The newest stalled connections are still there; the oldest were closed for them.
    still_open = [i for i, answer in enumerate(answers) if answer == b"open"]
    assert len(still_open) <= 30
    assert still_open == list(range(FLOOD - len(still_open), FLOOD)), still_open


async def test_connections_being_answered_are_never_closed_for_newcomers(
    start_server: StartServer,
) -> None:
    # Every slot busy with a request whose body is being read: a newcomer is turned away
    # with 503 rather than cutting one of them off.
    async with start_server(max_http_connections=5) as live:
        busy = []
        for _ in range(5):
            reader, writer = await asyncio.open_connection("127.0.0.1", port_of(live))
            writer.write(
                b"POST /_matrix/client/v3/login HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n{"
            )
            busy.append((reader, writer))
        await asyncio.sleep(0.1)
        newcomer = await legitimate_request(live, "127.0.0.2")
        for _reader, writer in busy:
            writer.write(b'"type":1}')
        answers = []
        for reader, writer in busy:
            async with asyncio.timeout(5):
                answers.append(await reader.readuntil(b"\r\n\r\n"))
            writer.close()

    assert newcomer.status_code == 503
    assert newcomer.json() == {"errcode": "M_UNKNOWN", "error": "Too many connections"}
    assert all(answer.startswith(b"HTTP/1.1 400 ") for answer in answers), answers


async def test_the_per_address_limit_does_not_apply_behind_a_proxy(
    start_server: StartServer,
) -> None:
    async with start_server(
        max_http_connections_per_address=5,
        listeners=(ListenerConfig(port=0, x_forwarded=True),),
    ) as live:
        flood = await open_flood(live, 20)
        try:
            await asyncio.sleep(0.1)
            answers = await answers_of(flood)
        finally:
            await close_all(flood)

    assert answers.count(b"open") == 20, answers
