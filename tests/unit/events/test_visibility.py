"""History visibility (Client-Server API, "Room History Visibility", server
behaviour): the spec's five steps, value by value."""

from __future__ import annotations

import pytest

from tessera.core.events.visibility import history_visibility, may_see_event

MEMBERSHIPS = [None, "join", "invite", "leave", "ban", "knock"]


@pytest.mark.parametrize("membership", MEMBERSHIPS)
@pytest.mark.parametrize("joined_since", [False, True])
def test_world_readable_is_visible_to_everyone(membership: str | None, joined_since: bool) -> None:
    assert may_see_event("world_readable", membership, joined_since=joined_since)


@pytest.mark.parametrize("visibility", ["shared", "invited", "joined", None, "bogus"])
def test_members_joined_at_the_event_see_it(visibility: str | None) -> None:
    assert may_see_event(visibility, "join", joined_since=False)


def test_shared_is_visible_to_users_who_joined_after_the_event() -> None:
    assert may_see_event("shared", None, joined_since=True)
    assert may_see_event("shared", "leave", joined_since=True)
    assert not may_see_event("shared", None, joined_since=False)
    assert not may_see_event("shared", "leave", joined_since=False)


def test_invited_is_visible_to_users_invited_at_the_event() -> None:
    assert may_see_event("invited", "invite", joined_since=False)
    assert not may_see_event("invited", "knock", joined_since=True)
    assert not may_see_event("invited", None, joined_since=True)  # no "joined later" rule


def test_joined_is_visible_only_to_users_joined_at_the_event() -> None:
    assert not may_see_event("joined", "invite", joined_since=True)
    assert not may_see_event("joined", None, joined_since=True)
    assert not may_see_event("joined", "leave", joined_since=False)


@pytest.mark.parametrize("membership", ["invite", "knock", "leave", "ban"])
def test_others_are_denied(membership: str) -> None:
    if membership != "invite":
        assert not may_see_event("invited", membership, joined_since=False)
    assert not may_see_event("joined", membership, joined_since=False)


def test_missing_or_unknown_visibility_means_shared() -> None:
    assert history_visibility(None) == "shared"
    assert history_visibility({}) == "shared"
    assert history_visibility({"history_visibility": "nonsense"}) == "shared"
    assert history_visibility({"history_visibility": 5}) == "shared"
    assert history_visibility({"history_visibility": "joined"}) == "joined"
    assert may_see_event("bogus", None, joined_since=True)  # shared's rule applies
    assert not may_see_event("bogus", "invite", joined_since=False)
