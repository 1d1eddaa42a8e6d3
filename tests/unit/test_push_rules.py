"""``core.push.rules``: the rule set in the client format, and checks on rules clients send."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tessera.core.push.rules import (
    RuleError,
    check_actions,
    find,
    is_default,
    rule_body,
    ruleset,
)
from tessera.core.sync.records import StoredRule

ALICE = "@alice:example.org"


def rule_ids(rules: dict[str, Any], kind: str) -> list[str]:
    return [rule["rule_id"] for rule in rules["global"][kind]]


def test_no_placeholder_survives_substitution() -> None:
    text = orjson.dumps(ruleset(ALICE, [])).decode()

    assert "\\u0000" not in text
    assert text.count(ALICE) == 2  # invite_for_me, is_user_mention
    assert find(ruleset(ALICE, []), "content", ".m.rule.contains_user_name") == {
        "rule_id": ".m.rule.contains_user_name",
        "default": True,
        "enabled": True,
        "pattern": "alice",
        "actions": [
            "notify",
            {"set_tweak": "highlight"},
            {"set_tweak": "sound", "value": "default"},
        ],
    }


def test_rendering_does_not_change_the_defaults() -> None:
    first = ruleset(
        ALICE, [StoredRule("override", ".m.rule.master", None, None, '["notify"]', True)]
    )

    again = ruleset("@bob:example.org", [])

    assert find(first, "override", ".m.rule.master")["actions"] == ["notify"]
    assert find(again, "override", ".m.rule.master") == {
        "rule_id": ".m.rule.master",
        "default": True,
        "enabled": False,
        "conditions": [],
        "actions": [],
    }
    assert find(again, "content", ".m.rule.contains_user_name")["pattern"] == "bob"


def test_own_rules_go_by_priority_before_the_defaults_after_master() -> None:
    stored = [
        StoredRule("override", "low", 1, "[]", "[]", True),
        StoredRule("override", "high", 2, "[]", "[]", False),
        StoredRule("underride", "u", 1, '[{"kind":"x"}]', '["notify"]', True),
        StoredRule("room", "!r:hs", 1, None, '["dont_notify"]', True),
    ]

    rules = ruleset(ALICE, stored)

    assert rule_ids(rules, "override")[:4] == [
        ".m.rule.master",
        "high",
        "low",
        ".m.rule.suppress_notices",
    ]
    assert rule_ids(rules, "underride")[0] == "u"
    assert find(rules, "override", "high")["enabled"] is False
    assert find(rules, "room", "!r:hs") == {
        "rule_id": "!r:hs",
        "default": False,
        "enabled": True,
        "actions": ["dont_notify"],
    }


@pytest.mark.parametrize(
    ("kind", "rule_id", "default"),
    [
        ("override", ".m.rule.master", True),
        ("underride", ".m.rule.message", True),
        ("content", ".m.rule.contains_user_name", True),
        ("override", ".m.rule.message", False),
        ("room", ".m.rule.master", False),
        ("override", "mine", False),
    ],
)
def test_which_rules_are_defaults(kind: str, rule_id: str, default: bool) -> None:
    assert is_default(kind, rule_id) is default


@pytest.mark.parametrize(
    "actions",
    [[], ["notify"], ["dont_notify", "coalesce"], [{"set_tweak": "sound", "value": "ding"}]],
)
def test_known_actions_pass(actions: list[Any]) -> None:
    assert check_actions(actions) == actions


@pytest.mark.parametrize(
    "actions", [None, "notify", {}, ["shout"], [1], [{"value": 1}], [{"set_tweak": 1}]]
)
def test_unknown_actions_fail(actions: Any) -> None:
    with pytest.raises(RuleError):
        check_actions(actions)


def test_rule_bodies_per_kind() -> None:
    conditions = [{"kind": "event_match", "key": "type", "pattern": "m.x"}]

    assert orjson.loads(rule_body("override", {"conditions": conditions}) or "") == conditions
    assert orjson.loads(rule_body("content", {"pattern": "cake"}) or "") == "cake"
    assert rule_body("room", {}) is None
    assert rule_body("sender", {}) is None


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("override", {}),
        ("underride", {"conditions": {}}),
        ("override", {"conditions": [{"key": "x"}]}),
        ("override", {"conditions": ["event_match"]}),
        ("content", {}),
        ("content", {"pattern": None}),
        ("room", {"pattern": 1}),
        ("sender", {"conditions": "x"}),
    ],
)
def test_malformed_rule_bodies_fail(kind: str, body: dict[str, Any]) -> None:
    with pytest.raises(RuleError):
        rule_body(kind, body)
