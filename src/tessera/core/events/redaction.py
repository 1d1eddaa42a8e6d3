"""The redaction algorithm (spec: Client-Server API "Redactions", and the
v9 and v11 redaction fragments of the room versions).

Redaction keeps what the authorization rules and the hashes need and drops
everything else. It also decides what a signature and a reference hash cover,
so it must match the spec byte for byte. The rules are data: which top-level
keys survive and, per event type, which content keys survive.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tessera.core.events.room_versions import RoomVersion

_TOP_LEVEL_KEYS = frozenset(
    {
        "event_id",
        "type",
        "room_id",
        "sender",
        "state_key",
        "content",
        "hashes",
        "signatures",
        "depth",
        "prev_events",
        "auth_events",
        "origin_server_ts",
    }
)
# v11 (MSC2176) stopped protecting these.
_PRE_V11_TOP_LEVEL_KEYS = _TOP_LEVEL_KEYS | {"origin", "membership", "prev_state"}

_POWER_LEVEL_KEYS = (
    "ban",
    "events",
    "events_default",
    "kick",
    "redact",
    "state_default",
    "users",
    "users_default",
)

# Content keys kept per event type. A value of None means "all of content".
_PRE_V11_CONTENT: Mapping[str, tuple[str, ...] | None] = {
    "m.room.member": ("membership", "join_authorised_via_users_server"),
    "m.room.create": ("creator",),
    "m.room.join_rules": ("join_rule", "allow"),
    "m.room.power_levels": _POWER_LEVEL_KEYS,
    "m.room.history_visibility": ("history_visibility",),
}
_V11_CONTENT: Mapping[str, tuple[str, ...] | None] = {
    "m.room.member": ("membership", "join_authorised_via_users_server"),
    "m.room.create": None,
    "m.room.join_rules": ("join_rule", "allow"),
    "m.room.power_levels": (*_POWER_LEVEL_KEYS, "invite"),
    "m.room.history_visibility": ("history_visibility",),
    "m.room.redaction": ("redacts",),
}


def redact(pdu: Mapping[str, Any], version: RoomVersion) -> dict[str, Any]:
    """The redacted copy of ``pdu`` under ``version``'s rules.

    ``unsigned`` is not part of the algorithm's output; servers attach their own
    (``redacted_because``) when serving the event.
    """
    v11 = version.updated_redaction_rules
    keep = _TOP_LEVEL_KEYS if v11 else _PRE_V11_TOP_LEVEL_KEYS
    redacted = {key: value for key, value in pdu.items() if key in keep}
    content = pdu.get("content")
    if isinstance(content, Mapping):
        redacted["content"] = _redact_content(pdu.get("type"), content, v11)
    elif "content" in pdu:
        redacted["content"] = {}
    return redacted


def _redact_content(event_type: object, content: Mapping[str, Any], v11: bool) -> dict[str, Any]:
    table = _V11_CONTENT if v11 else _PRE_V11_CONTENT
    if not isinstance(event_type, str) or event_type not in table:
        return {}
    kept_keys = table[event_type]
    if kept_keys is None:
        return dict(content)
    kept = {key: content[key] for key in kept_keys if key in content}
    if v11 and event_type == "m.room.member":
        # v11 keeps third_party_invite, but only its "signed" key.
        invite = content.get("third_party_invite")
        if isinstance(invite, Mapping):
            kept["third_party_invite"] = {k: v for k, v in invite.items() if k == "signed"}
    return kept
