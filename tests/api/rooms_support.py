"""What the room API tests share: logged-in users and the calls they make."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from tests.api.support import access_token_for, bearer, user_id
from tests.conftest import LiveServer

V3 = "/_matrix/client/v3"


class Client:
    """One logged-in user talking to a live server."""

    def __init__(self, server: LiveServer, localpart: str, token: str) -> None:
        self.server = server
        self.user_id = user_id(localpart)
        self.headers = bearer(token)
        self._txn = 0

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.server.client.get(V3 + path, headers=self.headers, params=params)

    async def post(self, path: str, body: Any = None) -> httpx.Response:
        return await self.server.client.post(V3 + path, headers=self.headers, json=body or {})

    async def put(self, path: str, body: Any) -> httpx.Response:
        return await self.server.client.put(V3 + path, headers=self.headers, json=body)

    async def delete(self, path: str) -> httpx.Response:
        return await self.server.client.delete(V3 + path, headers=self.headers)

    async def create_room(self, **body: Any) -> str:
        response = await self.post("/createRoom", body)
        assert response.status_code == 200, response.text
        return str(response.json()["room_id"])

    async def send(self, room_id: str, body: str, txn_id: str | None = None) -> str:
        self._txn += 1
        txn = txn_id or f"t{self._txn}"
        response = await self.put(
            f"/rooms/{q(room_id)}/send/m.room.message/{txn}", {"msgtype": "m.text", "body": body}
        )
        assert response.status_code == 200, response.text
        return str(response.json()["event_id"])

    async def ok(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        call = {"post": self.post, "put": self.put}[method]
        response = await call(path, body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def sync(self, **params: Any) -> dict[str, Any]:
        response = await self.get("/sync", **params)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result


def q(text: str) -> str:
    """A path segment, percent-encoded (room IDs hold '!' and ':', aliases '#')."""
    return quote(text, safe="")


async def client(server: LiveServer, localpart: str) -> Client:
    return Client(server, localpart, await access_token_for(server, localpart))


def bodies(events: list[dict[str, Any]]) -> list[str]:
    return [e["content"]["body"] for e in events if e["type"] == "m.room.message"]
