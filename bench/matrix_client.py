"""A minimal Matrix client for the room scenarios: one keep-alive connection, JSON in and out.

Used for set-up (logins, rooms, joins, seeding messages), which is never timed, and for the
timed requests of bench/rooms.py, which need the response bodies (event IDs, sync batches)
to check that no event is lost or duplicated. It speaks raw HTTP/1.1 over asyncio streams, as
bench/load.py does, so the generator stays cheap next to the server it measures.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from bench.load import Signer, check_loopback, login_all, read_response, request_bytes

CLIENT = "/_matrix/client/v3"


class MatrixFailure(RuntimeError):
    """A set-up call answered with something other than 200 (after retrying 429s)."""


class Client:
    """One HTTP/1.1 keep-alive connection to a homeserver, as one access token."""

    def __init__(self, url: str, token: str) -> None:
        self.host, self.port = check_loopback(url)
        self.netloc = urlsplit(url).netloc
        self.token = token
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """One request; (status, decoded JSON body or {})."""
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        payload = json.dumps(body).encode() if body is not None else b""
        if method == "PUT" and not payload:
            payload = b"{}"
        self._writer.write(request_bytes(self.netloc, method, path, payload, self.token))
        status, raw = await read_response(self._reader)
        return status, (json.loads(raw) if raw else {})

    async def ok(self, method: str, path: str, body: Any = None) -> Any:
        """A set-up call that must succeed; a 429 (e.g. Synapse's per-room join limit,
        which no per-user override lifts) is waited out and retried."""
        for _ in range(120):
            status, answer = await self.call(method, path, body)
            if status == 200:
                return answer
            if status != 429:
                raise MatrixFailure(f"{method} {path}: {status} {str(answer)[:300]}")
            await asyncio.sleep(min(5.0, answer.get("retry_after_ms", 500) / 1000 + 0.05))
        raise MatrixFailure(f"{method} {path}: still rate limited")

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    # -- the calls the scenarios make ---------------------------------------

    async def create_room(self, name: str) -> str:
        answer = await self.ok(
            "POST", f"{CLIENT}/createRoom", {"preset": "public_chat", "name": name}
        )
        return str(answer["room_id"])

    async def join(self, room_id: str) -> None:
        await self.ok("POST", f"{CLIENT}/rooms/{quote(room_id)}/join", {})

    def send_path(self, room_id: str, txn: str) -> str:
        return f"{CLIENT}/rooms/{quote(room_id)}/send/m.room.message/{txn}"

    async def send(self, room_id: str, txn: str, body: str) -> str:
        answer = await self.ok("PUT", self.send_path(room_id, txn), message(body))
        return str(answer["event_id"])

    def sync_path(self, since: str | None, timeout_ms: int, timeline_limit: int) -> str:
        query = {"timeout": str(timeout_ms), "filter": sync_filter(timeline_limit)}
        if since is not None:
            query["since"] = since
        return f"{CLIENT}/sync?{urlencode(query)}"

    def messages_path(self, room_id: str, start: str | None, limit: int) -> str:
        query = {"dir": "b", "limit": str(limit)}
        if start is not None:
            query["from"] = start
        return f"{CLIENT}/rooms/{quote(room_id)}/messages?{urlencode(query)}"


def message(body: str) -> dict[str, str]:
    return {"msgtype": "m.text", "body": body}


def sync_filter(timeline_limit: int) -> str:
    """An inline filter: room timelines only, no presence or account data to wade through."""
    return json.dumps(
        {
            "room": {"timeline": {"limit": timeline_limit}, "state": {"lazy_load_members": True}},
            "presence": {"not_types": ["*"]},
            "account_data": {"not_types": ["*"]},
        },
        separators=(",", ":"),
    )


def bodies(events: list[dict[str, Any]]) -> list[str]:
    """The bodies of the m.room.message events among events."""
    return [
        str(e["content"]["body"])
        for e in events
        if e.get("type") == "m.room.message" and "body" in e.get("content", {})
    ]


async def clients(url: str, secret: str, users: list[str]) -> list[Client]:
    """Log each user in with a JWT (creating it on first login); one Client each."""
    signer = Signer(secret=secret)
    # Each user's first login creates it, and must finish before its other logins start:
    # Synapse answers concurrent first logins of one user with M_USER_IN_USE.
    first = list(dict.fromkeys(users))
    created = await login_all(url, [signer.mint(user, secrets.token_hex(8)) for user in first])
    tokens = dict(zip(first, created, strict=True))
    rest = [i for i, user in enumerate(users) if i != users.index(user)]
    more = await login_all(url, [signer.mint(users[i], secrets.token_hex(8)) for i in rest])
    by_index = dict(zip(rest, more, strict=True))
    return [Client(url, by_index.get(i) or tokens[user]) for i, user in enumerate(users)]
