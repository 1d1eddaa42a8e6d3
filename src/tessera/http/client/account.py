"""``/account/whoami`` and ``/logout[/all]`` (spec: "Current account information", "Logout")."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tessera.http.auth import requester
from tessera.http.responses import ok
from tessera.services.auth import Authenticator
from tessera.services.sessions import Sessions


class AccountEndpoints:
    def __init__(self, authenticator: Authenticator, sessions: Sessions) -> None:
        self._auth = authenticator
        self._sessions = sessions

    async def whoami(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        return ok({"user_id": who.user_id, "device_id": who.device_id, "is_guest": False})

    async def logout(self, request: Request) -> Response:
        await self._sessions.logout(await requester(request, self._auth))
        return ok()

    async def logout_all(self, request: Request) -> Response:
        await self._sessions.logout_all(await requester(request, self._auth))
        return ok()
