"""Power level arithmetic: defaults, creators per version, infinite v12 creators."""

from __future__ import annotations

import math

import pytest

from tessera.core.events.auth import creators, user_power_level
from tessera.core.events.power_levels import (
    is_valid_user_id,
    named_level,
    required_power_level,
)
from tessera.core.events.room_versions import ROOM_VERSIONS, RoomVersion
from tessera.core.events.signing import SigningKey
from tests.unit.events.world import ALICE, BOB, CAROL, Room

V10, V11, V12 = (ROOM_VERSIONS[v] for v in ("10", "11", "12"))


def test_creators_per_version(server_key: SigningKey) -> None:
    assert creators(V10, Room(V10, server_key, sender=ALICE, creator=BOB).create) == {BOB}
    assert creators(V11, Room(V11, server_key, additional_creators=[BOB]).create) == {ALICE}
    assert creators(V12, Room(V12, server_key, additional_creators=[BOB]).create) == {ALICE, BOB}


@pytest.mark.parametrize("version", [V10, V11])
def test_without_power_levels_the_creator_has_100_and_others_0(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = Room(version, server_key)
    assert user_power_level(room.version, ALICE, room.state, room.create) == 100
    assert user_power_level(room.version, BOB, room.state, room.create) == 0


def test_v12_creators_are_infinite_with_or_without_power_levels(server_key: SigningKey) -> None:
    room = Room(V12, server_key, additional_creators=[BOB])
    for user in (ALICE, BOB):
        assert user_power_level(V12, user, room.state, room.create) == math.inf
    room.member(ALICE, ALICE, "join")
    room.power_levels(users={CAROL: 100}, users_default=5)
    assert user_power_level(V12, ALICE, room.state, room.create) == math.inf
    assert user_power_level(V12, CAROL, room.state, room.create) == 100
    assert user_power_level(V12, "@dave:hs", room.state, room.create) == 5


def test_users_default_applies_to_unlisted_users(server_key: SigningKey) -> None:
    room = Room(V11, server_key)
    room.member(ALICE, ALICE, "join")
    room.power_levels(users={ALICE: 100})
    assert user_power_level(V11, BOB, room.state, room.create) == 0
    room.power_levels(users={ALICE: 100}, users_default=20)
    assert user_power_level(V11, BOB, room.state, room.create) == 20


def test_named_and_required_levels_and_their_defaults(server_key: SigningKey) -> None:
    room = Room(V11, server_key)
    assert required_power_level(room.state, "m.room.name", is_state=True) == 0  # no PL event
    room.member(ALICE, ALICE, "join")
    room.power_levels(users={ALICE: 100})
    assert [named_level(room.state, n) for n in ("ban", "kick", "redact", "invite")] == [
        50,
        50,
        50,
        0,
    ]
    assert required_power_level(room.state, "m.room.name", is_state=True) == 50
    assert required_power_level(room.state, "m.room.message", is_state=False) == 0
    room.power_levels(users={ALICE: 100}, events={"m.room.message": 7}, invite=3)
    assert required_power_level(room.state, "m.room.message", is_state=False) == 7
    assert named_level(room.state, "invite") == 3


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("@alice:hs", True),
        ("@Old_Style=Id!:hs.example:8448", True),  # historical localparts are accepted
        ("@a:[::1]:8448", True),
        ("alice:hs", False),
        ("@alice", False),
        ("@:hs", False),
        ("@a\x00b:hs", False),
        ("@" + "a" * 252 + ":hs", False),  # 256 bytes
        (5, False),
    ],
)
def test_user_id_validation(value: object, valid: bool) -> None:
    assert is_valid_user_id(value) is valid
