"""A room grown one real event at a time, for the authorization rule tests.

Every event is built, hashed and signed by ``build_event`` with the spec's
test key, its ``auth_events`` chosen by ``auth_types_for_event`` from the
current state, and checked by ``check_auth`` before it joins the state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tessera.core.events.auth import AuthError, StateKey, auth_types_for_event, check_auth
from tessera.core.events.builder import build_event
from tessera.core.events.model import Event
from tessera.core.events.room_versions import RoomVersion
from tessera.core.events.signing import SigningKey

ALICE, BOB, CAROL = "@alice:hs", "@bob:hs", "@carol:hs"


class Room:
    """One room's linear history and current state."""

    def __init__(
        self,
        version: RoomVersion,
        key: SigningKey,
        sender: str = ALICE,
        room_id: str = "!room:hs",
        **create_content: Any,
    ) -> None:
        self.version = version
        self.key = key
        content: dict[str, Any] = {"room_version": version.identifier, **create_content}
        if version.creator_in_content:
            content.setdefault("creator", sender)
        self.create = self._build(
            sender, "m.room.create", content, "",
            None if version.room_id_is_create_hash else room_id, [], [], 1,
        )  # fmt: skip
        check_auth(version, self.create, {}, self.create)
        self.room_id = self.create.room_id
        self.state: dict[StateKey, Event] = {("m.room.create", ""): self.create}
        self.last = self.create

    def _build(self, sender: str, event_type: str, content: Mapping[str, Any],
               state_key: str | None, room_id: str | None, prev: list[str], auth: list[str],
               depth: int) -> Event:  # fmt: skip
        return build_event(
            version=self.version, room_id=room_id, sender=sender, event_type=event_type,
            content=content, state_key=state_key, prev_event_ids=prev, auth_event_ids=auth,
            depth=depth, origin_server_ts=1_000 + depth, origin=sender.split(":", 1)[1],
            key=self.key,
        )  # fmt: skip

    def auth_state_for(
        self, sender: str, event_type: str, content: Mapping[str, Any], state_key: str | None
    ) -> dict[StateKey, Event]:
        """The auth events the selection algorithm picks from the current state."""
        keys = auth_types_for_event(self.version, event_type, sender, state_key, content)
        return {key: self.state[key] for key in keys if key in self.state}

    def event(
        self, sender: str, event_type: str, content: Mapping[str, Any],
        state_key: str | None = None,
    ) -> tuple[Event, dict[StateKey, Event]]:  # fmt: skip
        """An event that would come next, with its auth state (not checked, not applied)."""
        auth_state = self.auth_state_for(sender, event_type, content, state_key)
        event = self._build(
            sender, event_type, content, state_key, self.room_id, [self.last.event_id],
            [e.event_id for e in auth_state.values()], self.last.depth + 1,
        )  # fmt: skip
        return event, auth_state

    def send(
        self, sender: str, event_type: str, content: Mapping[str, Any],
        state_key: str | None = None,
    ) -> Event:  # fmt: skip
        """Build, check and apply an event; ``AuthError`` if the rules reject it."""
        event, auth_state = self.event(sender, event_type, content, state_key)
        check_auth(self.version, event, auth_state, self.create)
        self.last = event
        if state_key is not None:
            self.state[(event_type, state_key)] = event
        return event

    def member(self, sender: str, target: str, membership: str, **extra: Any) -> Event:
        return self.send(sender, "m.room.member", {"membership": membership, **extra}, target)

    def power_levels(self, sender: str = ALICE, **content: Any) -> Event:
        return self.send(sender, "m.room.power_levels", content, "")

    def join_rule(self, rule: str, sender: str = ALICE) -> Event:
        return self.send(sender, "m.room.join_rules", {"join_rule": rule}, "")

    def refuses(self, sender: str, event_type: str, content: Mapping[str, Any],
                state_key: str | None = None) -> str:  # fmt: skip
        """The reason the rules give for rejecting this event (fails if allowed)."""
        try:
            self.send(sender, event_type, content, state_key)
        except AuthError as error:
            return error.reason
        raise AssertionError(f"{event_type} from {sender} was allowed")


def standard_room(
    version: RoomVersion, key: SigningKey, join_rule: str = "invite", room_id: str = "!room:hs"
) -> Room:
    """Alice created and joined it; Alice 100 (v12: creator), ``join_rule`` set."""
    room = Room(version, key, room_id=room_id, name_seed=room_id)
    room.member(ALICE, ALICE, "join")
    users = {} if version.creators_outrank_power_levels else {ALICE: 100}
    room.power_levels(users=users)
    room.join_rule(join_rule)
    return room
