"""``/presence/{userId}/status`` (spec: "Presence")."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tessera.http.auth import requester
from tessera.http.body import json_object
from tessera.http.responses import ok
from tessera.services.auth import Authenticator
from tessera.services.presence import Presence


class PresenceEndpoints:
    def __init__(self, authenticator: Authenticator, presence: Presence) -> None:
        self._auth = authenticator
        self._presence = presence

    async def get(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        return ok(await self._presence.status(who, request.path_params["user_id"]))

    async def put(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        body = await json_object(request)
        await self._presence.set_status(who, request.path_params["user_id"], body)
        return ok()
