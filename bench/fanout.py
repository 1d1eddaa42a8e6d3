"""The sync-fanout scenario: listeners long-poll /sync in one room while senders send.

Senders send open-loop at a fixed rate per step (10, 25, 50, 75 … messages/s, each step
--duration seconds); latency is from a message's *scheduled* send time to the moment a
listener's /sync answer carrying it arrives, so a server that falls behind cannot hide it
(no coordinated omission). A step is sustained when every listener got every acknowledged
message exactly once within the drain time, the senders kept up (≥ 90% of the rate) and the
delivery p99 is under 1 s. The search stops at the first step that is not sustained.

Reported: ``rate`` is the highest sustained step (messages/s sent; each is delivered to
every listener); ``p50_ms``/``p99_ms`` are the delivery latencies at the first step, the
same rate on every server, so their ratio compares like with like.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from typing import Any

from bench.matrix_client import Client, bodies, clients, message
from bench.outcome import Window, _percentile

RATES = (10, 25, 50, 75, 100, 250, 500, 1000, 1500, 2000, 3000, 4000)
SENDER_USERS, CONNECTIONS_PER_SENDER = 2, 8
P99_LIMIT_MS = 1000.0
DRAIN_S = 5.0
TIMELINE_LIMIT = 1000


class Fanout:
    """Shared state: when each message was scheduled, and who saw what, when."""

    def __init__(self, room_id: str, listeners: int) -> None:
        self.room_id = room_id
        self.listeners = listeners
        self.scheduled: dict[str, float] = {}
        self.acked: set[str] = set()
        self.latencies: list[float] = []
        self.sightings: Counter[str] = Counter()
        self.gaps = 0
        self.sync_errors: Counter[str] = Counter()
        self.running = True

    def delivered(self, events: list[dict[str, Any]], limited: bool) -> None:
        now = time.perf_counter()
        self.gaps += int(limited)
        for body in bodies(events):
            at = self.scheduled.get(body)
            if at is not None:
                self.sightings[body] += 1
                self.latencies.append((now - at) * 1000)

    def complete(self) -> bool:
        return all(self.sightings[body] >= self.listeners for body in self.acked)


async def listen(client: Client, state: Fanout) -> None:
    since = (await client.ok("GET", client.sync_path(None, 0, 1)))["next_batch"]
    while state.running:
        status, answer = await client.call("GET", client.sync_path(since, 30_000, TIMELINE_LIMIT))
        if status != 200:
            state.sync_errors[str(status)] += 1
            await asyncio.sleep(0.1)
            continue
        since = answer["next_batch"]
        room = answer.get("rooms", {}).get("join", {}).get(state.room_id)
        if room is not None:
            timeline = room.get("timeline", {})
            state.delivered(timeline.get("events", []), bool(timeline.get("limited")))


async def step(
    rate: int, index: int, senders: list[Client], state: Fanout, window: Window, duration: float
) -> dict[str, Any]:
    """One step at `rate` messages/s; its verdict and numbers."""
    state.scheduled.clear()
    state.acked.clear()
    state.latencies.clear()
    state.sightings.clear()
    gaps_before = state.gaps
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    async def sender(client: Client) -> None:
        while (body := await queue.get()) is not None:
            status, _ = await client.call(
                "PUT", client.send_path(state.room_id, body), message(body)
            )
            window.statuses[str(status)] += 1
            if status == 200:
                state.acked.add(body)

    workers = [asyncio.ensure_future(sender(c)) for c in senders]
    total = max(1, int(rate * duration))
    t0 = time.perf_counter()
    for k in range(total):
        delay = t0 + k / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        body = f"s{index}-{k}"
        state.scheduled[body] = t0 + k / rate
        queue.put_nowait(body)
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    achieved = len(state.acked) / max(time.perf_counter() - t0, duration)
    deadline = time.perf_counter() + DRAIN_S
    # Polled, not an Event: completeness spans every listener and is checked only here.
    while not state.complete() and time.perf_counter() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    ordered = sorted(state.latencies)
    expected = len(state.acked) * state.listeners
    seen = sum(min(n, state.listeners) for n in state.sightings.values())
    duplicated = sum(max(0, n - state.listeners) for n in state.sightings.values())
    window.latencies += ordered if index == 0 else []
    p99 = _percentile(ordered, 0.99)
    lost = expected - seen
    gaps = state.gaps - gaps_before
    return {
        "rate": rate,
        "achieved": round(achieved, 1),
        "deliveries": len(ordered),
        "p50_ms": round(_percentile(ordered, 0.50), 1),
        "p99_ms": round(p99, 1),
        "lost": lost,
        "duplicated": duplicated,
        "limited_timelines": gaps,
        "sustained": lost == 0
        and duplicated == 0
        and achieved >= 0.9 * rate
        and p99 < P99_LIMIT_MS
        and len(state.acked) == total,
    }


async def sync_fanout(args: argparse.Namespace) -> dict[str, Any]:
    """Set up one room of senders and listeners, then search the rates upwards."""
    names = [f"rb-sync-fanout-{n}" for n in range(SENDER_USERS + args.listeners)]
    members = await clients(args.url, args.secret, names)
    room_id = await members[0].create_room("fanout")
    for member in members[1:]:
        await member.join(room_id)
    extra = await clients(
        args.url,
        args.secret,
        [n for n in names[:SENDER_USERS] for _ in range(CONNECTIONS_PER_SENDER - 1)],
    )
    senders = members[:SENDER_USERS] + extra
    state = Fanout(room_id, args.listeners)
    listeners = [asyncio.ensure_future(listen(c, state)) for c in members[SENDER_USERS:]]
    await asyncio.sleep(1.0)  # every listener is parked in a long poll
    window = Window(args.server_pid)
    window.start()
    steps: list[dict[str, Any]] = []
    for index, rate in enumerate(RATES):
        steps.append(await step(rate, index, senders, state, window, args.duration))
        if not steps[-1]["sustained"]:
            break
    window.stop()
    state.running = False
    for task in listeners:
        task.cancel()
    sustained = [s["rate"] for s in steps if s["sustained"]]
    out = window.outcome(
        "sync-fanout",
        count=0,
        lost=sum(s["lost"] for s in steps if s["sustained"] or s is steps[0]),
        duplicated=sum(s["duplicated"] for s in steps),
        listeners=args.listeners,
        steps=steps,
        sustained_rate=max(sustained, default=0),
    )
    for code, n in state.sync_errors.items():
        out["statuses"][f"sync {code}"] = n
        out["unexpected"] += n
    out["rate"] = float(max(sustained, default=0))
    out["requests"] = sum(s["deliveries"] for s in steps)
    return out
