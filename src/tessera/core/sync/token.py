"""Sync and pagination tokens: opaque to clients, plain positions to us.

A sync token is one position per stream, ``s<events>_<account_data>_<receipts>_...`` in the
order of :data:`STREAMS`. A stream added later is appended: an older token simply lacks it
(read as 0, "from the beginning"), and a token naming streams this server does not know
keeps working. Positions are database values, so a token survives restarts and is valid on
every worker.

A pagination token (``prev_batch``, ``/messages``'s ``start``/``end``) is ``t<position>``: a
point *between* event positions ``position`` and ``position + 1``. Going back from it returns
events at or before ``position``; going forward, events after it. A sync token is accepted
wherever a pagination token is (its events position is the same kind of point).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tessera.core.errors import InvalidParam

#: Every stream a sync token carries, in token order. Append, never reorder.
STREAMS = ("events", "account_data", "receipts", "typing", "presence", "to_device", "device_lists")

_MAX_POSITION = 2**63 - 1


@dataclass(frozen=True)
class SyncToken:
    """A position in each stream (missing streams are at 0)."""

    positions: Mapping[str, int] = field(default_factory=dict)

    def __getitem__(self, stream: str) -> int:
        return self.positions.get(stream, 0)

    def encode(self) -> str:
        return "s" + "_".join(str(self[name]) for name in STREAMS)

    @classmethod
    def parse(cls, text: str) -> SyncToken:
        """A token from ``since``/``from``; 400 ``M_INVALID_PARAM`` when it is not one of ours."""
        if text.startswith("t"):
            return cls({"events": _position(text[1:])})
        if not text.startswith("s"):
            raise InvalidParam("Invalid token")
        parts = text[1:].split("_")
        positions = {name: _position(part) for name, part in zip(STREAMS, parts, strict=False)}
        return cls(positions)


def pagination_token(position: int) -> str:
    """The token for the point just after event position ``position``."""
    return f"t{position}"


def _position(text: str) -> int:
    if not text.isdigit() or len(text) > 19 or int(text) > _MAX_POSITION:
        raise InvalidParam("Invalid token")
    return int(text)
