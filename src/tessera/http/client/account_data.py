"""``/user/{userId}[/rooms/{roomId}]/account_data/{type}`` (spec: "Client Config")."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tessera.http.auth import requester
from tessera.http.body import json_object
from tessera.http.responses import ok
from tessera.services.account_data import AccountData
from tessera.services.auth import Authenticator


class AccountDataEndpoints:
    def __init__(self, authenticator: Authenticator, account_data: AccountData) -> None:
        self._auth = authenticator
        self._account_data = account_data

    async def put(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        params = request.path_params
        body = await json_object(request)
        await self._account_data.put(
            who, params["user_id"], params.get("room_id"), params["type"], body
        )
        return ok()

    async def get(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        params = request.path_params
        return ok(
            await self._account_data.get(
                who, params["user_id"], params.get("room_id"), params["type"]
            )
        )
