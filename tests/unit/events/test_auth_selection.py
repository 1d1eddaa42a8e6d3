"""Auth events selection (Server-Server API, "Auth events selection")."""

from __future__ import annotations

from tessera.core.events.auth import auth_types_for_event
from tessera.core.events.room_versions import ROOM_VERSIONS

V11, V12 = ROOM_VERSIONS["11"], ROOM_VERSIONS["12"]
CREATE, PL, JR = ("m.room.create", ""), ("m.room.power_levels", ""), ("m.room.join_rules", "")
A, B = "@a:hs", "@b:hs"


def test_the_create_event_has_no_auth_events() -> None:
    assert auth_types_for_event(V11, "m.room.create", A, "", {}) == []


def test_a_message_needs_create_power_levels_and_the_senders_membership() -> None:
    assert auth_types_for_event(V11, "m.room.message", A, None, {}) == [
        CREATE,
        PL,
        ("m.room.member", A),
    ]


def test_v12_never_selects_the_create_event() -> None:
    assert auth_types_for_event(V12, "m.room.message", A, None, {}) == [PL, ("m.room.member", A)]


def test_joins_invites_and_knocks_add_the_target_and_join_rules() -> None:
    for membership in ("join", "invite", "knock"):
        keys = auth_types_for_event(V12, "m.room.member", A, B, {"membership": membership})
        assert keys == [PL, ("m.room.member", A), ("m.room.member", B), JR]
    leave = auth_types_for_event(V12, "m.room.member", A, B, {"membership": "leave"})
    assert leave == [PL, ("m.room.member", A), ("m.room.member", B)]


def test_own_membership_is_listed_once() -> None:
    keys = auth_types_for_event(V12, "m.room.member", A, A, {"membership": "join"})
    assert keys == [PL, ("m.room.member", A), JR]


def test_third_party_invites_add_the_invite_event_by_token() -> None:
    content = {"membership": "invite", "third_party_invite": {"signed": {"token": "tok"}}}
    keys = auth_types_for_event(V12, "m.room.member", A, B, content)
    assert keys[-1] == ("m.room.third_party_invite", "tok")


def test_restricted_joins_add_the_authorising_users_membership() -> None:
    content = {"membership": "join", "join_authorised_via_users_server": "@c:hs"}
    keys = auth_types_for_event(V12, "m.room.member", B, B, content)
    assert keys == [PL, ("m.room.member", B), JR, ("m.room.member", "@c:hs")]
