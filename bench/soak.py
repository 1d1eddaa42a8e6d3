"""Soak test: a fresh `tessera run` under a fixed request rate for minutes (`make soak`).

Open loop: request i is due at start + i / --rate whatever happened to the ones
before it, and its latency counts from that moment (a server that stalls is
charged for the queue it causes, not only for the requests it finally answers).
The mix is Synapse-style JWT logins of existing users (--login-share, 5% by
default; each makes a new device) and whoami with tokens made before the clock
starts. Every --interval seconds a line shows the interval's requests, errors,
p50/p95/p99 latency, the server's CPU use and its RSS (``VmRSS`` from
/proc/<pid>/status); the summary at the end adds a leak verdict: RSS growth from
the end of the second interval (warm caches, pools filled) to the end of the run.

    python -m bench.soak                          # 200 req/s for 5 minutes
    python -m bench.soak --rate 500 --minutes 30 --interval 30

Exits 1 when any request failed or the RSS kept growing. Only the server
process started here is ever signalled, by its PID.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bench.load import (
    WHOAMI,
    Signer,
    _cpu_seconds,
    _percentile,
    event_loop_runner,
    login_all,
    login_request,
    read_response,
    request_bytes,
)
from bench.run import ROOT, Bench, proc_status_kib

MIB = 1024.0
#: RSS growth after warm-up that is still noise (allocator arenas, caches settling).
LEAK_SLACK_MIB = 4.0
LEAK_SLACK_SHARE = 0.05


@dataclass
class Window:
    """What happened in one reporting interval."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    errors: int = 0

    def record(self, status: str, latency_ms: float) -> None:
        self.latencies_ms.append(latency_ms)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status != "200":
            self.errors += 1


class Soak:
    """The open-loop generator against one server."""

    def __init__(self, url: str, secret: str, args: argparse.Namespace) -> None:
        self.url = url
        self.host = urlsplit(url).netloc
        self.args = args
        self.signer = Signer(secret=secret)
        self.jti = itertools.count()
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.open_connections = 0
        self.connection_freed = asyncio.Condition()
        self.window = Window()
        self.total = Window()
        self.late_ms = 0.0  # the generator's own worst lag behind the schedule

    async def prepare(self) -> None:
        """Users for the logins, and an access token per connection for whoami."""
        self.users = [f"soak-u{i}" for i in range(self.args.users)]
        tokens = await login_all(
            self.url, [self.signer.mint(user, next(self.jti)) for user in self.users]
        )
        self.whoami = [request_bytes(self.host, "GET", WHOAMI, token=t) for t in tokens]

    def request(self, index: int) -> bytes:
        every = round(1 / self.args.login_share) if self.args.login_share > 0 else 0
        if every and index % every == 0:
            user = self.users[index % len(self.users)]
            return login_request(self.host, self.signer.mint(user, next(self.jti)))
        return self.whoami[index % len(self.whoami)]

    async def connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        async with self.connection_freed:
            while not self.idle and self.open_connections >= self.args.connections:
                await self.connection_freed.wait()
            if self.idle:
                return self.idle.pop()
            self.open_connections += 1
        host, port = urlsplit(self.url).hostname or "", urlsplit(self.url).port or 80
        try:
            return await asyncio.open_connection(host, port)
        except OSError:
            await self.release(None)
            raise

    async def release(self, conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None) -> None:
        async with self.connection_freed:
            if conn is None:
                self.open_connections -= 1
            else:
                self.idle.append(conn)
            self.connection_freed.notify()

    async def one(self, index: int, due: float) -> None:
        status = "error"
        conn = None
        try:
            conn = await self.connection()
            reader, writer = conn
            writer.write(self.request(index))
            code, _body = await asyncio.wait_for(read_response(reader), self.args.timeout)
            status = str(code)
        except (OSError, ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            if conn is not None:
                conn[1].close()
                conn = None
                await self.release(None)
        latency_ms = (time.perf_counter() - due) * 1000
        self.window.record(status, latency_ms)
        self.total.record(status, latency_ms)
        if conn is not None:
            await self.release(conn)

    async def drive(self, seconds: float) -> None:
        """Send at --rate for ``seconds``; the requests still out get --timeout to finish."""
        start = time.perf_counter()
        tasks: set[asyncio.Task[None]] = set()
        for index in itertools.count():
            due = start + index / self.args.rate
            if due - start >= seconds:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                self.late_ms = max(self.late_ms, -delay * 1000)
            task = asyncio.create_task(self.one(index, due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(tasks, timeout=self.args.timeout + 5)


@dataclass
class Sample:
    elapsed_s: float
    span_s: float
    window: Window
    rss_mib: float
    server_cpu: float | None


def line(sample: Sample) -> str:
    ordered = sorted(sample.window.latencies_ms)
    cpu = f"{sample.server_cpu:4.0%}" if sample.server_cpu is not None else "   ?"
    return (
        f"{sample.elapsed_s:7.0f} s {len(ordered) / sample.span_s:7.0f} req/s"
        f"  errors {sample.window.errors:4d}"
        f"  p50 {_percentile(ordered, 0.50):6.1f}  p95 {_percentile(ordered, 0.95):6.1f}"
        f"  p99 {_percentile(ordered, 0.99):6.1f} ms  cpu {cpu}  RSS {sample.rss_mib:6.1f} MiB"
    )


def leak_verdict(samples: Sequence[Sample]) -> tuple[bool, str]:
    """(suspected, explanation): RSS growth from the second sample to the last."""
    if len(samples) < 3:
        return False, "too short to judge (needs at least three intervals)"
    base, end = samples[1].rss_mib, samples[-1].rss_mib
    growth = end - base
    slack = max(LEAK_SLACK_MIB, base * LEAK_SLACK_SHARE)
    minutes = (samples[-1].elapsed_s - samples[1].elapsed_s) / 60
    text = (
        f"RSS {base:.1f} MiB after the second interval, {end:.1f} MiB at the end: "
        f"{growth:+.1f} MiB over {minutes:.1f} min (allowed {slack:.1f} MiB)"
    )
    return growth > slack, text


async def soak(args: argparse.Namespace, url: str, secret: str, pid: int) -> list[Sample]:
    generator = Soak(url, secret, args)
    await generator.prepare()
    seconds = args.minutes * 60
    print(
        f"soak: {args.rate:g} req/s for {args.minutes:g} min against {url} (PID {pid}), "
        f"{args.login_share:.0%} logins, a line every {args.interval:g} s",
        flush=True,
    )
    samples: list[Sample] = []
    driving = asyncio.create_task(generator.drive(seconds))
    started = previous = time.perf_counter()
    cpu_before = _cpu_seconds(pid)
    while not driving.done():
        await asyncio.wait([driving], timeout=args.interval)
        window, generator.window = generator.window, Window()
        now, cpu_now = time.perf_counter(), _cpu_seconds(pid)
        span, previous = now - previous, now
        cpu = None
        if cpu_before is not None and cpu_now is not None:
            cpu = (cpu_now - cpu_before) / span
        cpu_before = cpu_now
        rss = (proc_status_kib(pid, "VmRSS") or 0) / MIB
        sample = Sample(now - started, span, window, rss, cpu)
        samples.append(sample)
        print(line(sample), flush=True)
    driving.result()
    summary(generator, samples, pid)
    return samples


def summary(generator: Soak, samples: Sequence[Sample], pid: int) -> None:
    total = generator.total
    ordered = sorted(total.latencies_ms)
    codes = ", ".join(f"{code}: {n}" for code, n in sorted(total.statuses.items()))
    peak = (proc_status_kib(pid, "VmHWM") or 0) / MIB
    suspected, why = leak_verdict(samples)
    print(
        f"\nsummary: {len(ordered)} requests ({codes}), {total.errors} errors\n"
        f"latency p50 {_percentile(ordered, 0.50):.1f} ms, p95 {_percentile(ordered, 0.95):.1f}"
        f" ms, p99 {_percentile(ordered, 0.99):.1f} ms, max {ordered[-1] if ordered else 0:.1f}"
        f" ms; generator at most {generator.late_ms:.1f} ms behind schedule\n"
        f"RSS peak {peak:.1f} MiB; {why}\n"
        f"leak: {'SUSPECTED' if suspected else 'none seen'}",
        flush=True,
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.soak",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--rate", type=float, default=200.0, help="requests per second")
    p.add_argument("--minutes", type=float, default=5.0)
    p.add_argument("--interval", type=float, default=10.0, help="seconds between report lines")
    p.add_argument("--login-share", type=float, default=0.05, help="share of requests that log in")
    p.add_argument("--users", type=int, default=64, help="users logging in (and whoami tokens)")
    p.add_argument("--connections", type=int, default=64, help="at most this many at once")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds before a request fails")
    p.add_argument("--tessera", default=str(ROOT / ".venv" / "bin" / "tessera"))
    p.add_argument("--startup-timeout", type=float, default=60.0)
    p.add_argument("--keep", action="store_true", help="keep the temp dir (config, log, db)")
    args = p.parse_args(argv)
    if args.rate <= 0 or args.minutes <= 0 or args.interval <= 0:
        p.error("--rate, --minutes and --interval must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="tessera-soak-"))
    # bench.run's server handling, unpinned: the soak is about time, not peak rates.
    bench = Bench.unpinned(args.tessera, args.startup_timeout, workdir)
    config, port, secret = bench.tessera_config(workdir / "tessera")
    process, start = bench.start_tessera(config, port)
    print(f"Tessera started in {start.seconds:.2f} s, idle RSS {start.idle_rss_mib:.1f} MiB")
    try:
        samples = event_loop_runner()(soak(args, f"http://127.0.0.1:{port}", secret, process.pid))
        alive = process.poll() is None
    finally:
        bench.stop_tessera(process)
        if args.keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    errors = sum(sample.window.errors for sample in samples)
    suspected, _ = leak_verdict(samples)
    if not alive:
        print("the server died during the soak", file=sys.stderr)
    return 1 if errors or suspected or not alive else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
