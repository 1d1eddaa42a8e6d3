"""``/pushrules/``: the spec's default rules for the caller, and their own rules."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.support import CLIENT_PREFIXES, access_token_for, assert_error, bearer, user_id
from tests.conftest import LiveServer

ALICE = user_id("alice")
V3 = "/_matrix/client/v3"
RULE = f"{V3}/pushrules/global"
#: The spec's predefined rules, in its order (Client-Server API, "Predefined Rules").
SPEC_ORDER = {
    "override": [
        ".m.rule.master",
        ".m.rule.suppress_notices",
        ".m.rule.invite_for_me",
        ".m.rule.member_event",
        ".m.rule.is_user_mention",
        ".m.rule.contains_display_name",
        ".m.rule.is_room_mention",
        ".m.rule.roomnotif",
        ".m.rule.tombstone",
        ".m.rule.reaction",
        ".m.rule.room.server_acl",
        ".m.rule.suppress_edits",
    ],
    "content": [".m.rule.contains_user_name"],
    "room": [],
    "sender": [],
    "underride": [
        ".m.rule.call",
        ".m.rule.encrypted_room_one_to_one",
        ".m.rule.room_one_to_one",
        ".m.rule.message",
        ".m.rule.encrypted",
    ],
}
MENTION = {"kind": "event_match", "key": "content.body", "pattern": "lunch"}


async def rules(server: LiveServer, token: str) -> dict[str, list[dict[str, Any]]]:
    response = await server.client.get(f"{V3}/pushrules/", headers=bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, list[dict[str, Any]]] = response.json()["global"]
    return body


def ids(ruleset: dict[str, list[dict[str, Any]]], kind: str) -> list[str]:
    return [rule["rule_id"] for rule in ruleset[kind]]


def by_id(ruleset: dict[str, list[dict[str, Any]]], kind: str, rule_id: str) -> dict[str, Any]:
    return next(rule for rule in ruleset[kind] if rule["rule_id"] == rule_id)


@pytest.mark.parametrize("prefix", CLIENT_PREFIXES)
async def test_a_new_user_has_the_spec_default_rules_in_order(
    server: LiveServer, prefix: str
) -> None:
    token = await access_token_for(server, "alice")

    response = await server.client.get(f"{prefix}/pushrules/", headers=bearer(token))

    assert response.status_code == 200, response.text
    ruleset = response.json()["global"]
    assert {kind: ids(ruleset, kind) for kind in SPEC_ORDER} == SPEC_ORDER
    assert all(rule["default"] for kind in ruleset for rule in ruleset[kind])
    master = by_id(ruleset, "override", ".m.rule.master")
    assert master == {
        "rule_id": ".m.rule.master",
        "default": True,
        "enabled": False,
        "conditions": [],
        "actions": [],
    }
    assert all(
        r["enabled"] for k in ruleset for r in ruleset[k] if r["rule_id"] != ".m.rule.master"
    )


async def test_the_user_id_and_localpart_are_filled_in(server: LiveServer) -> None:
    ruleset = await rules(server, await access_token_for(server, "alice"))

    invite = by_id(ruleset, "override", ".m.rule.invite_for_me")
    assert {"kind": "event_match", "key": "state_key", "pattern": ALICE} in invite["conditions"]
    mention = by_id(ruleset, "override", ".m.rule.is_user_mention")
    assert mention["conditions"] == [
        {"kind": "event_property_contains", "key": "content.m\\.mentions.user_ids", "value": ALICE}
    ]
    user_name = by_id(ruleset, "content", ".m.rule.contains_user_name")
    assert user_name["pattern"] == "alice"
    assert "conditions" not in user_name
    assert user_name["actions"] == [
        "notify",
        {"set_tweak": "highlight"},
        {"set_tweak": "sound", "value": "default"},
    ]


async def test_the_global_scope_alone(server: LiveServer) -> None:
    token = await access_token_for(server, "alice")

    response = await server.client.get(f"{V3}/pushrules/global/", headers=bearer(token))

    assert response.status_code == 200
    assert response.json() == await rules(server, token)


async def test_own_rules_come_first_newest_first_and_master_before_all(server: LiveServer) -> None:
    token = await access_token_for(server, "alice")
    for name in ("first", "second"):
        body = {"conditions": [MENTION], "actions": ["notify"]}
        response = await server.client.put(
            f"{RULE}/override/{name}", headers=bearer(token), json=body
        )
        assert response.status_code == 200, response.text

    ruleset = await rules(server, token)

    assert ids(ruleset, "override")[:4] == [
        ".m.rule.master",
        "second",
        "first",
        ".m.rule.suppress_notices",
    ]
    assert by_id(ruleset, "override", "first") == {
        "rule_id": "first",
        "default": False,
        "enabled": True,
        "conditions": [MENTION],
        "actions": ["notify"],
    }


async def test_before_and_after_place_a_rule(server: LiveServer) -> None:
    token = await access_token_for(server, "alice")
    body = {"actions": ["notify"]}
    await server.client.put(f"{RULE}/room/!a:test.local", headers=bearer(token), json=body)
    await server.client.put(f"{RULE}/room/!b:test.local", headers=bearer(token), json=body)
    await server.client.put(
        f"{RULE}/room/!c:test.local",
        headers=bearer(token),
        json=body,
        params={"after": "!a:test.local"},
    )
    await server.client.put(
        f"{RULE}/room/!d:test.local",
        headers=bearer(token),
        json=body,
        params={"before": "!b:test.local"},
    )

    assert ids(await rules(server, token), "room") == [
        "!d:test.local",
        "!b:test.local",
        "!a:test.local",
        "!c:test.local",
    ]
    unknown = await server.client.put(
        f"{RULE}/room/!e:test.local", headers=bearer(token), json=body, params={"before": "nope"}
    )
    assert_error(unknown, 400, "M_INVALID_PARAM")


async def test_a_content_rule_and_reading_one_rule_and_its_attributes(server: LiveServer) -> None:
    token = await access_token_for(server, "alice")
    body = {"pattern": "cake", "actions": ["notify", {"set_tweak": "sound", "value": "x"}]}
    await server.client.put(f"{RULE}/content/cake", headers=bearer(token), json=body)

    rule = await server.client.get(f"{RULE}/content/cake", headers=bearer(token))
    enabled = await server.client.get(f"{RULE}/content/cake/enabled", headers=bearer(token))
    actions = await server.client.get(f"{RULE}/content/cake/actions", headers=bearer(token))

    assert rule.json() == {"rule_id": "cake", "default": False, "enabled": True, **body}
    assert enabled.json() == {"enabled": True}
    assert actions.json() == {"actions": body["actions"]}


async def test_deleting_an_own_rule(server: LiveServer) -> None:
    token = await access_token_for(server, "alice")
    await server.client.put(
        f"{RULE}/sender/@bob:test.local", headers=bearer(token), json={"actions": []}
    )

    deleted = await server.client.delete(f"{RULE}/sender/@bob:test.local", headers=bearer(token))
    again = await server.client.delete(f"{RULE}/sender/@bob:test.local", headers=bearer(token))

    assert deleted.status_code == 200
    assert_error(again, 404, "M_NOT_FOUND")
    assert ids(await rules(server, token), "sender") == []
    default = await server.client.delete(f"{RULE}/override/.m.rule.master", headers=bearer(token))
    assert_error(default, 404, "M_NOT_FOUND")


async def test_default_rules_can_be_enabled_disabled_and_given_actions(server: LiveServer) -> None:
    token = await access_token_for(server, "alice")
    master = f"{RULE}/override/.m.rule.master"
    message = f"{RULE}/underride/.m.rule.message"

    on = await server.client.put(f"{master}/enabled", headers=bearer(token), json={"enabled": True})
    quiet = await server.client.put(
        f"{message}/actions", headers=bearer(token), json={"actions": ["dont_notify"]}
    )

    assert (on.status_code, quiet.status_code) == (200, 200)
    ruleset = await rules(server, token)
    assert by_id(ruleset, "override", ".m.rule.master")["enabled"] is True
    assert by_id(ruleset, "underride", ".m.rule.message")["actions"] == ["dont_notify"]
    assert by_id(ruleset, "underride", ".m.rule.message")["enabled"] is True
    # Another user still has the defaults.
    other = await rules(server, await access_token_for(server, "bob"))
    assert by_id(other, "override", ".m.rule.master")["enabled"] is False


async def test_each_user_sees_only_their_own_rules(server: LiveServer) -> None:
    alice = await access_token_for(server, "alice")
    bob = await access_token_for(server, "bob")
    await server.client.put(
        f"{RULE}/override/mine", headers=bearer(alice), json={"conditions": [], "actions": []}
    )

    assert "mine" not in ids(await rules(server, bob), "override")
    assert_error(
        await server.client.get(f"{RULE}/override/mine", headers=bearer(bob)), 404, "M_NOT_FOUND"
    )


@pytest.mark.parametrize(
    ("kind", "rule_id", "body"),
    [
        ("override", "x", {"actions": ["notify"]}),  # no conditions
        ("override", "x", {"conditions": [{"key": "a"}], "actions": []}),  # no kind
        ("override", "x", {"conditions": "all", "actions": []}),
        ("content", "x", {"actions": []}),  # no pattern
        ("content", "x", {"pattern": 5, "actions": []}),
        ("room", "!r:test.local", {}),  # no actions
        ("room", "!r:test.local", {"actions": ["shout"]}),
        ("room", "!r:test.local", {"actions": "notify"}),
        ("override", ".m.rule.mine", {"conditions": [], "actions": []}),
        ("postcontent", "x", {"conditions": [], "actions": []}),
        ("everything", "x", {"conditions": [], "actions": []}),
        ("override", "a\\b", {"conditions": [], "actions": []}),
        ("override", "x", {"conditions": [], "actions": [], "pattern": ["not a string"]}),
    ],
)
async def test_malformed_rules_are_refused(
    server: LiveServer, kind: str, rule_id: str, body: dict[str, Any]
) -> None:
    token = await access_token_for(server, "alice")
    before = await rules(server, token)

    response = await server.client.put(f"{RULE}/{kind}/{rule_id}", headers=bearer(token), json=body)

    assert_error(response, 400, "M_INVALID_PARAM")
    assert await rules(server, token) == before


async def test_bad_attribute_values_are_refused(server: LiveServer) -> None:
    token = await access_token_for(server, "alice")
    master = f"{RULE}/override/.m.rule.master"

    bad_enabled = await server.client.put(
        f"{master}/enabled", headers=bearer(token), json={"enabled": "yes"}
    )
    bad_actions = await server.client.put(
        f"{master}/actions", headers=bearer(token), json={"actions": [1]}
    )
    unknown = await server.client.put(
        f"{RULE}/override/nope/enabled", headers=bearer(token), json={"enabled": True}
    )

    assert_error(bad_enabled, 400, "M_INVALID_PARAM")
    assert_error(bad_actions, 400, "M_INVALID_PARAM")
    assert_error(unknown, 404, "M_NOT_FOUND")


async def test_unknown_kinds_and_rules_are_not_found(server: LiveServer) -> None:
    token = await access_token_for(server, "alice")

    assert_error(
        await server.client.get(f"{RULE}/override/nope", headers=bearer(token)), 404, "M_NOT_FOUND"
    )
    assert_error(
        await server.client.get(f"{RULE}/nope/x", headers=bearer(token)), 404, "M_UNRECOGNIZED"
    )


async def test_push_rules_need_an_access_token(server: LiveServer) -> None:
    assert_error(await server.client.get(f"{V3}/pushrules/"), 401, "M_MISSING_TOKEN")


@pytest.mark.parametrize("rule_id", ["a%00b", "%00"])
async def test_rule_ids_the_database_cannot_hold_name_no_rule(
    server: LiveServer, rule_id: str
) -> None:
    token = await access_token_for(server, "alice")
    rule = f"{RULE}/room/{rule_id}"

    deleted = await server.client.delete(rule, headers=bearer(token))
    enabled = await server.client.put(
        f"{rule}/enabled", headers=bearer(token), json={"enabled": True}
    )
    actions = await server.client.put(
        f"{rule}/actions", headers=bearer(token), json={"actions": []}
    )
    fetched = await server.client.get(rule, headers=bearer(token))
    added = await server.client.put(rule, headers=bearer(token), json={"actions": []})

    for response in (deleted, enabled, actions, fetched):
        assert_error(response, 404, "M_NOT_FOUND", "Unknown rule")
    assert_error(added, 400, "M_INVALID_PARAM")
