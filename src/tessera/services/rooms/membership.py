"""Membership (spec: "Room membership"): invite, join, leave, kick, ban, unban, forget.

Every change is an ``m.room.member`` event appended through the room's ``Timeline``, so
the authorization rules decide (403 with their reason) and memberships, state and sync
follow from the one event. Inviting a well-formed local user who has never logged in is
allowed, as in Synapse: JWT users exist from their first login, and a room can be
prepared for them before it.
"""

from __future__ import annotations

from typing import Any

from tessera.core.errors import ErrCode, Forbidden, MatrixError, NotFound
from tessera.core.ids import parse_user_id, server_name_of
from tessera.core.models import Requester
from tessera.core.rooms.ids import is_room_alias, parse_room_id
from tessera.services.rate_limits import Limit
from tessera.services.rooms.timeline import RoomWriter
from tessera.storage.ports import Store


class MembershipActions:
    def __init__(self, store: Store, writer: RoomWriter, server_name: str, joins: Limit) -> None:
        self._store = store
        self._writer = writer
        self._server_name = server_name
        #: ``rc_joins.local``, per user.
        self._joins = joins

    async def join(self, who: Requester, room_id_or_alias: str, *, ratelimit: bool = True) -> str:
        """Join a room by ID or alias; the room ID. ``ratelimit=False``: a server-made join."""
        room_id = await self.resolve(room_id_or_alias)
        if ratelimit:
            await self._joins.acquire(who.user_id)
        content: dict[str, Any] = {"membership": "join"}
        async with self._store.read() as txn:
            user = await txn.users.get(who.user_id)
        if user is not None and user.display_name:
            content["displayname"] = user.display_name
        if user is not None and user.avatar_url:
            content["avatar_url"] = user.avatar_url
        await self._member(who, room_id, who.user_id, content)
        return room_id

    async def resolve(self, room_id_or_alias: str) -> str:
        """The room ID for a room ID or one of this server's aliases (404 if unknown)."""
        if not is_room_alias(room_id_or_alias):
            return parse_room_id(room_id_or_alias)
        async with self._store.read() as txn:
            found = await txn.room_aliases.get(room_id_or_alias)
        if found is None:
            raise NotFound(f"Room alias {room_id_or_alias} not found")
        return found[0]

    async def invite(self, who: Requester, room_id: str, user_id: str, reason: str | None) -> None:
        self._local_user(user_id)
        await self._member(who, room_id, user_id, _content("invite", reason))

    async def leave(self, who: Requester, room_id: str, reason: str | None) -> None:
        await self._member(who, room_id, who.user_id, _content("leave", reason))

    async def kick(self, who: Requester, room_id: str, user_id: str, reason: str | None) -> None:
        parse_user_id(user_id)
        await self._member(
            who, room_id, user_id, _content("leave", reason), expect={"join", "invite", "knock"}
        )

    async def ban(self, who: Requester, room_id: str, user_id: str, reason: str | None) -> None:
        parse_user_id(user_id)
        await self._member(who, room_id, user_id, _content("ban", reason))

    async def unban(self, who: Requester, room_id: str, user_id: str, reason: str | None) -> None:
        parse_user_id(user_id)
        await self._member(who, room_id, user_id, _content("leave", reason), expect={"ban"})

    async def forget(self, who: Requester, room_id: str) -> None:
        """Forget a room the user has left (400 while still joined)."""
        parse_room_id(room_id)
        async with self._store.write() as txn:
            membership = await txn.memberships.get(room_id, who.user_id)
            if membership is None:
                raise NotFound(f"User {who.user_id} is not in room {room_id}")
            if membership.membership in ("join", "invite", "knock"):
                raise MatrixError(ErrCode.UNKNOWN, "User is in room", status=400)
            await txn.memberships.forget(room_id, who.user_id)

    def _local_user(self, user_id: str) -> None:
        parse_user_id(user_id)
        if server_name_of(user_id) != self._server_name:
            raise Forbidden("Federation is not supported: cannot invite remote users")

    async def _member(
        self,
        who: Requester,
        room_id: str,
        target: str,
        content: dict[str, Any],
        expect: set[str] | None = None,
    ) -> None:
        parse_room_id(room_id)
        async with self._writer.timeline(room_id) as timeline:
            if expect is not None:
                current = await timeline.state("m.room.member", target)
                membership = current.membership if current is not None else None
                if membership not in expect:
                    verb = "unban" if expect == {"ban"} else "kick"
                    raise Forbidden(f"Cannot {verb} user {target}: not {'/'.join(sorted(expect))}")
            await timeline.append(who.user_id, "m.room.member", content, target)


def _content(membership: str, reason: str | None) -> dict[str, Any]:
    content: dict[str, Any] = {"membership": membership}
    if reason is not None:
        content["reason"] = reason
    return content
