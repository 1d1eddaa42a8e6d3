"""Room aliases and the public room list (spec: "Room aliases", "Listing rooms")."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tessera.core.errors import BadJson, InvalidParam
from tessera.http.auth import requester
from tessera.http.body import json_object
from tessera.http.query import integer
from tessera.http.responses import ok
from tessera.services.auth import Authenticator
from tessera.services.rooms.directory import RoomDirectory, parse_since

#: A page of /publicRooms at most (Synapse does not cap; a client asking for 10^9 gets this).
_MAX_LIMIT = 500


class DirectoryEndpoints:
    def __init__(self, authenticator: Authenticator, directory: RoomDirectory) -> None:
        self._auth = authenticator
        self._directory = directory

    async def get_alias(self, request: Request) -> Response:
        return ok(await self._directory.resolve(request.path_params["alias"]))

    async def put_alias(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        body = await json_object(request)
        room_id = body.get("room_id")
        if not isinstance(room_id, str):
            raise BadJson("'room_id' must be a string")
        await self._directory.add(who, request.path_params["alias"], room_id)
        return ok()

    async def delete_alias(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        await self._directory.remove(who, request.path_params["alias"])
        return ok()

    async def room_aliases(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        aliases = await self._directory.aliases(who, request.path_params["room_id"])
        return ok({"aliases": aliases})

    async def get_visibility(self, request: Request) -> Response:
        visibility = await self._directory.visibility(request.path_params["room_id"])
        return ok({"visibility": visibility})

    async def put_visibility(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        body = await json_object(request)
        visibility = body.get("visibility", "public")
        if visibility not in ("public", "private"):
            raise InvalidParam("'visibility' must be 'public' or 'private'")
        await self._directory.set_visibility(who, request.path_params["room_id"], visibility)
        return ok()

    async def public_rooms(self, request: Request) -> Response:
        limit = integer(request, "limit", 100)
        since = parse_since(request.query_params.get("since"))
        return ok(await self._directory.public_rooms(None, _limit(limit), since))

    async def search_public_rooms(self, request: Request) -> Response:
        await requester(request, self._auth)
        body = await json_object(request)
        limit = body.get("limit", 100)
        if not isinstance(limit, int) or isinstance(limit, bool):
            raise BadJson("'limit' must be an integer")
        since = body.get("since")
        if since is not None and not isinstance(since, str):
            raise BadJson("'since' must be a string")
        search = body.get("filter", {})
        if not isinstance(search, dict):
            raise BadJson("'filter' must be an object")
        term = search.get("generic_search_term")
        if term is not None and not isinstance(term, str):
            raise BadJson("'generic_search_term' must be a string")
        result = await self._directory.public_rooms(term, _limit(limit), parse_since(since))
        return ok(result)


def _limit(limit: int) -> int:
    return max(1, min(limit, _MAX_LIMIT))
