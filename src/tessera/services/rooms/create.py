"""``createRoom`` (spec: "Creation"): the create event and the initial state, in one go.

The events and their order are Synapse's: create, the creator's join, power levels, the
canonical alias, join rules, history visibility, guest access, ``initial_state``, name,
topic, then the invites. They are stored in one transaction, so a room exists whole or not
at all.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tessera.core.errors import ErrCode, Forbidden, MatrixError
from tessera.core.events.builder import build_event
from tessera.core.events.room_versions import DEFAULT_ROOM_VERSION, ROOM_VERSIONS
from tessera.core.ids import parse_user_id, server_name_of
from tessera.core.models import Requester
from tessera.services.rate_limits import Limit
from tessera.services.rooms.timeline import RoomWriter, Timeline

PRESETS = ("private_chat", "public_chat", "trusted_private_chat")


@dataclass(frozen=True)
class RoomRequest:
    """What ``createRoom`` asked for, already checked for shape by the HTTP layer."""

    preset: str | None = None
    visibility: str = "private"
    name: str | None = None
    topic: str | None = None
    invite: Sequence[str] = ()
    is_direct: bool = False
    initial_state: Sequence[tuple[str, str, Mapping[str, Any]]] = ()
    room_alias_name: str | None = None
    power_level_content_override: Mapping[str, Any] | None = None
    room_version: str | None = None
    creation_content: Mapping[str, Any] = field(default_factory=dict)


class RoomCreator:
    def __init__(self, writer: RoomWriter, server_name: str, limit: Limit) -> None:
        self._writer = writer
        self._server_name = server_name
        #: ``rc_message``: creating a room counts as one action, as in Synapse.
        self._limit = limit

    async def create(
        self, who: Requester, request: RoomRequest, alias: str | None, *, ratelimit: bool = True
    ) -> str:
        """Create the room, binding ``alias`` (validated) in the same transaction; its ID.

        ``ratelimit=False`` is for the server acting on its own (auto-join rooms), as Synapse's.
        """
        if ratelimit:
            await self._limit.acquire(who.user_id)
        version = ROOM_VERSIONS.get(request.room_version or DEFAULT_ROOM_VERSION)
        if version is None:
            raise MatrixError(
                ErrCode.UNSUPPORTED_ROOM_VERSION,
                "Your homeserver does not support this room version",
            )
        for invitee in request.invite:
            parse_user_id(invitee)
            if server_name_of(invitee) != self._server_name:
                raise Forbidden("Federation is not supported: cannot invite remote users")
        preset = request.preset or (
            "public_chat" if request.visibility == "public" else "private_chat"
        )
        content: dict[str, Any] = {**request.creation_content, "room_version": version.identifier}
        if version.creator_in_content:
            content["creator"] = who.user_id
        else:
            content.pop("creator", None)
        if preset == "trusted_private_chat" and version.creators_outrank_power_levels:
            content["additional_creators"] = list(dict.fromkeys(request.invite))
        create = build_event(
            version=version,
            room_id=None if version.room_id_is_create_hash else self._new_room_id(),
            sender=who.user_id,
            event_type="m.room.create",
            content=content,
            state_key="",
            prev_event_ids=[],
            auth_event_ids=[],
            depth=1,
            origin_server_ts=self._writer.now(),
            origin=self._server_name,
            key=self._writer.signer.key,
        )
        async with self._writer.new_room(create, request.visibility == "public") as timeline:
            if alias is not None and not await timeline.txn.room_aliases.add(
                alias, create.room_id, who.user_id
            ):
                raise MatrixError(ErrCode.ROOM_IN_USE, "Room alias already taken")
            await self._initial_events(timeline, who.user_id, request, preset, alias)
        return create.room_id

    def _new_room_id(self) -> str:
        # Before v12 a room ID is random, as Synapse's: 18 letters and the server name.
        letters = "".join(secrets.choice(string.ascii_letters) for _ in range(18))
        return f"!{letters}:{self._server_name}"

    async def _initial_events(
        self, t: Timeline, creator: str, request: RoomRequest, preset: str, alias: str | None
    ) -> None:
        users = await t.txn.users.get(creator)
        member: dict[str, Any] = {"membership": "join"}
        if users is not None and users.display_name:
            member["displayname"] = users.display_name
        if users is not None and users.avatar_url:
            member["avatar_url"] = users.avatar_url
        await t.append(creator, "m.room.member", member, creator)
        initial = {(e_type, key): content for e_type, key, content in request.initial_state}
        await t.append(
            creator, "m.room.power_levels", self._power_levels(t, creator, request, preset), ""
        )
        defaults: list[tuple[str, dict[str, Any]]] = []
        if alias is not None:
            defaults.append(("m.room.canonical_alias", {"alias": alias}))
        public = preset == "public_chat"
        defaults += [
            ("m.room.join_rules", {"join_rule": "public" if public else "invite"}),
            ("m.room.history_visibility", {"history_visibility": "shared"}),
        ]
        if not public:
            defaults.append(("m.room.guest_access", {"guest_access": "can_join"}))
        for event_type, content in defaults:
            if (event_type, "") not in initial:
                await t.append(creator, event_type, content, "")
        for (event_type, key), state in initial.items():
            await t.append(creator, event_type, state, key)
        if request.name is not None:
            await t.append(creator, "m.room.name", {"name": request.name}, "")
        if request.topic is not None:
            await t.append(creator, "m.room.topic", {"topic": request.topic}, "")
        for invitee in dict.fromkeys(request.invite):
            invite: dict[str, Any] = {"membership": "invite"}
            if request.is_direct:
                invite["is_direct"] = True
            await t.append(creator, "m.room.member", invite, invitee)

    def _power_levels(
        self, t: Timeline, creator: str, request: RoomRequest, preset: str
    ) -> dict[str, Any]:
        users: dict[str, int] = {}
        if not t.version.creators_outrank_power_levels:
            users[creator] = 100
            if preset == "trusted_private_chat":
                users.update({invitee: 100 for invitee in request.invite})
        content: dict[str, Any] = {
            "users": users,
            "users_default": 0,
            "events": {
                "m.room.name": 50,
                "m.room.power_levels": 100,
                "m.room.history_visibility": 100,
                "m.room.canonical_alias": 50,
                "m.room.avatar": 50,
                "m.room.tombstone": 100,
                "m.room.server_acl": 100,
                "m.room.encryption": 100,
            },
            "events_default": 0,
            "state_default": 50,
            "ban": 50,
            "kick": 50,
            "redact": 50,
            "invite": 50 if preset == "public_chat" else 0,
            "historical": 100,
        }
        content.update(request.power_level_content_override or {})
        return content
