"""The server-default push rules, in the spec's order (spec: "Predefined Rules").

``USER_ID`` and ``LOCALPART`` stand for the owner's user ID and localpart;
``ruleset`` substitutes them. Actions follow Synapse 1.163's, which add an
explicit ``highlight: false`` to some rules the spec leaves without it.
MSC-only rules Synapse serves behind experimental flags are not included.
"""

from __future__ import annotations

from typing import Any

USER_ID = "\x00user_id"
LOCALPART = "\x00localpart"

_NOTIFY = "notify"
_HIGHLIGHT = {"set_tweak": "highlight"}
_NO_HIGHLIGHT = {"set_tweak": "highlight", "value": False}
_SOUND = {"set_tweak": "sound", "value": "default"}
_RING = {"set_tweak": "sound", "value": "ring"}


def _match(key: str, pattern: str) -> dict[str, Any]:
    return {"kind": "event_match", "key": key, "pattern": pattern}


def _is(key: str, value: Any) -> dict[str, Any]:
    return {"kind": "event_property_is", "key": key, "value": value}


_ROOM_NOTIFY = {"kind": "sender_notification_permission", "key": "room"}
_ONE_TO_ONE = {"kind": "room_member_count", "is": "2"}


def _rule(rule_id: str, conditions: list[Any], actions: list[Any]) -> dict[str, Any]:
    return {"rule_id": rule_id, "conditions": conditions, "actions": actions}


#: The master rule comes before the user's own override rules, the rest after them.
MASTER = {**_rule(".m.rule.master", [], []), "enabled": False}

OVERRIDE = [
    _rule(".m.rule.suppress_notices", [_match("content.msgtype", "m.notice")], []),
    _rule(
        ".m.rule.invite_for_me",
        [
            _match("type", "m.room.member"),
            _match("content.membership", "invite"),
            _match("state_key", USER_ID),
        ],
        [_NOTIFY, _NO_HIGHLIGHT, _SOUND],
    ),
    _rule(".m.rule.member_event", [_match("type", "m.room.member")], []),
    _rule(
        ".m.rule.is_user_mention",
        [
            {
                "kind": "event_property_contains",
                "key": "content.m\\.mentions.user_ids",
                "value": USER_ID,
            }
        ],
        [_NOTIFY, _HIGHLIGHT, _SOUND],
    ),
    _rule(
        ".m.rule.contains_display_name",
        [{"kind": "contains_display_name"}],
        [_NOTIFY, _HIGHLIGHT, _SOUND],
    ),
    _rule(
        ".m.rule.is_room_mention",
        [_is("content.m\\.mentions.room", True), _ROOM_NOTIFY],
        [_NOTIFY, _HIGHLIGHT],
    ),
    _rule(
        ".m.rule.roomnotif",
        [_ROOM_NOTIFY, _match("content.body", "@room")],
        [_NOTIFY, _HIGHLIGHT],
    ),
    _rule(
        ".m.rule.tombstone",
        [_match("type", "m.room.tombstone"), _match("state_key", "")],
        [_NOTIFY, _HIGHLIGHT],
    ),
    _rule(".m.rule.reaction", [_match("type", "m.reaction")], []),
    _rule(
        ".m.rule.room.server_acl",
        [_match("type", "m.room.server_acl"), _match("state_key", "")],
        [],
    ),
    _rule(".m.rule.suppress_edits", [_is("content.m\\.relates_to.rel_type", "m.replace")], []),
]

CONTENT = [
    {
        "rule_id": ".m.rule.contains_user_name",
        "pattern": LOCALPART,
        "actions": [_NOTIFY, _HIGHLIGHT, _SOUND],
    }
]

UNDERRIDE = [
    _rule(".m.rule.call", [_match("type", "m.call.invite")], [_NOTIFY, _RING, _NO_HIGHLIGHT]),
    _rule(
        ".m.rule.encrypted_room_one_to_one",
        [_match("type", "m.room.encrypted"), _ONE_TO_ONE],
        [_NOTIFY, _SOUND, _NO_HIGHLIGHT],
    ),
    _rule(
        ".m.rule.room_one_to_one",
        [_match("type", "m.room.message"), _ONE_TO_ONE],
        [_NOTIFY, _SOUND, _NO_HIGHLIGHT],
    ),
    _rule(".m.rule.message", [_match("type", "m.room.message")], [_NOTIFY, _NO_HIGHLIGHT]),
    _rule(".m.rule.encrypted", [_match("type", "m.room.encrypted")], [_NOTIFY, _NO_HIGHLIGHT]),
]
