"""Who may redact what: the spec's "Handling redactions" and Synapse's check on send."""

from __future__ import annotations

import pytest

from tessera.core.events.auth import may_redact, redaction_applies
from tessera.core.events.room_versions import ROOM_VERSIONS, RoomVersion
from tessera.core.events.signing import SigningKey
from tests.unit.events.world import ALICE, BOB, CAROL, standard_room


@pytest.fixture(params=["10", "11", "12"])
def version(request: pytest.FixtureRequest) -> RoomVersion:
    return ROOM_VERSIONS[request.param]


def test_users_may_redact_their_own_events_whatever_their_level(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = standard_room(version, server_key, "public")
    room.member(BOB, BOB, "join")
    assert may_redact(version, BOB, BOB, room.state, room.create)


def test_redacting_others_needs_the_redact_level(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = standard_room(version, server_key, "public")
    room.member(BOB, BOB, "join")
    base = {} if version.creators_outrank_power_levels else {ALICE: 100}
    room.power_levels(users={**base, BOB: 49}, redact=50)
    assert not may_redact(version, BOB, CAROL, room.state, room.create)
    assert may_redact(version, ALICE, BOB, room.state, room.create)
    room.power_levels(users={**base, BOB: 50}, redact=50)
    assert may_redact(version, BOB, CAROL, room.state, room.create)


def test_the_spec_rule_applies_same_server_redactions_and_the_redact_level(
    version: RoomVersion, server_key: SigningKey
) -> None:
    room = standard_room(version, server_key, "public")
    room.member(BOB, BOB, "join")
    room.member("@eve:other", "@eve:other", "join")
    original = room.send(BOB, "m.room.message", {"body": "hi"})
    local = room.send(ALICE, "m.room.redaction", {"redacts": original.event_id})
    foreign = room.send("@eve:other", "m.room.redaction", {"redacts": original.event_id})
    assert redaction_applies(version, local, original, room.state, room.create)
    assert not redaction_applies(version, foreign, original, room.state, room.create)
    base = {} if version.creators_outrank_power_levels else {ALICE: 100}
    room.power_levels(users={**base, "@eve:other": 50}, redact=50)
    assert redaction_applies(version, foreign, original, room.state, room.create)
