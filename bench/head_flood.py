"""Header flood: a fresh `tessera run` while clients stream endless header lines at it.

Each flooding connection sends a request line, then ``X-Endless: aaaa…`` without end,
reconnecting whenever the server answers (431) and closes. Meanwhile one client sends
``GET /_matrix/client/versions`` one request at a time on a kept-alive connection. The
report compares that client's latency and the server's peak RSS (``VmHWM``) and RSS
(``VmRSS``, sampled every 0.1 s) with a quiet baseline of the same length (issue 12,
item 2: before the caps, one flooding connection took the server from 46 to 392 MiB).

    python -m bench.head_flood                 # 4 flooding connections, 10 s each phase
    python -m bench.head_flood --flooders 16 --seconds 30

Only the server process started here is ever signalled, by its PID.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path

from bench.load import _percentile, event_loop_runner, read_response, request_bytes
from bench.run import ROOT, Bench, proc_status_kib

VERSIONS = "/_matrix/client/versions"
CHUNK = b"a" * 65536


async def measure(port: int, seconds: float, pid: int) -> tuple[list[float], float]:
    """``/versions`` latencies (ms) for ``seconds``, and the highest RSS (MiB) seen."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = request_bytes("127.0.0.1", "GET", VERSIONS)
    latencies: list[float] = []
    peak_rss = 0.0
    next_sample = 0.0
    end = time.perf_counter() + seconds
    try:
        while (now := time.perf_counter()) < end:
            writer.write(request)
            status, _ = await read_response(reader)
            assert status == 200, status
            latencies.append((time.perf_counter() - now) * 1000)
            if now >= next_sample:
                peak_rss = max(peak_rss, (proc_status_kib(pid, "VmRSS") or 0) / 1024)
                next_sample = now + 0.1
    finally:
        writer.close()
    return latencies, peak_rss


async def flood(port: int, stop: asyncio.Event, counts: dict[str, int]) -> None:
    """Stream an endless header line; start again each time the server closes."""
    while not stop.is_set():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: t\r\nX-Endless: ")
        answered = asyncio.ensure_future(reader.read(64))
        try:
            while not stop.is_set() and not answered.done():
                writer.write(CHUNK)
                await writer.drain()
                counts["bytes"] += len(CHUNK)
        except ConnectionError:
            pass
        finally:
            writer.close()
        try:
            head = await asyncio.wait_for(answered, 5)
        except (TimeoutError, ConnectionError):
            head = b""
        if head.startswith(b"HTTP/1.1 431"):
            counts["431"] += 1


def summary(name: str, latencies: list[float], rss: float) -> str:
    ordered = sorted(latencies)
    return (
        f"{name:>6}: {len(ordered):>6} requests, p50 {_percentile(ordered, 0.5):.2f} ms, "
        f"p99 {_percentile(ordered, 0.99):.2f} ms, max RSS {rss:.1f} MiB"
    )


def flood_process(port: int, flooders: int, report: Connection) -> None:
    """The flooding connections, in a process of their own: the measuring client's
    event loop must not share its turns with them."""
    counts = {"bytes": 0, "431": 0}
    stop = asyncio.Event()

    async def run() -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        await asyncio.gather(*(flood(port, stop, counts) for _ in range(flooders)))

    asyncio.run(run())
    report.send(counts)


async def phases(args: argparse.Namespace, port: int, pid: int) -> None:
    quiet, quiet_rss = await measure(port, args.seconds, pid)
    print(summary("quiet", quiet, quiet_rss))
    receiving, sending = multiprocessing.Pipe(duplex=False)
    flooders = multiprocessing.get_context("fork").Process(
        target=flood_process, args=(port, args.flooders, sending)
    )
    flooders.start()
    try:
        await asyncio.sleep(0.5)
        loud, loud_rss = await measure(port, args.seconds, pid)
    finally:
        flooders.terminate()  # SIGTERM to our own child, by its PID: it stops and reports
    counts = await asyncio.to_thread(receiving.recv)
    flooders.join()
    print(summary("flood", loud, loud_rss))
    print(
        f"{args.flooders} flooding connections sent {counts['bytes'] / 2**20:.0f} MiB "
        f"(most of it into the kernel's buffers, dropped at each close), answered 431 "
        f"{counts['431']} times; server peak RSS (VmHWM) "
        f"{(proc_status_kib(pid, 'VmHWM') or 0) / 1024:.1f} MiB"
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.head_flood",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--flooders", type=int, default=4, help="connections streaming headers")
    p.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    p.add_argument("--tessera", default=str(ROOT / ".venv" / "bin" / "tessera"))
    p.add_argument("--startup-timeout", type=float, default=60.0)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="tessera-flood-"))
    bench = Bench.unpinned(args.tessera, args.startup_timeout, workdir)
    config, port, _secret = bench.tessera_config(workdir / "tessera")
    process, start = bench.start_tessera(config, port)
    print(f"Tessera started, idle RSS {start.idle_rss_mib:.1f} MiB")
    try:
        event_loop_runner()(phases(args, port, process.pid))
        alive = process.poll() is None
    finally:
        bench.stop_tessera(process)
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if alive else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
