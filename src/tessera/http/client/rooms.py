"""``createRoom`` and membership (spec: "Creation", "Room membership", "Listing rooms")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tessera.core.errors import BadJson, InvalidParam
from tessera.core.ids import parse_user_id, storable
from tessera.core.rooms.ids import alias_for
from tessera.http.auth import requester
from tessera.http.body import json_object, json_object_or_empty
from tessera.http.responses import ok
from tessera.services.auth import Authenticator
from tessera.services.rooms.create import PRESETS, RoomCreator, RoomRequest
from tessera.services.rooms.history import RoomHistory
from tessera.services.rooms.membership import MembershipActions


def _optional(body: Mapping[str, Any], key: str, kind: type, what: str) -> Any:
    value = body.get(key)
    if value is not None and not isinstance(value, kind):
        raise BadJson(f"'{key}' must be {what}")
    if isinstance(value, str) and not storable(value):
        raise BadJson(f"'{key}' must be a valid string")
    return value


def room_request(body: Mapping[str, Any]) -> RoomRequest:
    """``createRoom``'s body, checked field by field (400 naming the field)."""
    preset = _optional(body, "preset", str, "a string")
    if preset is not None and preset not in PRESETS:
        raise InvalidParam(f"'preset' must be one of {', '.join(PRESETS)}")
    visibility = _optional(body, "visibility", str, "a string") or "private"
    if visibility not in ("public", "private"):
        raise InvalidParam("'visibility' must be 'public' or 'private'")
    invite = _optional(body, "invite", list, "a list of user IDs") or []
    for user_id in invite:
        if not isinstance(user_id, str):
            raise BadJson("'invite' must be a list of user IDs")
        parse_user_id(user_id)
    initial_state = []
    for item in _optional(body, "initial_state", list, "a list") or []:
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise BadJson("'initial_state' entries need a string 'type'")
        state_key = item.get("state_key", "")
        if not isinstance(state_key, str):
            raise BadJson("'state_key' must be a string")
        if not isinstance(item.get("content"), dict):
            raise BadJson("'initial_state' entries need an object 'content'")
        initial_state.append((item["type"], state_key, item["content"]))
    version = _optional(body, "room_version", str, "a string")
    return RoomRequest(
        preset=preset,
        visibility=visibility,
        name=_optional(body, "name", str, "a string"),
        topic=_optional(body, "topic", str, "a string"),
        invite=tuple(invite),
        is_direct=bool(_optional(body, "is_direct", bool, "a boolean")),
        initial_state=tuple(initial_state),
        room_alias_name=_optional(body, "room_alias_name", str, "a string"),
        power_level_content_override=_optional(
            body, "power_level_content_override", dict, "an object"
        ),
        room_version=version,
        creation_content=_optional(body, "creation_content", dict, "an object") or {},
    )


def _reason(body: Mapping[str, Any]) -> str | None:
    return _optional(body, "reason", str, "a string")  # type: ignore[no-any-return]


def _user_id(body: Mapping[str, Any]) -> str:
    user_id = body.get("user_id")
    if not isinstance(user_id, str):
        raise BadJson("'user_id' must be a string")
    return parse_user_id(user_id)


class RoomEndpoints:
    def __init__(
        self,
        authenticator: Authenticator,
        creator: RoomCreator,
        membership: MembershipActions,
        history: RoomHistory,
        server_name: str,
    ) -> None:
        self._auth = authenticator
        self._creator = creator
        self._membership = membership
        self._history = history
        self._server_name = server_name

    async def create_room(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        room = room_request(await json_object(request))
        alias = None
        if room.room_alias_name is not None:
            alias = alias_for(room.room_alias_name, self._server_name)
        return ok({"room_id": await self._creator.create(who, room, alias)})

    async def join(self, request: Request) -> Response:
        """``/join/{roomIdOrAlias}`` and ``/rooms/{roomId}/join``."""
        who = await requester(request, self._auth)
        _reason(await json_object_or_empty(request))
        target = request.path_params.get("room_id_or_alias") or request.path_params["room_id"]
        return ok({"room_id": await self._membership.join(who, target)})

    async def invite(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        body = await json_object(request)
        room_id = request.path_params["room_id"]
        await self._membership.invite(who, room_id, _user_id(body), _reason(body))
        return ok()

    async def leave(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        body = await json_object_or_empty(request)
        await self._membership.leave(who, request.path_params["room_id"], _reason(body))
        return ok()

    async def forget(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        await json_object_or_empty(request)
        await self._membership.forget(who, request.path_params["room_id"])
        return ok()

    async def kick(self, request: Request) -> Response:
        return await self._moderate(request, self._membership.kick)

    async def ban(self, request: Request) -> Response:
        return await self._moderate(request, self._membership.ban)

    async def unban(self, request: Request) -> Response:
        return await self._moderate(request, self._membership.unban)

    async def _moderate(self, request: Request, action: Any) -> Response:
        who = await requester(request, self._auth)
        body = await json_object(request)
        await action(who, request.path_params["room_id"], _user_id(body), _reason(body))
        return ok()

    async def joined_rooms(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        return ok({"joined_rooms": await self._history.joined_rooms(who)})

    async def members(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        query = request.query_params
        chunk = await self._history.members(
            who,
            request.path_params["room_id"],
            at=query.get("at"),
            membership=query.get("membership"),
            not_membership=query.get("not_membership"),
        )
        return ok({"chunk": chunk})

    async def joined_members(self, request: Request) -> Response:
        who = await requester(request, self._auth)
        joined = await self._history.joined_members(who, request.path_params["room_id"])
        return ok({"joined": joined})
