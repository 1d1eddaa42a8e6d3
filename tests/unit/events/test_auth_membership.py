"""The m.room.member rules (rule 5 in v12, 4 in v10/v11), one test per sub-rule,
refusals included, on every room version."""

from __future__ import annotations

import pytest

from tessera.core.events.auth import AuthError
from tessera.core.events.room_versions import ROOM_VERSIONS, RoomVersion
from tessera.core.events.signing import SigningKey
from tests.unit.events.world import ALICE, BOB, CAROL, Room, standard_room

MEMBER = "m.room.member"


@pytest.fixture(params=["10", "11", "12"])
def version(request: pytest.FixtureRequest) -> RoomVersion:
    return ROOM_VERSIONS[request.param]


def room_with(version: RoomVersion, key: SigningKey, join_rule: str = "invite") -> Room:
    """Alice (100) and Bob (50) joined; Carol outside; kick/ban 50, invite 50."""
    room = standard_room(version, key, "public")
    room.member(BOB, BOB, "join")
    users = {BOB: 50} if version.creators_outrank_power_levels else {ALICE: 100, BOB: 50}
    room.power_levels(users=users, invite=50, kick=50, ban=50)
    room.join_rule(join_rule)
    return room


# 5.1 -----------------------------------------------------------------------
def test_member_event_without_membership_is_rejected(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = room_with(version, server_key)
    assert "content.membership" in room.refuses(ALICE, MEMBER, {"displayname": "A"}, ALICE)
    assert "content.membership" in room.refuses(ALICE, MEMBER, {"membership": 1}, ALICE)


def test_unknown_membership_is_rejected(version: RoomVersion, server_key: SigningKey) -> None:
    room = room_with(version, server_key)
    assert "Unknown membership" in room.refuses(ALICE, MEMBER, {"membership": "party"}, ALICE)


# 5.2 -----------------------------------------------------------------------
def test_authorising_user_of_a_server_that_did_not_sign_is_rejected(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = room_with(version, server_key, "restricted")
    content = {"membership": "join", "join_authorised_via_users_server": "@eve:other"}
    assert "not signed by authorising server" in room.refuses(CAROL, MEMBER, content, CAROL)


# 5.3 join --------------------------------------------------------------------
def test_creators_first_join_after_create_is_allowed(
    version: RoomVersion, server_key: SigningKey
) -> None:
    Room(version, server_key).member(ALICE, ALICE, "join")


def test_anyone_elses_first_join_after_create_is_rejected(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = Room(version, server_key)
    assert "not invited to this room." in room.refuses(BOB, MEMBER, {"membership": "join"}, BOB)


def test_v10_first_join_is_for_content_creator_not_the_sender(server_key: SigningKey) -> None:
    v10 = ROOM_VERSIONS["10"]
    room = Room(v10, server_key, sender=ALICE, creator=BOB)
    assert "not invited to this room." in room.refuses(ALICE, MEMBER, {"membership": "join"}, ALICE)
    room.member(BOB, BOB, "join")  # the creator by content, not the create's sender


def test_joining_on_behalf_of_another_user_is_rejected(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = room_with(version, server_key, "public")
    assert "Cannot force another user to join." in room.refuses(
        ALICE, MEMBER, {"membership": "join"}, CAROL
    )


def test_a_banned_user_cannot_join(version: RoomVersion, server_key: SigningKey) -> None:
    room = room_with(version, server_key, "public")
    room.member(ALICE, CAROL, "ban")
    assert "You are banned from this room" in room.refuses(
        CAROL, MEMBER, {"membership": "join"}, CAROL
    )


@pytest.mark.parametrize("join_rule", ["invite", "knock"])
def test_invite_and_knock_rooms_admit_the_invited_only(
    version: RoomVersion, server_key: SigningKey, join_rule: str
) -> None:
    room = room_with(version, server_key, join_rule)
    assert "not invited to this room." in room.refuses(CAROL, MEMBER, {"membership": "join"}, CAROL)
    room.member(ALICE, CAROL, "invite")
    room.member(CAROL, CAROL, "join")
    room.member(CAROL, CAROL, "join", displayname="Carol")  # joined may re-join (profile)


@pytest.mark.parametrize("join_rule", ["restricted", "knock_restricted"])
def test_restricted_rooms_admit_the_invited(
    version: RoomVersion, server_key: SigningKey, join_rule: str
) -> None:
    room = room_with(version, server_key, join_rule)
    room.member(ALICE, CAROL, "invite")
    room.member(CAROL, CAROL, "join")


@pytest.mark.parametrize("join_rule", ["restricted", "knock_restricted"])
def test_restricted_join_needs_a_joined_authoriser_with_invite_power(
    version: RoomVersion, server_key: SigningKey, join_rule: str
) -> None:
    room = room_with(version, server_key, join_rule)
    join = {"membership": "join"}
    assert "missing authorising user" in room.refuses(CAROL, MEMBER, join, CAROL)
    via = {**join, "join_authorised_via_users_server": "@dave:hs"}  # not a member
    assert "User @dave:hs not in room" in room.refuses(CAROL, MEMBER, via, CAROL)
    room.power_levels(users=room.state[("m.room.power_levels", "")].content["users"], invite=60)
    via_bob = {**join, "join_authorised_via_users_server": BOB}  # joined, level 50 < 60
    assert "authorised by invalid server" in room.refuses(CAROL, MEMBER, via_bob, CAROL)
    room.member(CAROL, CAROL, "join", join_authorised_via_users_server=ALICE)


def test_public_rooms_admit_anyone(version: RoomVersion, server_key: SigningKey) -> None:
    room_with(version, server_key, "public").member(CAROL, CAROL, "join")


@pytest.mark.parametrize("join_rule", ["private", "secret"])
def test_other_join_rules_admit_nobody(
    version: RoomVersion, server_key: SigningKey, join_rule: str
) -> None:
    room = room_with(version, server_key, join_rule)
    assert "not allowed to join this room" in room.refuses(
        CAROL, MEMBER, {"membership": "join"}, CAROL
    )


# 5.4 invite ------------------------------------------------------------------
def test_third_party_invites_are_refused_as_unsupported(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = room_with(version, server_key)
    content = {"membership": "invite", "third_party_invite": {"signed": {"mxid": CAROL}}}
    assert "Third-party invites are not supported" in room.refuses(ALICE, MEMBER, content, CAROL)


def test_inviter_must_be_joined(version: RoomVersion, server_key: SigningKey) -> None:
    room = room_with(version, server_key)
    assert "@carol:hs not in room" in room.refuses(
        CAROL, MEMBER, {"membership": "invite"}, "@dave:hs"
    )


def test_joined_or_banned_users_cannot_be_invited(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = room_with(version, server_key)
    assert "@bob:hs is already in the room." in room.refuses(
        ALICE, MEMBER, {"membership": "invite"}, BOB
    )
    room.member(ALICE, CAROL, "ban")
    assert "@carol:hs is banned from the room" in room.refuses(
        ALICE, MEMBER, {"membership": "invite"}, CAROL
    )


def test_inviting_needs_the_invite_level(version: RoomVersion, server_key: SigningKey) -> None:
    room = room_with(version, server_key)
    users = dict(room.state[("m.room.power_levels", "")].content["users"])
    room.power_levels(users={**users, BOB: 49}, invite=50)
    assert "You don't have permission to invite users" in room.refuses(
        BOB, MEMBER, {"membership": "invite"}, CAROL
    )
    room.power_levels(users={**users, BOB: 50}, invite=50)
    room.member(BOB, CAROL, "invite")  # exactly the invite level is enough


# 5.5 leave -------------------------------------------------------------------
@pytest.mark.parametrize("before", ["join", "invite", "knock"])
def test_leaving_yourself_is_allowed_from_join_invite_or_knock(
    version: RoomVersion, server_key: SigningKey, before: str
) -> None:
    room = room_with(version, server_key, "knock")
    if before == "invite":
        room.member(ALICE, CAROL, "invite")
    elif before == "knock":
        room.member(CAROL, CAROL, "knock")
    else:
        room.member(ALICE, CAROL, "invite")
        room.member(CAROL, CAROL, "join")
    room.member(CAROL, CAROL, "leave")


@pytest.mark.parametrize("before", ["leave", "ban"])
def test_leaving_yourself_is_rejected_from_leave_or_ban(
    version: RoomVersion, server_key: SigningKey, before: str
) -> None:
    room = room_with(version, server_key)
    if before == "ban":
        room.member(ALICE, CAROL, "ban")
    assert "@carol:hs not in room" in room.refuses(CAROL, MEMBER, {"membership": "leave"}, CAROL)


def test_kicker_must_be_joined(version: RoomVersion, server_key: SigningKey) -> None:
    room = room_with(version, server_key)
    assert "@carol:hs not in room" in room.refuses(CAROL, MEMBER, {"membership": "leave"}, BOB)


def test_unbanning_needs_the_ban_level(version: RoomVersion, server_key: SigningKey) -> None:
    room = room_with(version, server_key)
    room.member(ALICE, CAROL, "ban")
    users = dict(room.state[("m.room.power_levels", "")].content["users"])
    room.power_levels(users=users, kick=50, ban=60)
    assert "You cannot unban user @carol:hs." in room.refuses(
        BOB, MEMBER, {"membership": "leave"}, CAROL
    )
    room.member(ALICE, CAROL, "leave")  # enough for kick and ban, above Carol


def test_kicking_needs_the_kick_level_and_a_lower_target(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = room_with(version, server_key, "public")
    room.member(CAROL, CAROL, "join")
    users = dict(room.state[("m.room.power_levels", "")].content["users"])
    room.power_levels(users={**users, CAROL: 50}, kick=50)
    assert "You cannot kick user @carol:hs." in room.refuses(
        BOB, MEMBER, {"membership": "leave"}, CAROL
    )
    room.power_levels(users={**users, CAROL: 10}, kick=60)
    assert "You cannot kick user @carol:hs." in room.refuses(
        BOB, MEMBER, {"membership": "leave"}, CAROL
    )
    room.power_levels(users={**users, CAROL: 10}, kick=50)
    room.member(BOB, CAROL, "leave")


# 5.6 ban ---------------------------------------------------------------------
def test_banner_must_be_joined(version: RoomVersion, server_key: SigningKey) -> None:
    room = room_with(version, server_key)
    assert "@carol:hs not in room" in room.refuses(CAROL, MEMBER, {"membership": "ban"}, BOB)


def test_banning_needs_the_ban_level_and_a_lower_target(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = room_with(version, server_key)
    reason = room.refuses(BOB, MEMBER, {"membership": "ban"}, ALICE)
    assert reason == "You don't have permission to ban this user"  # Alice outranks Bob
    users = dict(room.state[("m.room.power_levels", "")].content["users"])
    room.power_levels(users=users, ban=51)
    reason = room.refuses(BOB, MEMBER, {"membership": "ban"}, CAROL)
    assert reason == "You don't have permission to ban"  # Bob is below the ban level
    room.member(ALICE, BOB, "ban")
    room.member(ALICE, CAROL, "ban")  # not a member: may still be banned


# 5.7 knock -------------------------------------------------------------------
@pytest.mark.parametrize("join_rule", ["public", "invite", "restricted"])
def test_knocking_is_refused_unless_the_join_rule_allows_it(
    version: RoomVersion, server_key: SigningKey, join_rule: str
) -> None:
    room = room_with(version, server_key, join_rule)
    assert "You don't have permission to knock" in room.refuses(
        CAROL, MEMBER, {"membership": "knock"}, CAROL
    )


@pytest.mark.parametrize("join_rule", ["knock", "knock_restricted"])
def test_knocking_is_allowed_where_the_join_rule_says_so(
    version: RoomVersion, server_key: SigningKey, join_rule: str
) -> None:
    room_with(version, server_key, join_rule).member(CAROL, CAROL, "knock")


def test_knocking_on_behalf_of_another_user_is_rejected(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = room_with(version, server_key, "knock")
    assert "You cannot knock for other users" in room.refuses(
        ALICE, MEMBER, {"membership": "knock"}, CAROL
    )


@pytest.mark.parametrize("before", ["invite", "join", "ban"])
def test_invited_joined_or_banned_users_cannot_knock(
    version: RoomVersion, server_key: SigningKey, before: str
) -> None:
    room = room_with(version, server_key, "knock")
    if before == "ban":
        room.member(ALICE, CAROL, "ban")
    else:
        room.member(ALICE, CAROL, "invite")
        if before == "join":
            room.member(CAROL, CAROL, "join")
    expected = {
        "invite": "You are already invited to this room",
        "join": "You cannot knock on a room you are already in",
        "ban": "You are banned from this room",
    }[before]
    assert room.refuses(CAROL, MEMBER, {"membership": "knock"}, CAROL) == expected


def test_refusals_raise_auth_error_with_the_reason(server_key: SigningKey) -> None:
    room = room_with(ROOM_VERSIONS["12"], server_key)
    with pytest.raises(AuthError) as caught:
        room.member(CAROL, CAROL, "join")
    assert str(caught.value) == caught.value.reason == "You are not invited to this room."
