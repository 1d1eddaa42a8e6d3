"""``GET /sync`` (spec: "Syncing")."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tessera.core.errors import InvalidParam
from tessera.http.auth import requester
from tessera.http.query import boolean, integer
from tessera.http.responses import ok
from tessera.services.auth import Authenticator
from tessera.services.sync.rooms import RoomOptions
from tessera.services.sync.service import Sync, SyncParams


def room_options(raw: str | None) -> RoomOptions:
    """What the rooms stream takes from a filter: timeline limit, lazy-loaded members.

    An inline JSON filter is read here; a filter ID (``POST /user/{id}/filter``) gives the
    defaults until the filter store is wired in.
    """
    if raw is None or not raw.startswith("{"):
        return RoomOptions()
    try:
        definition = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidParam("filter is not valid JSON") from None
    room = _object(definition, "room")
    timeline, state = _object(room, "timeline"), _object(room, "state")
    limit = timeline.get("limit", 10)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        raise InvalidParam("filter's timeline limit must be a non-negative integer")
    return RoomOptions(min(limit, 100), state.get("lazy_load_members") is True)


def _object(parent: object, key: str) -> dict[str, Any]:
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, dict) else {}


class SyncEndpoints:
    def __init__(self, authenticator: Authenticator, sync: Sync) -> None:
        self._auth = authenticator
        self._sync = sync

    async def sync(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        query = request.query_params
        set_presence = query.get("set_presence", "online")
        if set_presence not in ("online", "offline", "unavailable"):
            raise InvalidParam("'set_presence' must be online, offline or unavailable")
        params = SyncParams(
            since=query.get("since"),
            timeout_ms=integer(request, "timeout", 0),
            full_state=bool(boolean(request, "full_state", False)),
            options=room_options(query.get("filter")),
        )
        return ok(await self._sync.sync(who, params))
