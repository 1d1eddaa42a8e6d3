"""The room versions table: 10, 11 and 12, with 12 the default."""

from __future__ import annotations

from tessera.core.events.room_versions import DEFAULT_ROOM_VERSION, ROOM_VERSIONS


def test_versions_10_11_12_with_12_the_default() -> None:
    assert sorted(ROOM_VERSIONS) == ["10", "11", "12"]
    assert DEFAULT_ROOM_VERSION == "12"
    assert all(ROOM_VERSIONS[key].identifier == key for key in ROOM_VERSIONS)


def test_what_each_version_changes() -> None:
    v10, v11, v12 = ROOM_VERSIONS["10"], ROOM_VERSIONS["11"], ROOM_VERSIONS["12"]
    assert v10.creator_in_content and not v11.creator_in_content and not v12.creator_in_content
    assert not v10.updated_redaction_rules and v11.updated_redaction_rules
    assert not v10.redacts_in_content and v11.redacts_in_content and v12.redacts_in_content
    assert not v11.room_id_is_create_hash and v12.room_id_is_create_hash
    assert v11.create_in_auth_events and not v12.create_in_auth_events
    assert not v11.creators_outrank_power_levels and v12.creators_outrank_power_levels


def test_the_capability_lists_every_version_as_stable_with_12_the_default() -> None:
    from tessera.core.events.room_versions import room_versions_capability

    assert room_versions_capability() == {
        "default": "12",
        "available": {"10": "stable", "11": "stable", "12": "stable"},
    }
