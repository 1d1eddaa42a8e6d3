"""Room scenarios for `make bench-compare`: send, sync-fanout, initial-sync, messages.

Each runs against any homeserver with JWT login (Tessera or Synapse, same generator). Users,
rooms and seeded messages are set up before the clock starts; every scenario then checks,
after its window, that no event was lost or duplicated.

  send          C connections, each a user in a room of 4, PUT send/m.room.message as fast
                as answered; afterwards every room is paged back and each acknowledged
                event must be there exactly once
  sync-fanout   listeners long-poll /sync in one room while senders send at stepped rates
                (bench/fanout.py): delivery latency send→sync, the highest rate with p99 < 1 s
  initial-sync  a user in 50 rooms of 20 messages; full initial /syncs, one at a time, each
                as a fresh device (so no response cache answers); every room's 20 must be there
  messages      a room of 500 messages paged back with /messages (dir=b), C walkers at once;
                each walk must see the 500 exactly once

User IDs are ``rb-<scenario>-<n>`` (n < MAX_USERS), so a bench driver can lift a server's
per-user rate limits for them in advance (Synapse: its ``ratelimit_override`` table).

    python -m bench.rooms --url http://127.0.0.1:8008 --secret S --scenario send --json
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

from bench.fanout import sync_fanout
from bench.load import event_loop_runner
from bench.matrix_client import Client, bodies, clients
from bench.outcome import Window, compare

SCENARIOS = ("send", "sync-fanout", "initial-sync", "messages")
MAX_USERS = 64
ROOM_SIZE = 4
INITIAL_ROOMS, INITIAL_MESSAGES = 50, 20
HISTORY = 500


def user_names(scenario: str, count: int) -> list[str]:
    if count > MAX_USERS:
        raise SystemExit(f"{scenario}: at most {MAX_USERS} users")
    return [f"rb-{scenario}-{n}" for n in range(count)]


async def rooms_of(members: list[Client], size: int) -> list[str]:
    """Rooms of `size` members: the first of each group creates it, the others join."""
    room_ids = []
    for start in range(0, len(members), size):
        group = members[start : start + size]
        room_id = await group[0].create_room(f"bench {start // size}")
        for member in group[1:]:
            await member.join(room_id)
        room_ids.extend([room_id] * len(group))
    return room_ids


async def walk(client: Client, room_id: str, page: int) -> list[str]:
    """Page a room back to its start; the message bodies, newest first."""
    seen: list[str] = []
    start: str | None = None
    while True:
        answer = await client.ok("GET", client.messages_path(room_id, start, page))
        seen += bodies(answer["chunk"])
        if not answer["chunk"] or answer.get("end") in (None, start):
            return seen
        start = answer["end"]


async def seed(client: Client, room_id: str, names: Sequence[str]) -> None:
    for name in names:
        await client.send(room_id, f"seed-{name}", name)


async def send(args: argparse.Namespace) -> dict[str, Any]:
    members = await clients(args.url, args.secret, user_names("send", args.concurrency))
    room_of = await rooms_of(members, ROOM_SIZE)
    window = Window(args.server_pid)
    acked: dict[str, list[str]] = {room: [] for room in room_of}
    loop = asyncio.get_running_loop()
    begin = loop.time()
    recording = begin + args.warmup
    end = recording + args.duration
    loop.call_at(recording, window.start)

    async def sender(i: int) -> None:
        for n in itertools.count():
            now = loop.time()
            if now >= end:
                return
            body = f"{i}-{n}"
            t = time.perf_counter()
            status, _ = await members[i].call(
                "PUT", members[i].send_path(room_of[i], body), {"msgtype": "m.text", "body": body}
            )
            if status == 200:
                acked[room_of[i]].append(body)
            if now >= recording:
                window.latencies.append((time.perf_counter() - t) * 1000)
                window.statuses[str(status)] += 1

    await asyncio.gather(*(sender(i) for i in range(len(members))))
    window.stop()
    lost = duplicated = 0
    for room_id, expected in acked.items():
        member = members[room_of.index(room_id)]
        lost_here, dup_here = compare(expected, await walk(member, room_id, 1000))
        lost, duplicated = lost + lost_here, duplicated + dup_here
    return window.outcome("send", lost=lost, duplicated=duplicated, rooms=len(acked))


async def initial_sync(args: argparse.Namespace) -> dict[str, Any]:
    (user,) = user_names("initial-sync", 1)
    seeders = await clients(args.url, args.secret, [user] * 8)
    room_ids = [await seeders[0].create_room(f"initial {n}") for n in range(INITIAL_ROOMS)]
    expected = {r: [f"{r}-{m}" for m in range(INITIAL_MESSAGES)] for r in room_ids}
    for start in range(0, len(room_ids), len(seeders)):
        batch = room_ids[start : start + len(seeders)]
        await asyncio.gather(
            *(seed(c, r, expected[r]) for c, r in zip(seeders, batch, strict=False))
        )
    devices = await clients(args.url, args.secret, [user] * args.sync_devices)
    window = Window(args.server_pid)
    window.start()
    lost = duplicated = 0
    deadline = time.perf_counter() + args.duration
    for device in devices:
        if time.perf_counter() >= deadline:
            break
        t = time.perf_counter()
        status, answer = await device.call("GET", device.sync_path(None, 0, INITIAL_MESSAGES))
        window.latencies.append((time.perf_counter() - t) * 1000)
        window.statuses[str(status)] += 1
        joined = answer.get("rooms", {}).get("join", {}) if status == 200 else {}
        for room_id, wanted in expected.items():
            timeline = joined.get(room_id, {}).get("timeline", {}).get("events", [])
            lost_here, dup_here = compare(wanted, bodies(timeline))
            lost, duplicated = lost + lost_here, duplicated + dup_here
        device.close()
    window.stop()
    out = window.outcome("initial-sync", lost=lost, duplicated=duplicated)
    if len(window.latencies) == len(devices):
        out["notes"].append("fresh-device pool used up before the window ended")
    return out


async def messages(args: argparse.Namespace) -> dict[str, Any]:
    walkers = min(args.concurrency, 8)
    writer, *readers = await clients(
        args.url, args.secret, user_names("messages", 1) * (walkers + 1)
    )
    room_id = await writer.create_room("history")
    expected = [f"h{n}" for n in range(HISTORY)]
    await seed(writer, room_id, expected)
    window = Window(args.server_pid)
    stop = time.perf_counter() + args.warmup + args.duration
    recording_from = stop - args.duration
    lost = duplicated = 0
    window_started = False

    async def walker(client: Client) -> None:
        nonlocal lost, duplicated, window_started
        while (t := time.perf_counter()) < stop:
            if t >= recording_from and not window_started:
                window_started = True
                window.start()
            seen = await walk(client, room_id, args.page)
            if t >= recording_from:
                window.latencies.append((time.perf_counter() - t) * 1000)
                window.statuses["200"] += 1
            lost_here, dup_here = compare(expected, seen)
            lost, duplicated = lost + lost_here, duplicated + dup_here

    await asyncio.gather(*(walker(c) for c in readers))
    window.stop()
    return window.outcome(
        "messages", lost=lost, duplicated=duplicated, events_per_walk=HISTORY, page=args.page
    )


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench.rooms",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--url", default="http://127.0.0.1:8008")
    p.add_argument("--secret", required=True, help="the server's HS256 jwt_config.secret")
    p.add_argument("--scenario", action="append", choices=SCENARIOS)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--duration", type=float, default=10.0, help="recorded seconds (per step)")
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--server-pid", type=int)
    p.add_argument("--listeners", type=int, default=8, help="sync-fanout: long-polling users")
    p.add_argument("--sync-devices", type=int, default=400, help="initial-sync: device pool")
    p.add_argument("--page", type=int, default=50, help="messages: events per /messages page")
    p.add_argument("--json", action="store_true", help="one JSON object per scenario on stdout")
    return p


RUNNERS = {
    "send": send,
    "sync-fanout": sync_fanout,
    "initial-sync": initial_sync,
    "messages": messages,
}


async def main(args: argparse.Namespace) -> None:
    for scenario in args.scenario or SCENARIOS:
        outcome = await RUNNERS[scenario](args)
        human = {k: v for k, v in outcome.items() if k not in ("steps",)}
        print(json.dumps(human), file=sys.stderr, flush=True)
        if args.json:
            print(json.dumps(outcome), flush=True)


if __name__ == "__main__":
    event_loop_runner()(main(parser().parse_args()))
