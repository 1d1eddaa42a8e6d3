"""Who may redact what (spec: room versions 3+, "Handling redactions").

The authorization rules accept every ``m.room.redaction`` that passes the
ordinary power level check for its type; whether it is *applied* is decided
here. Two questions, two functions: ``redaction_applies`` is the spec's rule
for a server holding both events; ``may_redact`` is the stricter check a
server makes when its own user sends one, as Synapse does: on one server
every user shares the domain, so the domain rule alone would let anyone
redact anyone.
"""

from __future__ import annotations

from collections.abc import Mapping

from tessera.core.events.model import Event
from tessera.core.events.power_levels import StateKey, named_level, user_power_level
from tessera.core.events.room_versions import RoomVersion


def may_redact(
    version: RoomVersion,
    sender: str,
    original_sender: str,
    state: Mapping[StateKey, Event],
    create: Event,
) -> bool:
    """Whether ``sender`` may redact an event ``original_sender`` sent: their own
    always, anyone's at or above the redact level."""
    if sender == original_sender:
        return True
    return user_power_level(version, sender, state, create) >= named_level(state, "redact")


def redaction_applies(
    version: RoomVersion,
    redaction: Event,
    original: Event,
    state: Mapping[StateKey, Event],
    create: Event,
) -> bool:
    """The spec's rule: the redaction's sender is at or above the redact level, or
    is of the same server as the original event's sender."""
    if _domain(redaction.sender) == _domain(original.sender):
        return True
    return user_power_level(version, redaction.sender, state, create) >= named_level(
        state, "redact"
    )


def _domain(user_id: str) -> str:
    return user_id.split(":", 1)[1] if ":" in user_id else ""
