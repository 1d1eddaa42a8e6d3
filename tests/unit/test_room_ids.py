"""``core.room_ids``: the shapes of room and event IDs."""

from __future__ import annotations

import pytest

from tessera.core.room_ids import is_event_id, is_room_id


@pytest.mark.parametrize(
    "room_id",
    [
        "!abc:example.org",
        "!abc:example.org:8448",
        "!abc:[::1]:8448",
        "!abc:127.0.0.1",
        "!a/b=c+d:example.org",  # the opaque part of an older room ID is anything
        "!bWFkZSB1cCByZWZlcmVuY2UgaGFzaA",  # room version 12: unpadded URL-safe base64
        "!abc_-XYZ09",
    ],
)
def test_well_formed_room_ids(room_id: str) -> None:
    assert is_room_id(room_id)


@pytest.mark.parametrize(
    "room_id",
    [
        "",
        "!",
        "abc:example.org",
        "#alias:example.org",
        "!:example.org",
        "!abc:",
        "!abc:exa mple.org",
        "!abc:example.org:port",
        "!abc+def",  # not URL-safe base64
        "!abc=",  # padded
        "!abc:example.org\x00",
        "!\ud800:example.org",
        "!" + "a" * 250 + ":example.org",
    ],
)
def test_malformed_room_ids(room_id: str) -> None:
    assert not is_room_id(room_id)


@pytest.mark.parametrize(
    "event_id", ["$abc", "$abc:example.org", "$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg"]
)
def test_well_formed_event_ids(event_id: str) -> None:
    assert is_event_id(event_id)


@pytest.mark.parametrize("event_id", ["", "$", "abc", "!abc:hs", "$a\x00", "$" + "a" * 255])
def test_malformed_event_ids(event_id: str) -> None:
    assert not is_event_id(event_id)
