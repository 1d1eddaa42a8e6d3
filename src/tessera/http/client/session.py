"""``/refresh`` (spec v1.3) and ``/login/get_token`` (spec v1.7)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tessera.core.errors import InvalidParam, MissingParam
from tessera.http.auth import requester
from tessera.http.body import json_object
from tessera.http.responses import ok
from tessera.services.auth import Authenticator
from tessera.services.login.token import TokenLogin
from tessera.services.sessions import Sessions
from tessera.services.uia import UserInteractiveAuth


class SessionEndpoints:
    def __init__(
        self,
        authenticator: Authenticator,
        sessions: Sessions,
        login_tokens: TokenLogin | None,
        uia: UserInteractiveAuth | None,
    ) -> None:
        self._auth = authenticator
        self._sessions = sessions
        self._login_tokens = login_tokens
        self._uia = uia

    async def refresh(self, request: Request) -> Response:
        body = await json_object(request)
        if "refresh_token" not in body:
            raise MissingParam("Missing params: ['refresh_token']")
        token = body["refresh_token"]
        if not isinstance(token, str):
            raise InvalidParam("Invalid param: refresh_token")
        issued = await self._sessions.refresh(token)
        response: dict[str, object] = {
            "access_token": issued.access_token,
            "refresh_token": issued.refresh_token,
        }
        if issued.expires_in_ms is not None:
            response["expires_in_ms"] = issued.expires_in_ms
        return ok(response)

    async def get_token(self, request: Request) -> Response:
        assert self._login_tokens is not None  # routed only when enabled
        who = await requester(request, self._auth)
        body = await json_object(request)
        if self._uia is not None:
            await self._uia.validate(who, body, request.method, request.url.path)
        token, lifetime = await self._login_tokens.issue(who)
        return ok({"login_token": token, "expires_in_ms": lifetime})
