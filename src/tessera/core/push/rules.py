"""A user's push rule set in the client format, and the checks on rules clients send.

Pure: the stored rules come in as ``StoredRule`` records, the JSON goes out as
dicts. The order is the spec's evaluation order: by kind (override, content,
room, sender, underride), within a kind the user's own rules (newest or as
placed with ``before``/``after``) before the defaults, except the master
rule, which comes first of all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from tessera.core.ids import localpart_of
from tessera.core.push import defaults
from tessera.core.sync.records import StoredRule

KINDS = ("override", "content", "room", "sender", "underride")
#: The actions a rule may have besides ``set_tweak`` objects (``coalesce`` and
#: ``dont_notify`` are legacy: accepted and kept, as Synapse does).
SIMPLE_ACTIONS = ("notify", "dont_notify", "coalesce")


class RuleError(ValueError):
    """A rule a client sent is malformed; the message says how."""


def default_rules(kind: str) -> list[dict[str, Any]]:
    """The server-default rules of ``kind``, with placeholders, in order."""
    if kind == "override":
        return [defaults.MASTER, *defaults.OVERRIDE]
    if kind == "content":
        return list(defaults.CONTENT)
    if kind == "underride":
        return list(defaults.UNDERRIDE)
    return []


def is_default(kind: str, rule_id: str) -> bool:
    return any(rule["rule_id"] == rule_id for rule in default_rules(kind))


def ruleset(user_id: str, stored: Sequence[StoredRule]) -> dict[str, Any]:
    """``{"global": {kind: [rule, ...]}}`` for ``user_id``, as GET /pushrules/ answers."""
    own = {kind: [r for r in stored if r.kind == kind and r.priority is not None] for kind in KINDS}
    changed = {(r.kind, r.rule_id): r for r in stored if r.priority is None}
    names = {defaults.USER_ID: user_id, defaults.LOCALPART: localpart_of(user_id)}
    result: dict[str, list[dict[str, Any]]] = {}
    for kind in KINDS:
        mine = [_own_rule(kind, r) for r in sorted(own[kind], key=_newest_first)]
        base = [_default_rule(kind, r, changed, names) for r in default_rules(kind)]
        if kind == "override":  # the master rule outranks everything
            result[kind] = [base[0], *mine, *base[1:]]
        else:
            result[kind] = [*mine, *base]
    return {"global": result}


def _newest_first(rule: StoredRule) -> int:
    return -(rule.priority or 0)


def _own_rule(kind: str, stored: StoredRule) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "rule_id": stored.rule_id,
        "default": False,
        "enabled": stored.enabled is not False,
        "actions": orjson.loads(stored.actions or "[]"),
    }
    if kind in ("override", "underride"):
        rule["conditions"] = orjson.loads(stored.rule or "[]")
    elif kind == "content":
        rule["pattern"] = orjson.loads(stored.rule or '""')
    return rule


def _default_rule(
    kind: str,
    base: dict[str, Any],
    changed: dict[tuple[str, str], StoredRule],
    names: dict[str, str],
) -> dict[str, Any]:
    rule: dict[str, Any] = _substitute(base, names)
    change = changed.get((kind, base["rule_id"]))
    enabled = base.get("enabled", True)
    if change is not None and change.enabled is not None:
        enabled = change.enabled
    if change is not None and change.actions is not None:
        rule["actions"] = orjson.loads(change.actions)
    rule["default"] = True
    rule["enabled"] = enabled
    return rule


def _substitute(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, list):
        return [_substitute(item, names) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, names) for key, item in value.items()}
    return value


def check_actions(actions: Any) -> list[Any]:
    """``actions`` if it is a list of known actions, else ``RuleError``."""
    if not isinstance(actions, list):
        raise RuleError("'actions' must be a list")
    for action in actions:
        if action in SIMPLE_ACTIONS:
            continue
        if isinstance(action, dict) and isinstance(action.get("set_tweak"), str):
            continue
        raise RuleError(f"Unrecognised action {orjson.dumps(action).decode()[:100]}")
    return actions


def rule_body(kind: str, body: dict[str, Any]) -> str | None:
    """The JSON text stored for a new rule of ``kind``: its conditions or pattern.

    Room and sender rules store nothing: their rule ID is their condition.
    Keys a kind does not use must still have their type when present.
    """
    if "pattern" in body and not isinstance(body["pattern"], str):
        raise RuleError("'pattern' must be a string")
    if "conditions" in body:
        _check_conditions(body["conditions"])
    if kind in ("override", "underride"):
        if "conditions" not in body:
            raise RuleError("Missing 'conditions'")
        return orjson.dumps(body["conditions"]).decode()
    if kind == "content":
        pattern = body.get("pattern")
        if not isinstance(pattern, str):
            raise RuleError("Content rule missing 'pattern'")
        return orjson.dumps(pattern).decode()
    return None


def _check_conditions(conditions: Any) -> None:
    if not isinstance(conditions, list):
        raise RuleError("'conditions' must be a list")
    for condition in conditions:
        if not isinstance(condition, dict) or not isinstance(condition.get("kind"), str):
            raise RuleError("Condition without 'kind'")


def find(rules: dict[str, Any], kind: str, rule_id: str) -> dict[str, Any] | None:
    """The rule of ``kind`` with ``rule_id`` in a rendered ``ruleset``, if any."""
    for rule in rules["global"].get(kind, []):
        if rule["rule_id"] == rule_id:
            found: dict[str, Any] = rule
            return found
    return None
