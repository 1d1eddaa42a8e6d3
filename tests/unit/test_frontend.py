"""The ASGI frontend: client address behind a trusted proxy."""

from typing import Any

from tessera.config import ListenerConfig
from tessera.http.middleware import Frontend


async def _client_seen(frontend_ports: frozenset[int], server_port: int, xff: bytes) -> Any:
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen["client"] = scope["client"]
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> Any:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        pass

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"x-forwarded-for", xff)],
        "server": ("127.0.0.1", server_port),
        "client": ("10.0.0.1", 5555),
    }
    frontend = Frontend(app, 1024)
    frontend.listen_on((port, ListenerConfig(port, x_forwarded=True)) for port in frontend_ports)
    await frontend(scope, receive, send)
    return seen["client"]


async def test_forwarded_client_is_used_on_a_listener_with_x_forwarded() -> None:
    client = await _client_seen(frozenset({8008}), 8008, b"203.0.113.7, 10.0.0.1")
    assert client == ("203.0.113.7", 0)


async def test_forwarded_header_is_ignored_on_other_listeners() -> None:
    client = await _client_seen(frozenset({8008}), 9000, b"203.0.113.7")
    assert client == ("10.0.0.1", 5555)
