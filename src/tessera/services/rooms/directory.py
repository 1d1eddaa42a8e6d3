"""Room aliases and the public room directory (spec: "Room aliases", "Room directory").

An alias may be removed by whoever made it, by a server admin, or by a member whose power
level lets them change ``m.room.canonical_alias`` (Synapse's rule).
"""

from __future__ import annotations

from typing import Any

from tessera.core.errors import ErrCode, Forbidden, MatrixError, NotFound
from tessera.core.models import Requester
from tessera.core.rooms.ids import parse_room_alias, parse_room_id
from tessera.services.rooms.access import room_view
from tessera.storage.ports import Store

#: What ``/publicRooms`` shows of each room's state.
_CHUNK_FIELDS = {
    ("m.room.name", "name"): "name",
    ("m.room.topic", "topic"): "topic",
    ("m.room.canonical_alias", "alias"): "canonical_alias",
    ("m.room.avatar", "url"): "avatar_url",
}


class RoomDirectory:
    def __init__(self, store: Store, server_name: str) -> None:
        self._store = store
        self._server_name = server_name

    def _local_alias(self, alias: str) -> str:
        parse_room_alias(alias)
        if alias.partition(":")[2] != self._server_name:
            raise MatrixError(ErrCode.INVALID_PARAM, "Room alias must be local")
        return alias

    async def resolve(self, alias: str) -> dict[str, Any]:
        parse_room_alias(alias)
        async with self._store.read() as txn:
            found = await txn.room_aliases.get(alias)
        if found is None:
            raise NotFound(f"Room alias {alias} not found")
        return {"room_id": found[0], "servers": [self._server_name]}

    async def add(self, who: Requester, alias: str, room_id: str) -> None:
        self._local_alias(alias)
        parse_room_id(room_id)
        async with self._store.write() as txn:
            view = await room_view(txn, who.user_id, room_id)
            if view.membership != "join" and not who.is_admin:
                raise Forbidden("You must be in the room to create an alias for it")
            if not await txn.room_aliases.add(alias, room_id, who.user_id):
                raise MatrixError(ErrCode.UNKNOWN, f"Room alias {alias} already exists", status=409)

    async def remove(self, who: Requester, alias: str) -> None:
        self._local_alias(alias)
        async with self._store.write() as txn:
            found = await txn.room_aliases.get(alias)
            if found is None:
                raise NotFound(f"Room alias {alias} not found")
            if found[1] != who.user_id and not who.is_admin:
                raise Forbidden("You don't have permission to delete the alias.")
            await txn.room_aliases.delete(alias)

    async def aliases(self, who: Requester, room_id: str) -> list[str]:
        parse_room_id(room_id)
        async with self._store.read() as txn:
            await room_view(txn, who.user_id, room_id)
            return list(await txn.room_aliases.of_room(room_id))

    async def visibility(self, room_id: str) -> str:
        parse_room_id(room_id)
        async with self._store.read() as txn:
            room = await txn.rooms.get(room_id)
        if room is None:
            raise NotFound("Unknown room")
        return "public" if room.is_public else "private"

    async def set_visibility(self, who: Requester, room_id: str, visibility: str) -> None:
        parse_room_id(room_id)
        async with self._store.write() as txn:
            view = await room_view(txn, who.user_id, room_id)
            if view.membership != "join" and not who.is_admin:
                raise Forbidden("You must be in the room to publish it")
            await txn.rooms.set_public(room_id, visibility == "public")

    async def public_rooms(self, search: str | None, limit: int, since: int) -> dict[str, Any]:
        """A page of the public rooms whose name, topic or alias contains ``search``."""
        chunk: list[dict[str, Any]] = []
        async with self._store.read() as txn:
            for room_id in await txn.rooms.public_room_ids():
                entry = await self._entry(room_id)
                if search and not _matches(entry, search):
                    continue
                chunk.append(entry)
        chunk.sort(key=lambda e: (-e["num_joined_members"], e["room_id"]))
        page = chunk[since : since + limit]
        result: dict[str, Any] = {"chunk": page, "total_room_count_estimate": len(chunk)}
        if since + limit < len(chunk):
            result["next_batch"] = f"p{since + limit}"
        if since > 0:
            result["prev_batch"] = f"p{max(0, since - limit)}"
        return result

    async def _entry(self, room_id: str) -> dict[str, Any]:
        async with self._store.read() as txn:
            state = await txn.room_state.current(room_id)
            joined = await txn.memberships.joined_count(room_id)
        entry: dict[str, Any] = {
            "room_id": room_id,
            "num_joined_members": joined,
            "world_readable": False,
            "guest_can_join": False,
            "join_rule": "invite",
        }
        for event in state:
            if event.state_key != "":
                continue
            for (event_type, key), name in _CHUNK_FIELDS.items():
                if event.type == event_type and isinstance(event.content.get(key), str):
                    entry[name] = event.content[key]
            if event.type == "m.room.join_rules":
                entry["join_rule"] = event.content.get("join_rule", "invite")
            if event.type == "m.room.history_visibility":
                entry["world_readable"] = (
                    event.content.get("history_visibility") == "world_readable"
                )
            if event.type == "m.room.guest_access":
                entry["guest_can_join"] = event.content.get("guest_access") == "can_join"
            if event.type == "m.room.create":
                entry["room_type"] = event.content.get("type")
        return entry


def _matches(entry: dict[str, Any], search: str) -> bool:
    needle = search.casefold()
    fields = (entry.get("name"), entry.get("topic"), entry.get("canonical_alias"))
    return any(isinstance(f, str) and needle in f.casefold() for f in fields)


def parse_since(token: str | None) -> int:
    """The offset in a ``/publicRooms`` ``since`` token (``p<offset>``)."""
    if not token:
        return 0
    if not token.startswith("p") or not token[1:].isdigit() or len(token) > 12:
        raise MatrixError(ErrCode.INVALID_PARAM, "Invalid since token")
    return int(token[1:])
