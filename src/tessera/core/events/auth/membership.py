"""The ``m.room.member`` authorization rules (rule 4 in v10/v11, rule 5 in v12).

Each function below is one sub-rule of the spec, named by the membership it
authorises; ``check_membership`` dispatches. Allowing is returning; rejecting
is raising ``AuthError``. Third-party invites are refused as unsupported
(Tessera has no identity server integration yet).
"""

from __future__ import annotations

from collections.abc import Mapping

from tessera.core.events.auth.errors import AuthError
from tessera.core.events.model import Event
from tessera.core.events.power_levels import (
    JOIN_RULES_KEY,
    StateKey,
    named_level,
    user_power_level,
)
from tessera.core.events.room_versions import RoomVersion

MEMBER = "m.room.member"
State = Mapping[StateKey, Event]


def membership_of(state: State, user_id: str) -> str:
    """A user's membership in ``state``; ``leave`` if they have no member event."""
    event = state.get((MEMBER, user_id))
    membership = event.content.get("membership") if event is not None else None
    return membership if isinstance(membership, str) else "leave"


def join_rule_of(state: State) -> str:
    """The room's join rule in ``state``; ``invite`` without a join rules event."""
    event = state.get(JOIN_RULES_KEY)
    rule = event.content.get("join_rule") if event is not None else None
    return rule if isinstance(rule, str) else "invite"


def check_membership(version: RoomVersion, event: Event, state: State, create: Event) -> None:
    """The member rules for ``event`` against the auth state.

    Raises:
        AuthError: the rules reject the event.
    """
    target = event.state_key
    membership = event.content.get("membership")
    if target is None or not isinstance(membership, str):
        raise AuthError("m.room.member needs a state_key and content.membership", malformed=True)
    authoriser = event.content.get("join_authorised_via_users_server")
    if authoriser is not None and not _signed_by_server_of(event, authoriser):
        raise AuthError("Join event not signed by authorising server")
    rule = _RULES.get(membership)
    if rule is None:
        raise AuthError(f"Unknown membership {membership!r}", malformed=True)
    rule(version, event, state, create, target)


def _join(version: RoomVersion, event: Event, state: State, create: Event, target: str) -> None:
    creator = create.content.get("creator") if version.creator_in_content else create.sender
    if event.prev_event_ids == (create.event_id,) and target == creator:
        return  # the creator's own join right after the create event
    if event.sender != target:
        raise AuthError("Cannot force another user to join.")
    current = membership_of(state, target)
    if current == "ban":
        raise AuthError("You are banned from this room")
    join_rule = join_rule_of(state)
    if join_rule in ("invite", "knock"):
        if current in ("invite", "join"):
            return
        raise AuthError("You are not invited to this room.")
    if join_rule in ("restricted", "knock_restricted"):
        if current in ("invite", "join"):
            return
        _check_authoriser(version, event, state, create)
        return
    if join_rule == "public":
        return
    raise AuthError("You are not allowed to join this room")


def _check_authoriser(version: RoomVersion, event: Event, state: State, create: Event) -> None:
    authoriser = event.content.get("join_authorised_via_users_server")
    if not isinstance(authoriser, str):
        raise AuthError("Join event is missing authorising user.")
    if membership_of(state, authoriser) != "join":
        raise AuthError(f"User {authoriser} not in room {event.room_id}")
    if user_power_level(version, authoriser, state, create) < named_level(state, "invite"):
        raise AuthError("Join event authorised by invalid server.")


def _invite(version: RoomVersion, event: Event, state: State, create: Event, target: str) -> None:
    if "third_party_invite" in event.content:
        raise AuthError("Third-party invites are not supported")
    if membership_of(state, event.sender) != "join":
        raise _not_in_room(event)
    current = membership_of(state, target)
    if current in ("join", "ban"):
        raise AuthError(
            f"{target} is banned from the room"
            if current == "ban"
            else f"{target} is already in the room."
        )
    if user_power_level(version, event.sender, state, create) >= named_level(state, "invite"):
        return
    raise AuthError("You don't have permission to invite users")


def _leave(version: RoomVersion, event: Event, state: State, create: Event, target: str) -> None:
    if event.sender == target:
        if membership_of(state, target) in ("invite", "join", "knock"):
            return
        raise _not_in_room(event)
    if membership_of(state, event.sender) != "join":
        raise _not_in_room(event)
    sender_level = user_power_level(version, event.sender, state, create)
    if membership_of(state, target) == "ban" and sender_level < named_level(state, "ban"):
        raise AuthError(f"You cannot unban user {target}.")
    target_level = user_power_level(version, target, state, create)
    if sender_level >= named_level(state, "kick") and target_level < sender_level:
        return
    raise AuthError(f"You cannot kick user {target}.")


def _ban(version: RoomVersion, event: Event, state: State, create: Event, target: str) -> None:
    if membership_of(state, event.sender) != "join":
        raise _not_in_room(event)
    sender_level = user_power_level(version, event.sender, state, create)
    if sender_level < named_level(state, "ban"):
        raise AuthError("You don't have permission to ban")
    if user_power_level(version, target, state, create) >= sender_level:
        raise AuthError("You don't have permission to ban this user")


def _knock(version: RoomVersion, event: Event, state: State, create: Event, target: str) -> None:
    if join_rule_of(state) not in ("knock", "knock_restricted"):
        raise AuthError("You don't have permission to knock")
    if event.sender != target:
        raise AuthError("You cannot knock for other users")
    current = membership_of(state, target)
    if current in _KNOCK_REFUSALS:
        raise AuthError(_KNOCK_REFUSALS[current])


def _not_in_room(event: Event) -> AuthError:
    return AuthError(f"{event.sender} not in room {event.room_id}.")


_KNOCK_REFUSALS = {
    "join": "You cannot knock on a room you are already in",
    "invite": "You are already invited to this room",
    "ban": "You are banned from this room",
}


def _signed_by_server_of(event: Event, user_id: object) -> bool:
    # Presence of the server's signature, as Synapse checks it here: verifying
    # it cryptographically is the job of receipt checks (federation, later).
    if not isinstance(user_id, str) or ":" not in user_id:
        return False
    signatures = event.pdu.get("signatures")
    return isinstance(signatures, Mapping) and user_id.split(":", 1)[1] in signatures


_RULES = {
    "join": _join,
    "invite": _invite,
    "leave": _leave,
    "ban": _ban,
    "knock": _knock,
}
