"""``GET|POST /login`` (spec: "Login")."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope

from tessera.http.body import read_json_object
from tessera.http.responses import ok
from tessera.services.login import LoginService


class LoginEndpoints:
    def __init__(
        self, login: LoginService, server_name: str, well_known: dict[str, Any] | None
    ) -> None:
        self._login = login
        self._server_name = server_name
        self._well_known = well_known

    async def flows(self, _request: Request) -> Response:
        return ok({"flows": self._login.flows()})

    async def login(self, request: Request) -> Response:
        return ok(await self.login_body(request.scope, request.receive))

    async def login_body(self, scope: Scope, receive: Receive) -> dict[str, Any]:
        """``POST /login``'s answer; ``Frontend`` serves it without Starlette (``http.fast``)."""
        client = scope.get("client")
        result = await self._login.login(
            await read_json_object(receive), client[0] if client else None
        )
        response: dict[str, Any] = {
            "user_id": result.user_id,
            "access_token": result.access_token,
            "device_id": result.device_id,
            "home_server": self._server_name,
        }
        if result.expires_in_ms is not None:
            response["expires_in_ms"] = result.expires_in_ms
        if result.refresh_token is not None:
            response["refresh_token"] = result.refresh_token
        if self._well_known is not None:
            response["well_known"] = self._well_known
        return response
