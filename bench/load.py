"""A small closed-loop HTTP/1.1 load generator for Tessera (and any Matrix server).

Loopback only, bounded in time: C keep-alive connections each send one
request after another for D seconds. Every request body is prepared before
the timed window (JWTs are minted up front), so the generator measures the
server, not itself.

    python -m bench.load --url http://127.0.0.1:8008 --secret S --scenario whoami
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from joserfc import jwt
from joserfc.jwk import OctKey

LOGIN = "/_matrix/client/v3/login"
WHOAMI = "/_matrix/client/v3/account/whoami"


@dataclass
class Result:
    scenario: str
    requests: int
    seconds: float
    statuses: Counter[int]
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0.0

    def row(self) -> str:
        codes = ",".join(f"{code}:{n}" for code, n in sorted(self.statuses.items()))
        return (
            f"{self.scenario:<16} {self.rate:>9.0f}/s  p50 {self.percentile(0.5):6.1f} ms"
            f"  p99 {self.percentile(0.99):6.1f} ms"
            f"  mean {statistics.fmean(self.latencies_ms or [0]):6.1f} ms"
            f"  [{codes}]"
        )


def mint(secret: str, subject: str) -> str:
    key = OctKey.import_key(secret)
    return jwt.encode({"alg": "HS256"}, {"sub": subject}, key, algorithms=["HS256"])


def request_bytes(host: str, method: str, path: str, body: bytes = b"", token: str = "") -> bytes:
    head = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    if token:
        head.append(f"Authorization: Bearer {token}")
    if body:
        head.append("Content-Type: application/json")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def login_request(host: str, token: str) -> bytes:
    body = json.dumps({"type": "org.matrix.login.jwt", "token": token}).encode()
    return request_bytes(host, "POST", LOGIN, body)


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    body = await reader.readexactly(length) if length else b""
    return status, body


async def run(
    url: str,
    scenario: str,
    next_request: Callable[[], bytes],
    concurrency: int,
    duration: float,
) -> Result:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("bench.load only targets loopback")
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    deadline = time.perf_counter() + duration

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                writer.write(next_request())
                status, _ = await read_response(reader)
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[status] += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Result(scenario, len(latencies), time.perf_counter() - started, statuses, latencies)


async def login_once(url: str, token: str) -> str:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(login_request(f"{parts.hostname}:{parts.port}", token))
    status, body = await read_response(reader)
    writer.close()
    if status != 200:
        raise SystemExit(f"login failed: {status} {body[:200]!r}")
    return str(json.loads(body)["access_token"])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8008")
    parser.add_argument("--secret", required=True, help="the server's HS256 jwt_config.secret")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=["login-new", "login-existing", "whoami", "bad-signature"],
    )
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--max-new-users", type=int, default=60000)
    args = parser.parse_args()
    scenarios = args.scenario or ["login-new", "login-existing", "whoami", "bad-signature"]
    run_id = secrets.token_hex(3)

    for scenario in scenarios:
        make = await prepare(scenario, args, f"bench-{run_id}")
        result = await run(args.url, scenario, make, args.concurrency, args.duration)
        print(result.row(), flush=True)


async def prepare(scenario: str, args: argparse.Namespace, prefix: str) -> Callable[[], bytes]:
    """The request source for a scenario, with every JWT minted before the clock starts."""
    host = urlsplit(args.url).netloc
    if scenario == "login-new":
        fresh = iter(
            [
                login_request(host, mint(args.secret, f"{prefix}-{i}"))
                for i in range(args.max_new_users)
            ]
        )
        return lambda: next(fresh)
    if scenario == "login-existing":
        token = mint(args.secret, f"{prefix}-existing")
        await login_once(args.url, token)
        existing = login_request(host, token)
        return lambda: existing
    if scenario == "whoami":
        access = await login_once(args.url, mint(args.secret, f"{prefix}-whoami"))
        whoami = request_bytes(host, "GET", WHOAMI, token=access)
        return lambda: whoami
    bad = login_request(host, mint(args.secret + "-wrong", f"{prefix}-bad"))
    return lambda: bad


if __name__ == "__main__":
    asyncio.run(main())
