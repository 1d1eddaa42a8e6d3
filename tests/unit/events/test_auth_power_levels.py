"""Rules 6-11 of v12 (5-10 of v10/v11): events other than membership, and the
m.room.power_levels rules, one test per rule with its refusals."""

from __future__ import annotations

from typing import Any

import pytest

from tessera.core.events.auth import AuthError, check_auth
from tessera.core.events.room_versions import ROOM_VERSIONS, RoomVersion
from tessera.core.events.signing import SigningKey
from tests.unit.events.world import ALICE, BOB, CAROL, Room, standard_room

PL = "m.room.power_levels"
GREATER = "You don't have permission to add ops level greater than your own"
EQUAL = "You don't have permission to remove ops level equal to your own"
V12 = ROOM_VERSIONS["12"]


@pytest.fixture(params=["10", "11", "12"])
def version(request: pytest.FixtureRequest) -> RoomVersion:
    return ROOM_VERSIONS[request.param]


def users(version: RoomVersion, **levels: int) -> dict[str, int]:
    """Power levels ``users``: Alice 100 unless she is a (v12) creator, plus ``levels``
    given by localpart."""
    base = {} if version.creators_outrank_power_levels else {ALICE: 100}
    return {**base, **{f"@{name}:hs": level for name, level in levels.items()}}


def room_with_bob(version: RoomVersion, key: SigningKey, bob: int = 50, **content: Any) -> Room:
    room = standard_room(version, key, "public")
    room.member(BOB, BOB, "join")
    room.power_levels(users=users(version, bob=bob), **content)
    return room


# rule 6: the sender must be joined -------------------------------------------
def test_non_members_cannot_send(version: RoomVersion, server_key: SigningKey) -> None:
    room = room_with_bob(version, server_key)
    reason = room.refuses(CAROL, "m.room.message", {"body": "hi"})
    assert reason == f"User {CAROL} not in room {room.room_id}"
    room.member(BOB, BOB, "leave")
    assert f"User {BOB} not in room" in room.refuses(BOB, "m.room.message", {"body": "hi"})


# rule 7: m.room.third_party_invite -------------------------------------------
def test_third_party_invite_event_needs_the_invite_level(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = room_with_bob(version, server_key, bob=10, invite=20)
    assert "You don't have permission to invite users" in room.refuses(
        BOB, "m.room.third_party_invite", {}, "tok"
    )
    room.send(ALICE, "m.room.third_party_invite", {"display_name": "c"}, "tok")


# rule 8: the event type's required level -------------------------------------
def test_events_override_the_defaults(version: RoomVersion, server_key: SigningKey) -> None:
    room = room_with_bob(version, server_key, events={"m.room.message": 60, "m.room.name": 40})
    assert "user_level (50) < send_level (60)" in room.refuses(
        BOB, "m.room.message", {"body": "hi"}
    )
    room.send(BOB, "m.room.name", {"name": "n"}, "")  # 40 <= 50, though state_default is 50


def test_state_events_need_state_default(version: RoomVersion, server_key: SigningKey) -> None:
    room = room_with_bob(version, server_key, bob=49, state_default=50)
    assert "user_level (49) < send_level (50)" in room.refuses(
        BOB, "m.room.topic", {"topic": "t"}, ""
    )
    room.send(BOB, "m.room.message", {"body": "events_default is 0"})


def test_state_default_is_50_when_unset(version: RoomVersion, server_key: SigningKey) -> None:
    room = room_with_bob(version, server_key, bob=49)
    reason = room.refuses(BOB, "m.room.topic", {"topic": "t"}, "")
    assert reason == (
        "You don't have permission to post that to the room. user_level (49) < send_level (50)"
    )


def test_message_events_need_events_default(version: RoomVersion, server_key: SigningKey) -> None:
    room = room_with_bob(version, server_key, events_default=51)
    assert "user_level (50) < send_level (51)" in room.refuses(
        BOB, "m.room.message", {"body": "hi"}
    )
    room.send(ALICE, "m.room.message", {"body": "hi"})


def test_redactions_need_their_event_level_not_the_redact_level(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = room_with_bob(version, server_key, redact=100)
    room.send(BOB, "m.room.redaction", {"redacts": "$x"})  # the redact level is not checked here


def test_without_power_levels_anyone_joined_may_send_state(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = Room(version, server_key)
    room.member(ALICE, ALICE, "join")
    room.join_rule("public")
    room.member(BOB, BOB, "join")
    room.send(BOB, "m.room.topic", {"topic": "state_default is 0 without power levels"}, "")


# rule 9: state keys that are user IDs ------------------------------------------
def test_a_state_key_naming_another_user_is_rejected(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = room_with_bob(version, server_key, state_default=0)
    assert "not allowed to set others state" in room.refuses(BOB, "org.example.status", {}, ALICE)
    room.send(BOB, "org.example.status", {}, BOB)
    room.send(BOB, "org.example.status", {}, "not-a-user")


# rule 10.1-10.4: the shape of power levels -------------------------------------
@pytest.mark.parametrize(
    "name", ["users_default", "events_default", "state_default", "ban", "redact", "kick", "invite"]
)
@pytest.mark.parametrize("value", ["50", True, None, [50], {"a": 1}])
def test_levels_must_be_integers(
    version: RoomVersion, server_key: SigningKey, name: str, value: object
) -> None:
    room = room_with_bob(version, server_key)
    content = {"users": users(version), name: value}
    assert f"{name} must be an integer" in room.refuses(ALICE, PL, content, "")


@pytest.mark.parametrize("name", ["events", "notifications"])
@pytest.mark.parametrize("value", [[], "x", {"m.room.name": "50"}, {"room": False}])
def test_events_and_notifications_must_be_objects_of_integers(
    version: RoomVersion, server_key: SigningKey, name: str, value: object
) -> None:
    room = room_with_bob(version, server_key)
    content = {"users": users(version), name: value}
    assert f"{name} must be an object of integers" in room.refuses(ALICE, PL, content, "")


@pytest.mark.parametrize(
    "value", [[ALICE], {"bob": 50}, {"@bob": 50}, {BOB: "50"}, {BOB: True}, {BOB: None}]
)
def test_users_must_map_user_ids_to_integers(
    version: RoomVersion, server_key: SigningKey, value: object
) -> None:
    room = room_with_bob(version, server_key)
    assert "users must map user IDs" in room.refuses(ALICE, PL, {"users": value}, "")


def test_v12_creators_cannot_be_listed_in_users(server_key: SigningKey) -> None:
    room = Room(V12, server_key, additional_creators=[BOB])
    room.member(ALICE, ALICE, "join")
    reason = room.refuses(ALICE, PL, {"users": {ALICE: 100}}, "")
    assert "creators cannot be given a power level" in reason
    reason = room.refuses(ALICE, PL, {"users": {BOB: 50}}, "")
    assert "creators cannot be given a power level" in reason
    room.power_levels(users={CAROL: 50})


# rule 10.5: the first power levels event ---------------------------------------
def test_the_first_power_levels_event_may_set_anything(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = Room(version, server_key)
    room.member(ALICE, ALICE, "join")
    room.power_levels(users={BOB: 1000, **users(version)}, ban=1000, events={"x": 1000})


# rule 10.6: the named levels and defaults --------------------------------------
@pytest.mark.parametrize("name", ["users_default", "events_default", "state_default", "ban"])
def test_changing_a_level_from_or_to_above_your_own_is_rejected(
    version: RoomVersion, server_key: SigningKey, name: str
) -> None:
    # Bob may send power levels (events[PL] = 50) whatever the level under test is.
    base = {"users": users(version, bob=50), "events": {PL: 50}}
    room = room_with_bob(version, server_key, bob=50, events={PL: 50}, **{name: 60})
    assert room.refuses(BOB, PL, {**base, name: 40}, "") == GREATER
    assert room.refuses(BOB, PL, base, "") == GREATER  # removal
    room.power_levels(**base, **{name: 50})
    assert room.refuses(BOB, PL, {**base, name: 51}, "") == GREATER
    room.send(BOB, PL, {**base, name: 20}, "")  # at or below your level: allowed


def test_adding_a_level_above_your_own_is_rejected(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = room_with_bob(version, server_key, state_default=50)
    base = {"users": users(version, bob=50), "state_default": 50}
    assert room.refuses(BOB, PL, {**base, "kick": 51}, "") == GREATER
    room.send(BOB, PL, {**base, "kick": 50}, "")


# rules 10.7 and 10.8: events and notifications ---------------------------------
@pytest.mark.parametrize("name", ["events", "notifications"])
def test_event_and_notification_levels_above_your_own_are_out_of_reach(
    version: RoomVersion, server_key: SigningKey, name: str
) -> None:
    room = room_with_bob(version, server_key, state_default=50, **{name: {"high": 60, "low": 10}})
    base = {"users": users(version, bob=50), "state_default": 50}
    changed = {**base, name: {"high": 50, "low": 10}}
    assert room.refuses(BOB, PL, changed, "") == GREATER
    removed = {**base, name: {"low": 10}}
    assert room.refuses(BOB, PL, removed, "") == GREATER
    added = {**base, name: {"high": 60, "low": 10, "new": 51}}
    assert room.refuses(BOB, PL, added, "") == GREATER
    raised = {**base, name: {"high": 60, "low": 51}}
    assert room.refuses(BOB, PL, raised, "") == GREATER
    room.send(BOB, PL, {**base, name: {"high": 60, "low": 50, "new": 5}}, "")


# rules 10.9 and 10.10: users ---------------------------------------------------
def test_users_at_or_above_your_level_cannot_be_changed(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = room_with_bob(version, server_key)
    room.power_levels(users=users(version, bob=50, carol=50), state_default=50)
    demote_peer = {"users": users(version, bob=50, carol=0), "state_default": 50}
    assert room.refuses(BOB, PL, demote_peer, "") == EQUAL
    remove_peer = {"users": users(version, bob=50), "state_default": 50}
    assert room.refuses(BOB, PL, remove_peer, "") == EQUAL
    room.power_levels(users=users(version, bob=50, carol=60), state_default=50)
    demote_senior = {"users": users(version, bob=50, carol=0), "state_default": 50}
    assert room.refuses(BOB, PL, demote_senior, "") == GREATER


def test_you_may_lower_your_own_level(version: RoomVersion, server_key: SigningKey) -> None:
    room = room_with_bob(version, server_key, state_default=10)
    room.send(BOB, PL, {"users": users(version, bob=20), "state_default": 10}, "")


def test_others_may_be_raised_to_but_not_above_your_level(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = room_with_bob(version, server_key, state_default=50)
    above = {"users": users(version, bob=50, carol=51), "state_default": 50}
    assert room.refuses(BOB, PL, above, "") == GREATER
    raise_self = {"users": users(version, bob=51), "state_default": 50}
    assert room.refuses(BOB, PL, raise_self, "") == GREATER
    room.send(BOB, PL, {"users": users(version, bob=50, carol=50), "state_default": 50}, "")


def test_v12_creators_outrank_every_level(server_key: SigningKey) -> None:
    room = room_with_bob(V12, server_key, bob=100, state_default=100)
    room.power_levels(users={BOB: 9000}, ban=9000, state_default=9000)  # Alice: infinite
    room.member(ALICE, BOB, "ban")  # even a user at 9000
    bob_cannot = Room(V12, server_key, additional_creators=[BOB], name_seed="2")
    bob_cannot.member(ALICE, ALICE, "join")
    bob_cannot.join_rule("public")
    bob_cannot.member(BOB, BOB, "join")
    reason = bob_cannot.refuses(ALICE, "m.room.member", {"membership": "ban"}, BOB)
    assert reason == "You don't have permission to ban this user"  # creator vs creator


@pytest.mark.parametrize("version_id", ["10", "11"])
def test_before_v12_a_creator_listed_at_a_level_has_that_level(
    version_id: str, server_key: SigningKey
) -> None:
    version = ROOM_VERSIONS[version_id]
    room = room_with_bob(version, server_key)
    room.power_levels(users={ALICE: 50, BOB: 50})  # Alice demotes herself
    reason = room.refuses(ALICE, "m.room.member", {"membership": "ban"}, BOB)
    assert reason == "You don't have permission to ban this user"


def test_malformed_content_is_told_apart_from_a_forbidden_change(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = room_with_bob(version, server_key, events={PL: 50})

    def error(sender: str, event_type: str, content: dict[str, Any], key: str) -> AuthError:
        event, auth_state = room.event(sender, event_type, content, key)
        with pytest.raises(AuthError) as caught:
            check_auth(version, event, auth_state, room.create)
        return caught.value

    assert error(ALICE, PL, {"users": {BOB: "50"}}, "").malformed
    assert error(ALICE, "m.room.member", {"displayname": "no membership"}, ALICE).malformed
    assert error(ALICE, "m.room.member", {"membership": "party"}, ALICE).malformed
    forbidden = error(BOB, PL, {"users": users(version, bob=50), "events": {PL: 50}, "ban": 99}, "")
    assert forbidden.reason == GREATER and not forbidden.malformed
