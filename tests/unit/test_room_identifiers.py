"""``core.rooms.ids``: room IDs, event IDs and aliases (spec: Appendices)."""

from __future__ import annotations

import pytest

from tessera.core.errors import MatrixError
from tessera.core.rooms.ids import alias_for, is_event_id, is_room_alias, is_room_id


@pytest.mark.parametrize(
    "text", ["!abc:example.com", "!Sv7HMoxqK2tGC1kTnHWWwzIxqkfR3yr2Q4m6Ub5Nu4A"]
)
def test_room_ids_of_every_version_are_accepted(text: str) -> None:
    assert is_room_id(text)


@pytest.mark.parametrize("text", ["", "!", "abc", "#a:b", "!a b", "!a\x00", "!" + "a" * 255])
def test_malformed_room_ids_are_refused(text: str) -> None:
    assert not is_room_id(text)


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("#tea:example.com", True),
        ("#tea", False),
        ("#:x", False),
        ("tea:x", False),
        ("#a b:x", False),
    ],
)
def test_aliases(text: str, ok: bool) -> None:
    assert is_room_alias(text) is ok


def test_room_alias_name_becomes_a_local_alias_or_a_400() -> None:
    assert alias_for("tea", "example.com") == "#tea:example.com"
    for bad in ("", "a:b", "a b", "x" * 300):
        with pytest.raises(MatrixError) as caught:
            alias_for(bad, "example.com")
        assert caught.value.status == 400


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
