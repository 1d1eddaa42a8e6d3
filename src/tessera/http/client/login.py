"""``GET|POST /login`` (spec: "Login")."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tessera.http.body import json_object
from tessera.http.responses import ok
from tessera.services.login import LoginService


class LoginEndpoints:
    def __init__(self, login: LoginService, server_name: str) -> None:
        self._login = login
        self._server_name = server_name

    async def flows(self, _request: Request) -> Response:
        return ok({"flows": self._login.flows()})

    async def login(self, request: Request) -> Response:
        result = await self._login.login(await json_object(request))
        return ok(
            {
                "user_id": result.user_id,
                "access_token": result.access_token,
                "device_id": result.device_id,
                "home_server": self._server_name,
            }
        )
