"""Finding the state before and after an event from the timelines of its keys."""

from __future__ import annotations

from tessera.core.rooms.visibility import value_at, value_before, visible

JOINED_AT_5_LEFT_AT_9 = [(5, "join"), (9, "leave")]


def test_values_before_and_at_a_position() -> None:
    assert value_before(JOINED_AT_5_LEFT_AT_9, 5, "leave") == "leave"
    assert value_at(JOINED_AT_5_LEFT_AT_9, 5, "leave") == "join"
    assert value_before(JOINED_AT_5_LEFT_AT_9, 9, "leave") == "join"
    assert value_at(JOINED_AT_5_LEFT_AT_9, 12, "leave") == "leave"
    assert value_before([], 3, "shared") == "shared"


def test_joined_visibility_shows_only_what_happened_while_joined() -> None:
    joined_only = [(1, "joined")]
    seen = [p for p in range(2, 12) if visible(p, JOINED_AT_5_LEFT_AT_9, joined_only, "leave")]
    # Their own join (5) and leave (9) included: before or after them, they were joined.
    assert seen == [5, 6, 7, 8, 9]


def test_shared_history_is_readable_by_whoever_is_joined_now() -> None:
    shared = [(1, "shared")]
    assert visible(3, [(5, "join")], shared, "join")
    assert not visible(3, JOINED_AT_5_LEFT_AT_9, shared, "leave")


def test_invited_visibility_includes_the_invite_period() -> None:
    invited = [(1, "invited")]
    memberships = [(4, "invite"), (6, "join")]
    assert visible(5, memberships, invited, "join")
    assert not visible(3, memberships, invited, "join")


def test_world_readable_is_for_everyone() -> None:
    assert visible(3, [], [(1, "world_readable")], "leave")
