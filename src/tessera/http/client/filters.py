"""``/user/{userId}/filter[/{filterId}]`` (spec: "Filtering")."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tessera.http.auth import requester
from tessera.http.body import json_object
from tessera.http.responses import ok
from tessera.services.auth import Authenticator
from tessera.services.filters import Filters


class FilterEndpoints:
    def __init__(self, authenticator: Authenticator, filters: Filters) -> None:
        self._auth = authenticator
        self._filters = filters

    async def create(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        body = await json_object(request)
        filter_id = await self._filters.create(who, request.path_params["user_id"], body)
        return ok({"filter_id": filter_id})

    async def get(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        params = request.path_params
        return ok(await self._filters.get(who, params["user_id"], params["filter_id"]))
