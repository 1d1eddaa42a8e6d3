"""``OneWritePerResponse``: a response's head and body leave in one write, nothing is lost."""

from __future__ import annotations

import asyncio

from tessera.uvicorn_protocol import OneWritePerResponse

HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


class Recorder(asyncio.Transport):
    """The transport side: what was written, in which calls, and whether it was closed."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


async def test_head_and_body_go_out_in_one_write() -> None:
    sent = Recorder()
    transport = OneWritePerResponse(sent, asyncio.get_running_loop())

    transport.write(HEAD)
    transport.write(b"{}")

    assert sent.writes == [HEAD + b"{}"]


async def test_a_head_without_a_body_goes_out_on_the_next_loop_turn() -> None:
    sent = Recorder()
    transport = OneWritePerResponse(sent, asyncio.get_running_loop())

    transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")  # the client waits for this alone
    assert sent.writes == []
    await asyncio.sleep(0)

    assert sent.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]


async def test_closing_sends_a_held_head_first() -> None:
    sent = Recorder()
    transport = OneWritePerResponse(sent, asyncio.get_running_loop())

    transport.write(HEAD)
    transport.close()
    await asyncio.sleep(0)

    assert sent.writes == [HEAD]
    assert sent.closed


async def test_other_writes_pass_straight_through() -> None:
    sent = Recorder()
    transport = OneWritePerResponse(sent, asyncio.get_running_loop())

    transport.write(b"5\r\nhello\r\n")
    transport.write(b"HTTP/1.1 408 Request Timeout\r\n\r\n{...}")  # a whole answer at once

    assert sent.writes == [b"5\r\nhello\r\n", b"HTTP/1.1 408 Request Timeout\r\n\r\n{...}"]
    assert transport.is_closing() is False  # everything else is the real transport's
