"""``GET /profile/{userId}/displayname`` (spec: "Profiles")."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tessera.http.responses import ok
from tessera.services.profiles import Profiles


class ProfileEndpoints:
    def __init__(self, profiles: Profiles) -> None:
        self._profiles = profiles

    async def displayname(self, request: Request) -> Response:
        user = await self._profiles.profile(request.path_params["user_id"])
        return ok({} if user.display_name is None else {"displayname": user.display_name})
