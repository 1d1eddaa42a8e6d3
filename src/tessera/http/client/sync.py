"""``GET /sync`` (spec: "Syncing")."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tessera.core.errors import InvalidParam
from tessera.core.sync.filter import Filter
from tessera.http.auth import requester
from tessera.http.query import boolean, integer
from tessera.http.responses import ok
from tessera.services.auth import Authenticator
from tessera.services.filters import Filters
from tessera.services.presence import Presence
from tessera.services.sync.rooms import RoomOptions
from tessera.services.sync.service import Sync, SyncParams


def room_options(definition: Filter) -> RoomOptions:
    """What the rooms stream takes from a filter (spec: "Filtering")."""
    room = definition.room
    limit = room.timeline.limit if room.timeline.limit is not None else 10
    return RoomOptions(
        timeline_limit=max(0, min(limit, 100)),
        lazy_load_members=room.state.lazy_load_members,
        timeline=room.timeline,
        rooms=room,
    )


class SyncEndpoints:
    def __init__(
        self, authenticator: Authenticator, sync: Sync, filters: Filters, presence: Presence
    ) -> None:
        self._auth = authenticator
        self._sync = sync
        self._filters = filters
        self._presence = presence

    async def sync(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        query = request.query_params
        set_presence = query.get("set_presence", "online")
        if set_presence not in ("online", "offline", "unavailable"):
            raise InvalidParam("'set_presence' must be online, offline or unavailable")
        await self._presence.from_sync(who.user_id, set_presence)
        definition = await self._filters.for_sync(who.user_id, query.get("filter"))
        params = SyncParams(
            since=query.get("since"),
            timeout_ms=integer(request, "timeout", 0),
            full_state=bool(boolean(request, "full_state", False)),
            options=room_options(definition),
            filter=definition,
        )
        return ok(await self._sync.sync(who, params))
