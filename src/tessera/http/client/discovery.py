"""``/.well-known/matrix/client`` and ``/capabilities`` (spec: discovery, capabilities)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tessera.core.errors import NotFound
from tessera.core.events.room_versions import DEFAULT_ROOM_VERSION, ROOM_VERSIONS
from tessera.http.auth import requester
from tessera.http.responses import ok
from tessera.services.auth import Authenticator


class DiscoveryEndpoints:
    def __init__(
        self,
        authenticator: Authenticator,
        public_baseurl: str | None,
        *,
        login_tokens: bool,
    ) -> None:
        self._auth = authenticator
        self._well_known = (
            {"m.homeserver": {"base_url": public_baseurl}} if public_baseurl else None
        )
        self._capabilities = {
            "capabilities": {
                # No password-change endpoint: JWT users have no password to change.
                "m.change_password": {"enabled": False},
                "m.set_displayname": {"enabled": True},
                "m.set_avatar_url": {"enabled": True},
                "m.3pid_changes": {"enabled": False},
                "m.get_login_token": {"enabled": login_tokens},
                "m.room_versions": {
                    "default": DEFAULT_ROOM_VERSION,
                    "available": {version: "stable" for version in ROOM_VERSIONS},
                },
            }
        }

    @property
    def well_known_body(self) -> dict[str, Any] | None:
        return self._well_known

    async def well_known(self, _request: Request) -> Response:
        if self._well_known is None:
            raise NotFound(".well-known not available")
        return ok(self._well_known)

    async def capabilities(self, request: Request) -> Response:
        await requester(request, self._auth)
        return ok(self._capabilities)
