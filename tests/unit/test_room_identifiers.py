"""Room IDs and aliases as the room endpoints check them (spec: Appendices)."""

from __future__ import annotations

import pytest

from tessera.core.errors import MatrixError
from tessera.core.rooms.ids import alias_for, is_room_alias, is_room_id


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
