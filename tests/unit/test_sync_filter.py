"""``core.sync.filter``: parsing filter JSON into typed values, and what each part matches."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tessera.core.sync.filter import (
    EventFilter,
    Filter,
    FilterError,
    RoomEventFilter,
    RoomFilter,
    parse_filter,
)

MESSAGE = {"type": "m.room.message", "sender": "@alice:hs", "room_id": "!r:hs", "content": {}}


def test_the_empty_filter_is_the_default_and_lets_everything_through() -> None:
    parsed = parse_filter({})

    assert parsed == Filter()
    assert parsed.room.timeline.matches(MESSAGE)
    assert parsed.presence.matches({"type": "m.presence", "sender": "@bob:hs"})
    assert parsed.room.allows_room("!any:hs")
    assert parsed.event_format == "client"
    assert parsed.room.include_leave is False


def test_every_field_is_parsed() -> None:
    parsed = parse_filter(
        {
            "event_fields": ["type", "content.body"],
            "event_format": "federation",
            "presence": {"limit": 5, "senders": ["@a:hs"]},
            "account_data": {"types": ["m.*"], "not_types": ["m.push_rules"]},
            "room": {
                "rooms": ["!a:hs"],
                "not_rooms": ["!b:hs"],
                "include_leave": True,
                "timeline": {"limit": 20, "contains_url": True, "not_senders": ["@spam:hs"]},
                "state": {"lazy_load_members": True, "include_redundant_members": True},
                "ephemeral": {"types": ["m.receipt"]},
                "account_data": {"rooms": ["!a:hs"], "unread_thread_notifications": True},
            },
            "org.example.unknown": 1,
        }
    )

    assert parsed.event_fields == ("type", "content.body")
    assert parsed.event_format == "federation"
    assert parsed.presence == EventFilter(limit=5, senders=("@a:hs",))
    assert parsed.account_data == EventFilter(types=("m.*",), not_types=("m.push_rules",))
    assert parsed.room == RoomFilter(
        rooms=("!a:hs",),
        not_rooms=("!b:hs",),
        include_leave=True,
        timeline=RoomEventFilter(limit=20, contains_url=True, not_senders=("@spam:hs",)),
        state=RoomEventFilter(lazy_load_members=True, include_redundant_members=True),
        ephemeral=RoomEventFilter(types=("m.receipt",)),
        account_data=RoomEventFilter(rooms=("!a:hs",), unread_thread_notifications=True),
    )


@pytest.mark.parametrize(
    ("pattern", "event_type", "matches"),
    [
        ("m.room.message", "m.room.message", True),
        ("m.room.message", "m.room.messages", False),
        ("m.room.*", "m.room.message", True),
        ("m.room.*", "m.room.", True),
        ("m.room.*", "m.roomy", False),
        ("*", "anything", True),
        ("*.message", "m.room.message", True),
        ("m.*.member", "m.room.member", True),
        ("m.*.member", "m.room.members", False),
        # Only * is special: regex and fnmatch characters are themselves.
        ("m.room.messag?", "m.room.message", False),
        ("m.room.[a-z]", "m.room.x", False),
        ("m.room.[a-z]", "m.room.[a-z]", True),
        ("m.room.messag.", "m.room.messagex", False),
    ],
)
def test_type_patterns_know_only_the_star_wildcard(
    pattern: str, event_type: str, matches: bool
) -> None:
    assert EventFilter(types=(pattern,)).matches({"type": event_type}) is matches


def test_not_types_win_over_types_and_not_senders_over_senders() -> None:
    types = EventFilter(types=("m.*",), not_types=("m.room.message",))
    senders = EventFilter(senders=("@alice:hs",), not_senders=("@alice:hs",))

    assert not types.matches(MESSAGE)
    assert types.matches({**MESSAGE, "type": "m.room.topic"})
    assert not senders.matches(MESSAGE)


def test_an_empty_types_list_matches_nothing_and_an_absent_one_everything() -> None:
    assert not EventFilter(types=()).matches(MESSAGE)
    assert EventFilter(types=None).matches(MESSAGE)
    assert not EventFilter(senders=()).matches(MESSAGE)


def test_senders_restrict_to_those_listed() -> None:
    only_bob = EventFilter(senders=("@bob:hs",))

    assert not only_bob.matches(MESSAGE)
    assert only_bob.matches({**MESSAGE, "sender": "@bob:hs"})


def test_room_event_filters_check_rooms_and_urls() -> None:
    rooms = RoomEventFilter(rooms=("!r:hs", "!s:hs"), not_rooms=("!s:hs",))
    with_url = RoomEventFilter(contains_url=True)
    without_url = RoomEventFilter(contains_url=False)
    image = {**MESSAGE, "content": {"url": "mxc://hs/abc"}}

    assert rooms.matches(MESSAGE)
    assert not rooms.matches({**MESSAGE, "room_id": "!s:hs"})
    assert not rooms.matches({**MESSAGE, "room_id": "!t:hs"})
    assert with_url.matches(image)
    assert not with_url.matches(MESSAGE)
    assert not with_url.matches({**MESSAGE, "content": {"url": 5}})
    assert without_url.matches(MESSAGE)
    assert not without_url.matches(image)


def test_room_event_filters_also_apply_event_rules() -> None:
    flt = RoomEventFilter(rooms=("!r:hs",), not_types=("m.room.*",))

    assert not flt.matches(MESSAGE)


def test_the_room_filter_decides_which_rooms_appear() -> None:
    room = parse_filter({"room": {"rooms": ["!a:hs", "!b:hs"], "not_rooms": ["!b:hs"]}}).room

    assert room.allows_room("!a:hs")
    assert not room.allows_room("!b:hs")
    assert not room.allows_room("!c:hs")


def test_events_without_a_type_pass_only_unrestricted_filters() -> None:
    assert EventFilter().matches({"sender": "@a:hs"})
    assert not EventFilter(types=("*",)).matches({"sender": "@a:hs"})


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"event_fields": "type"}, "event_fields"),
        ({"event_fields": [1]}, "event_fields"),
        ({"event_format": "xml"}, "event_format"),
        ({"event_format": None}, "event_format"),
        ({"presence": []}, "presence"),
        ({"presence": None}, "presence"),
        ({"presence": {"limit": -1}}, "presence.limit"),
        ({"presence": {"limit": -3}}, "presence.limit"),
        ({"presence": {"limit": 2.5}}, "presence.limit"),
        ({"presence": {"limit": True}}, "presence.limit"),
        ({"presence": {"limit": None}}, "presence.limit"),
        ({"account_data": {"not_senders": "@a:hs"}}, "account_data.not_senders"),
        ({"room": "all"}, "room"),
        ({"room": {"rooms": [None]}}, "room.rooms"),
        ({"room": {"include_leave": "true"}}, "room.include_leave"),
        ({"room": {"timeline": {"contains_url": 1}}}, "room.timeline.contains_url"),
        ({"room": {"state": {"lazy_load_members": None}}}, "room.state.lazy_load_members"),
        ({"room": {"ephemeral": {"not_rooms": {}}}}, "room.ephemeral.not_rooms"),
        ({"room": {"account_data": 5}}, "room.account_data"),
    ],
)
def test_malformed_filters_are_refused_naming_the_key(raw: dict[str, Any], key: str) -> None:
    with pytest.raises(FilterError) as caught:
        parse_filter(raw)

    assert f"'{key}'" in str(caught.value)


_TYPE = st.text(alphabet="abm.*?[]-_", max_size=12)


@given(pattern=_TYPE, event_type=st.text(alphabet="abm.?[]-_", max_size=12))
def test_a_pattern_without_a_star_matches_only_itself(pattern: str, event_type: str) -> None:
    literal = pattern.replace("*", "")

    assert EventFilter(types=(literal,)).matches({"type": event_type}) is (literal == event_type)


@given(prefix=_TYPE.map(lambda s: s.replace("*", "")), rest=st.text(max_size=12))
def test_a_trailing_star_matches_every_continuation(prefix: str, rest: str) -> None:
    assert EventFilter(types=(prefix + "*",)).matches({"type": prefix + rest})


def test_a_limit_of_zero_asks_for_none_as_in_synapse() -> None:
    parsed = parse_filter({"room": {"account_data": {"limit": 0}, "timeline": {"limit": 0}}})

    assert parsed.room.account_data.limit == 0
    assert parsed.room.timeline.limit == 0
