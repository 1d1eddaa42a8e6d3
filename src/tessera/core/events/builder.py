"""Building signed events: ``build_event`` (and ``event_from_pdu`` for PDUs read back).

The steps are the spec's "Adding hashes and signatures to outgoing events":
content hash into ``hashes.sha256``, then a signature over the redacted event,
then the event ID from the reference hash (which covers hashes, not signatures).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tessera.core.errors import ErrCode, MatrixError
from tessera.core.events.canonical import encode_canonical_json
from tessera.core.events.hashing import compute_event_id, content_hash
from tessera.core.events.model import Event
from tessera.core.events.redaction import redact
from tessera.core.events.room_versions import RoomVersion
from tessera.core.events.signing import SigningKey

#: The spec's limits ("Size limits"): a whole PDU in canonical JSON, and each
#: of the identifier fields in UTF-8.
MAX_PDU_BYTES = 65_536
MAX_FIELD_BYTES = 255

CREATE = "m.room.create"


class EventTooLarge(MatrixError):
    """413 ``M_TOO_LARGE``: the PDU is over 65,536 bytes, or an ID field over 255.

    The messages are Synapse's (``event too large``, ``'type' too large``).
    """

    def __init__(self, message: str = "event too large") -> None:
        super().__init__(ErrCode.TOO_LARGE, message)


def build_event(
    *,
    version: RoomVersion,
    room_id: str | None,
    sender: str,
    event_type: str,
    content: Mapping[str, Any],
    state_key: str | None = None,
    prev_event_ids: Sequence[str],
    auth_event_ids: Sequence[str],
    depth: int,
    origin_server_ts: int,
    origin: str,
    key: SigningKey,
    redacts: str | None = None,
) -> Event:
    """A hashed, signed event with its ID.

    ``room_id`` is None exactly for a v12 ``m.room.create``, whose room ID is
    then ``!`` + its reference hash. ``redacts`` goes into ``content`` from v11
    and to the top level before.

    Raises:
        ValueError: ``room_id`` is given for a v12 create, or missing otherwise
            (a caller bug, not a client error).
        CanonicalJsonError: content holds floats, huge integers, ...
        EventTooLarge: the canonical PDU is over 65,536 bytes.
    """
    _check_field_sizes(sender=sender, type=event_type, state_key=state_key, room_id=room_id)
    hash_room_id = version.room_id_is_create_hash and event_type == CREATE
    if hash_room_id != (room_id is None):
        raise ValueError("room_id must be None for a v12 create event, and only then")
    pdu: dict[str, Any] = {
        "auth_events": list(auth_event_ids),
        "content": dict(content),
        "depth": depth,
        "origin": origin,
        "origin_server_ts": origin_server_ts,
        "prev_events": list(prev_event_ids),
        "sender": sender,
        "type": event_type,
    }
    if room_id is not None:
        pdu["room_id"] = room_id
    if state_key is not None:
        pdu["state_key"] = state_key
    if redacts is not None:
        if version.redacts_in_content:
            pdu["content"]["redacts"] = redacts
        else:
            pdu["redacts"] = redacts
    pdu["hashes"] = {"sha256": content_hash(pdu)}
    signed_part = redact(pdu, version)
    signed_part.pop("signatures", None)
    pdu["signatures"] = {origin: {key.key_id: key.sign(encode_canonical_json(signed_part))}}
    if len(encode_canonical_json(pdu)) > MAX_PDU_BYTES:
        raise EventTooLarge()
    return event_from_pdu(pdu, version)


def _check_field_sizes(**fields: str | None) -> None:
    for name, value in fields.items():
        if value is not None and len(value.encode("utf-8", "surrogatepass")) > MAX_FIELD_BYTES:
            raise EventTooLarge(f"'{name}' too large")


def event_from_pdu(pdu: Mapping[str, Any], version: RoomVersion) -> Event:
    """The ``Event`` for a PDU (its ID computed; a v12 create's room ID too)."""
    event_id = compute_event_id(pdu, version)
    room_id = pdu.get("room_id")
    if room_id is None and version.room_id_is_create_hash and pdu.get("type") == CREATE:
        room_id = "!" + event_id[1:]
    if not isinstance(room_id, str):
        raise ValueError("PDU has no room_id")
    return Event(event_id=event_id, room_id=room_id, pdu=pdu, version=version)
