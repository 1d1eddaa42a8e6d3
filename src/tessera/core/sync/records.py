"""Records of the per-user streams, as storage returns them to services."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StoredRule:
    """A push rule of one user as stored: their own, or their change to a default one."""

    kind: str
    rule_id: str
    #: Higher first within the kind; None for a server-default rule (its place is fixed).
    priority: int | None
    #: JSON text: the conditions (override, underride) or the pattern (content).
    rule: str | None
    #: JSON text of the actions; None keeps a default rule's own.
    actions: str | None
    #: None keeps a default rule's own.
    enabled: bool | None


@dataclass(frozen=True, slots=True)
class Receipt:
    room_id: str
    receipt_type: str
    user_id: str
    #: '' for an unthreaded receipt.
    thread_id: str
    event_id: str
    ts: int


@dataclass(frozen=True, slots=True)
class PresenceRow:
    user_id: str
    state: str
    status_msg: str | None
    last_active_ts: int


@dataclass(frozen=True, slots=True)
class StreamChange:
    """A stream moved to ``position``; syncs of these users or rooms' members may wake.

    ``everyone`` when the change was announced without its lists (too long for a
    notification): every waiting sync should look.
    """

    stream: str
    position: int
    user_ids: tuple[str, ...] = ()
    room_ids: tuple[str, ...] = ()
    everyone: bool = False
