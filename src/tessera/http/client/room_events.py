"""Events of a room: send, state, redact, ``/event``, ``/messages``, ``/context``
(spec: "Sending events", "Room state", "Redactions", "Getting events for a room")."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tessera.core.errors import BadJson, InvalidParam
from tessera.core.ids import storable
from tessera.core.sync.filter import FilterError, RoomEventFilter, parse_filter
from tessera.http.auth import requester
from tessera.http.body import json_object, json_object_or_empty
from tessera.http.query import integer
from tessera.http.responses import ok
from tessera.services.auth import Authenticator
from tessera.services.rooms.history import RoomHistory
from tessera.services.rooms.send import RoomSender
from tessera.services.rooms.state import RoomStateService

#: The spec's limit on IDs and types, in bytes.
_MAX_ID_BYTES = 255


def _path_text(request: Request, name: str, default: str | None = None) -> str:
    value = request.path_params.get(name, default)
    if value is None or not storable(value) or len(value.encode()) > _MAX_ID_BYTES:
        raise InvalidParam(f"Invalid {name}")
    return str(value)


def _event_filter(raw: str | None) -> RoomEventFilter | None:
    """``/messages``'s ``filter``: a RoomEventFilter as JSON (400 if it is not one)."""
    if raw is None:
        return None
    try:
        definition = orjson.loads(raw)
        if not isinstance(definition, dict):
            raise FilterError("a filter is a JSON object")
        # A RoomEventFilter is what a filter's room.timeline holds: parsed as one.
        return parse_filter({"room": {"timeline": definition}}).room.timeline
    except (orjson.JSONDecodeError, FilterError) as exc:
        raise BadJson(f"Invalid filter: {exc}") from None


class RoomEventEndpoints:
    def __init__(
        self,
        authenticator: Authenticator,
        sender: RoomSender,
        state: RoomStateService,
        history: RoomHistory,
    ) -> None:
        self._auth = authenticator
        self._sender = sender
        self._state = state
        self._history = history

    async def send(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        content = await json_object(request)
        event_id = await self._sender.send(
            who,
            request.path_params["room_id"],
            _path_text(request, "event_type"),
            content,
            _path_text(request, "txn_id"),
        )
        return ok({"event_id": event_id})

    async def put_state(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        content = await json_object(request)
        event_id = await self._state.put(
            who,
            request.path_params["room_id"],
            _path_text(request, "event_type"),
            _path_text(request, "state_key", ""),
            content,
        )
        return ok({"event_id": event_id})

    async def get_state(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        room_id = request.path_params["room_id"]
        if "event_type" not in request.path_params:
            return ok(await self._state.all(who, room_id))
        content = await self._state.content(
            who,
            room_id,
            _path_text(request, "event_type"),
            _path_text(request, "state_key", ""),
        )
        return ok(dict(content))

    async def redact(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        body = await json_object_or_empty(request)
        reason = body.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise BadJson("'reason' must be a string")
        event_id = await self._sender.redact(
            who,
            request.path_params["room_id"],
            _path_text(request, "event_id"),
            reason,
            _path_text(request, "txn_id") if "txn_id" in request.path_params else None,
        )
        return ok({"event_id": event_id})

    async def event(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        event = await self._history.event(
            who, request.path_params["room_id"], _path_text(request, "event_id")
        )
        return ok(event)

    async def messages(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        query = request.query_params
        direction = query.get("dir", "b")
        if direction not in ("b", "f"):
            raise InvalidParam("'dir' must be 'b' or 'f'")
        page = await self._history.messages(
            who,
            request.path_params["room_id"],
            start=query.get("from"),
            end=query.get("to"),
            backwards=direction == "b",
            limit=integer(request, "limit", 10),
            keep=_event_filter(query.get("filter")),
        )
        body = {"chunk": page.chunk, "start": page.start}
        if page.end is not None:
            body["end"] = page.end
        return ok(body)

    async def context(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        result = await self._history.context(
            who,
            request.path_params["room_id"],
            _path_text(request, "event_id"),
            integer(request, "limit", 10),
        )
        return ok(result)
