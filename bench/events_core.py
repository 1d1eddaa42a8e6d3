"""The pure event layer's costs per call, on this machine (no server, no database).

    python -m bench.events_core [--number 2000]

What a send costs before any I/O: canonical JSON of a message PDU, building a
signed message event (content hash, ed25519 signature, reference hash), and
the authorization rules for it and for a power levels change. The rooms layer
pays these once per event; the numbers say how much of a send's budget they take.
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable
from typing import Any

from tessera.core.events.auth import auth_types_for_event, check_auth
from tessera.core.events.builder import build_event
from tessera.core.events.canonical import encode_canonical_json
from tessera.core.events.model import Event
from tessera.core.events.room_versions import ROOM_VERSIONS
from tessera.core.events.signing import generate_signing_key

VERSION = ROOM_VERSIONS["12"]
KEY = generate_signing_key()
ALICE, BOB = "@alice:bench", "@bob:bench"


def _room() -> tuple[Event, dict[tuple[str, str], Event], Event]:
    """A v12 room: create, Alice joined, power levels, public, Bob joined."""
    state: dict[tuple[str, str], Event] = {}
    create = _event(None, ALICE, "m.room.create", {"room_version": "12"}, "", [], [])
    last = create

    def add(sender: str, event_type: str, content: dict[str, Any], state_key: str) -> Event:
        nonlocal last
        keys = auth_types_for_event(VERSION, event_type, sender, state_key, content)
        auth = [state[k].event_id for k in keys if k in state]
        event = _event(
            create.room_id, sender, event_type, content, state_key, [last.event_id], auth
        )
        last = state[(event_type, state_key)] = event
        return event

    add(ALICE, "m.room.member", {"membership": "join"}, ALICE)
    add(ALICE, "m.room.power_levels", {"users": {BOB: 50}}, "")
    add(ALICE, "m.room.join_rules", {"join_rule": "public"}, "")
    add(BOB, "m.room.member", {"membership": "join"}, BOB)
    return create, state, last


def _event(room_id: str | None, sender: str, event_type: str, content: dict[str, Any],
           state_key: str | None, prev: list[str], auth: list[str]) -> Event:  # fmt: skip
    return build_event(
        version=VERSION, room_id=room_id, sender=sender, event_type=event_type,
        content=content, state_key=state_key, prev_event_ids=prev, auth_event_ids=auth,
        depth=len(prev) + 1, origin_server_ts=1_700_000_000_000, origin="bench", key=KEY,
    )  # fmt: skip


def scenarios() -> dict[str, Callable[[], object]]:
    create, state, last = _room()
    body = {"msgtype": "m.text", "body": "hello from the bench, " * 4}

    def auth_of(sender: str, event_type: str, content: dict[str, Any], key: str | None) -> Any:
        keys = auth_types_for_event(VERSION, event_type, sender, key, content)
        return {k: state[k] for k in keys if k in state}

    message_auth = auth_of(BOB, "m.room.message", body, None)
    message = _event(create.room_id, BOB, "m.room.message", body, None, [last.event_id],
                     [e.event_id for e in message_auth.values()])  # fmt: skip
    levels = {"users": {BOB: 50, "@carol:bench": 10}}
    levels_auth = auth_of(ALICE, "m.room.power_levels", levels, "")
    change = _event(create.room_id, ALICE, "m.room.power_levels", levels, "", [last.event_id],
                    [e.event_id for e in levels_auth.values()])  # fmt: skip
    return {
        "canonical JSON of a message PDU": lambda: encode_canonical_json(message.pdu),
        "build_event (message)": lambda: _event(
            create.room_id,
            BOB,
            "m.room.message",
            body,
            None,
            [last.event_id],
            [e.event_id for e in message_auth.values()],
        ),
        "check_auth (message)": lambda: check_auth(VERSION, message, message_auth, create),
        "check_auth (power levels change)": lambda: check_auth(
            VERSION, change, levels_auth, create
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=2000)
    args = parser.parse_args()
    for name, call in scenarios().items():
        best = min(timeit.repeat(call, number=args.number, repeat=5)) / args.number
        print(f"{name:36} {best * 1e6:8.1f} us")


if __name__ == "__main__":
    main()
