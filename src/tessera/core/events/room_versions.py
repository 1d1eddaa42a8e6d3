"""The room versions Tessera creates and understands: 10, 11 and 12.

Each version is a set of behaviour flags rather than a number to compare, so
the code that differs (redaction, auth rules, event IDs) asks the question it
cares about ("does the create event carry ``creator``?") and a future version
is one more table row. Spec: "Room Versions" and the v10, v11, v12 pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class RoomVersion:
    """What a room version changes, as flags.

    Attributes:
        identifier: The version string carried in ``m.room.create``.
        updated_redaction_rules: v11+ (MSC2176/MSC3821/MSC3989): the new redaction
            algorithm, and ``redacts`` moves from the top level into ``content``.
        creator_in_content: v10 only: ``m.room.create`` must carry ``content.creator``
            and the creator is that user, not the sender.
        room_id_is_create_hash: v12: the room ID is ``!`` + the create event's
            reference hash, the create event has no ``room_id`` and is never
            an auth event.
        creators_outrank_power_levels: v12: the sender of the create event and its
            ``additional_creators`` have an infinite power level.
    """

    identifier: str
    updated_redaction_rules: bool
    creator_in_content: bool
    room_id_is_create_hash: bool
    creators_outrank_power_levels: bool

    @property
    def create_in_auth_events(self) -> bool:
        """Whether events name the ``m.room.create`` event in their ``auth_events``."""
        return not self.room_id_is_create_hash

    @property
    def redacts_in_content(self) -> bool:
        """Whether ``m.room.redaction`` carries ``redacts`` in ``content`` (v11+)."""
        return self.updated_redaction_rules


V10 = RoomVersion(
    identifier="10",
    updated_redaction_rules=False,
    creator_in_content=True,
    room_id_is_create_hash=False,
    creators_outrank_power_levels=False,
)
V11 = RoomVersion(
    identifier="11",
    updated_redaction_rules=True,
    creator_in_content=False,
    room_id_is_create_hash=False,
    creators_outrank_power_levels=False,
)
V12 = RoomVersion(
    identifier="12",
    updated_redaction_rules=True,
    creator_in_content=False,
    room_id_is_create_hash=True,
    creators_outrank_power_levels=True,
)

#: Every version Tessera knows, by identifier. All are "stable" (spec: the
#: ``m.room_versions`` capability).
ROOM_VERSIONS: Mapping[str, RoomVersion] = MappingProxyType(
    {v.identifier: v for v in (V10, V11, V12)}
)

#: The version of a room created without ``room_version``, as in Synapse 1.163.
DEFAULT_ROOM_VERSION: str = "12"


def room_versions_capability() -> dict[str, object]:
    """The ``m.room_versions`` capability (spec: Client-Server API, "Capabilities")."""
    return {
        "default": DEFAULT_ROOM_VERSION,
        "available": {identifier: "stable" for identifier in ROOM_VERSIONS},
    }
