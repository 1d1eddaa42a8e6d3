"""``/profile/{userId}[/displayname|/avatar_url]`` (spec: "Profiles")."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tessera.core.errors import NotFound
from tessera.core.models import User
from tessera.http.auth import requester
from tessera.http.body import json_object
from tessera.http.responses import ok
from tessera.services.auth import Authenticator
from tessera.services.profiles import MISSING, Profiles


def _profile_json(user: User) -> dict[str, str]:
    fields = {"displayname": user.display_name, "avatar_url": user.avatar_url}
    return {key: value for key, value in fields.items() if value is not None}


class ProfileEndpoints:
    def __init__(self, authenticator: Authenticator, profiles: Profiles) -> None:
        self._auth = authenticator
        self._profiles = profiles

    async def profile(self, request: Request) -> Response:
        profile = _profile_json(await self._profiles.profile(request.path_params["user_id"]))
        if not profile:
            raise NotFound("Profile was not found")
        return ok(profile)

    async def get_field(self, request: Request) -> Response:
        field = request.path_params["field"]
        user = await self._profiles.profile(request.path_params["user_id"])
        # An unset field is null, not absent: clients (matrix-nio) require the key.
        return ok({field: _profile_json(user).get(field)})

    async def set_field(self, request: Request) -> Response:
        field = request.path_params["field"]
        who = await requester(request, self._auth)
        body = await json_object(request)
        value = body.get(field, MISSING)
        await self._profiles.set_field(who, request.path_params["user_id"], field, value)
        return ok()
