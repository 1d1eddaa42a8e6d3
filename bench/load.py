"""A closed-loop HTTP/1.1 load generator for Tessera (and any Matrix homeserver).

Loopback only, bounded in time: C keep-alive connections each send one
request after another; the first ``--warmup`` seconds are not recorded, the
next ``--duration`` seconds are. Every request is built before the clock
starts (all JWTs are minted up front, users needed by a scenario are created
up front), so the generator measures the server, not itself.

    python -m bench.load --url http://127.0.0.1:8008 --secret S --scenario whoami

Scenarios (C = --concurrency):

  login-new       JWT login (HS256) of a user that does not exist yet: user, device, token created
  login-existing  JWT login (HS256) of one of --existing-users users (a new device each time)
  whoami          GET /account/whoami, each connection with its own valid access token
  bad-signature   JWT login with a token signed with the wrong secret (403 expected)
  mixed           95% whoami as above, 5% (every 20th request) login-existing
  login-rs256     as login-existing, signed RS256 with --rs256-key; the server at --rs256-url
                  (default --url) must have the matching public key as jwt_config.secret

Every login sends a distinct JWT (distinct ``jti``): login-new never reuses a token
and ends the window early if its pool runs out (see --max-rate); the other
login scenarios cycle through a pool of --pool distinct tokens (RS256:
--rs256-pool, as signing is slow). Payloads carry ``sub``, ``iat``, ``exp``
(1 h) and ``jti``.

Reported per scenario: requests/s over the window, latency p50/p90/p99/max,
status counts, the generator's CPU use (near 100% means the generator, not the
server, is the limit) and, with --server-pid, the server's CPU use.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import hashlib
import hmac
import itertools
import json
import os
import resource
import secrets
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

LOGIN = "/_matrix/client/v3/login"
WHOAMI = "/_matrix/client/v3/account/whoami"
VERSIONS = "/_matrix/client/versions"

SCENARIOS = ("login-new", "login-existing", "whoami", "bad-signature", "mixed", "login-rs256")
HS256_SCENARIOS = SCENARIOS[:5]
LOGIN_SCENARIOS = ("login-new", "login-existing", "login-rs256")
MIXED_LOGIN_EVERY = 20  # 1 in 20 = 5% logins
LOOPBACK = ("127.0.0.1", "localhost", "::1")

# A request source: given the connection's index, the next request's bytes, or
# None when a non-reusable pool is used up.
Source = Callable[[int], bytes | None]


def expected_statuses(scenario: str) -> set[int]:
    return {403} if scenario == "bad-signature" else {200}


# ---------------------------------------------------------------------------
# JWTs


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


class Signer:
    """Mints compact JWTs: HS256 with a shared secret, or RS256 with a private PEM key.

    Hand-rolled (a few microseconds per HS256 token) so that minting 100,000
    tokens before the window takes about a second.
    """

    def __init__(self, *, secret: str | None = None, private_pem: bytes | None = None) -> None:
        if (secret is None) == (private_pem is None):
            raise ValueError("give exactly one of secret and private_pem")
        self._secret = secret.encode() if secret is not None else b""
        self._rsa: Any = None
        if private_pem is not None:
            from cryptography.hazmat.primitives.serialization import load_pem_private_key

            self._rsa = load_pem_private_key(private_pem, password=None)
        self.algorithm = "RS256" if self._rsa is not None else "HS256"
        self._header = _b64(json.dumps({"alg": self.algorithm, "typ": "JWT"}).encode())
        self._now = int(time.time())

    def mint(self, subject: str, jti: int | str) -> str:
        claims = {"sub": subject, "iat": self._now, "exp": self._now + 3600, "jti": str(jti)}
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = self._header + b"." + payload
        if self._rsa is None:
            signature = hmac.digest(self._secret, signing_input, hashlib.sha256)
        else:
            from cryptography.hazmat.primitives import hashes
            from cryptography.hazmat.primitives.asymmetric import padding

            signature = self._rsa.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return (signing_input + b"." + _b64(signature)).decode()


def write_rs256_keypair(directory: Path, bits: int = 2048) -> tuple[Path, Path]:
    """Write ``rs256-private.pem`` (PKCS#8) and ``rs256-public.pem`` (SPKI) into directory."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = directory / "rs256-private.pem"
    public = directory / "rs256-public.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    private.chmod(0o600)
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


# ---------------------------------------------------------------------------
# HTTP/1.1 on raw bytes


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


def parse_response(buf: bytes) -> tuple[int, int] | None:
    """(status, length of the whole response) if buf holds a complete response, else None."""
    head_end = buf.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    head = buf[:head_end].lower()
    status = int(buf[9:12])
    body_start = head_end + 4
    marker = head.find(b"\r\ncontent-length:")
    if marker >= 0:
        line_end = head.find(b"\r\n", marker + 2)
        value = head[marker + 17 : line_end if line_end >= 0 else len(head)]
        end = body_start + int(value)
        return (status, end) if len(buf) >= end else None
    if b"\r\ntransfer-encoding: chunked" in head:
        pos = body_start
        while True:
            line_end = buf.find(b"\r\n", pos)
            if line_end < 0:
                return None
            size = int(buf[pos:line_end].split(b";")[0], 16)
            if size == 0:
                end = buf.find(b"\r\n\r\n", line_end)
                return (status, end + 4) if end >= 0 else None
            pos = line_end + 2 + size + 2
            if pos > len(buf):
                return None
    return status, body_start  # no body (204, 304, or a server that sent none)


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One response from a stream (used before the window, where speed does not matter)."""
    buf = await reader.readuntil(b"\r\n\r\n")
    while (parsed := parse_response(buf)) is None:
        chunk = await reader.read(65536)
        if not chunk:
            raise ConnectionError("connection closed mid-response")
        buf += chunk
    status, end = parsed
    head_end = buf.find(b"\r\n\r\n")
    body = buf[head_end + 4 : end]
    if b"\r\ntransfer-encoding: chunked" in buf[:head_end].lower():
        return status, _dechunk(body)
    return status, body


def _dechunk(body: bytes) -> bytes:
    out, pos = [], 0
    while True:
        line_end = body.find(b"\r\n", pos)
        size = int(body[pos:line_end].split(b";")[0], 16)
        if size == 0:
            return b"".join(out)
        out.append(body[line_end + 2 : line_end + 2 + size])
        pos = line_end + 2 + size + 2


def check_loopback(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 80
    if parts.scheme != "http" or host not in LOOPBACK:
        raise SystemExit(f"bench.load only targets http:// on loopback, not {url}")
    return host, port


async def login_all(url: str, tokens: Sequence[str], connections: int = 8) -> list[str]:
    """Log in with each JWT (before the window); the access tokens, in order."""
    host, port = check_loopback(url)
    netloc = urlsplit(url).netloc
    results: list[str] = [""] * len(tokens)
    indexes = iter(range(len(tokens)))

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for i in indexes:
                writer.write(login_request(netloc, tokens[i]))
                status, body = await read_response(reader)
                if status != 200:
                    raise SystemExit(f"setup login failed: {status} {body[:300]!r}")
                results[i] = str(json.loads(body)["access_token"])
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(min(connections, len(tokens)))))
    return results


# ---------------------------------------------------------------------------
# The timed run


@dataclass
class Result:
    scenario: str
    url: str
    concurrency: int
    window_s: float
    requests: int
    statuses: dict[str, int]
    unexpected: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    generator_cpu: float
    server_cpu: float | None
    pool_exhausted: bool
    unfinished: int
    event_loop: str
    notes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.window_s if self.window_s > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rate": self.rate}

    def row(self) -> str:
        codes = ",".join(f"{code}:{n}" for code, n in sorted(self.statuses.items()))
        server = f" server {self.server_cpu:4.0%}" if self.server_cpu is not None else ""
        flags = " POOL EXHAUSTED" if self.pool_exhausted else ""
        return (
            f"{self.scenario:<15} {self.rate:>8.0f}/s  p50 {self.p50_ms:6.1f} ms"
            f"  p99 {self.p99_ms:6.1f} ms  max {self.max_ms:6.1f} ms"
            f"  gen {self.generator_cpu:4.0%}{server}  [{codes}]{flags}"
        )


def _percentile(ordered: list[float], p: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def _cpu_seconds(pid: int | None) -> float | None:
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _Run:
    """Shared state of one timed run; its connections are _Connection protocols."""

    def __init__(self, source: Source, expected: set[int], server_pid: int | None) -> None:
        self.source = source
        self.expected = expected
        self.server_pid = server_pid
        self.recording = False
        self.sending = True
        self.exhausted = False
        self.latencies: list[float] = []
        self.statuses: Counter[str] = Counter()
        self.t0 = self.t1 = 0.0
        self.cpu0 = self.cpu1 = 0.0
        self.server0: float | None = None
        self.server1: float | None = None

    def start_window(self) -> None:
        self.recording = True
        self.t0 = time.perf_counter()
        self.cpu0 = _own_cpu_seconds()
        self.server0 = _cpu_seconds(self.server_pid)

    def end_window(self) -> None:
        if not self.recording:
            return
        self.recording = False
        self.sending = False
        self.t1 = time.perf_counter()
        self.cpu1 = _own_cpu_seconds()
        self.server1 = _cpu_seconds(self.server_pid)

    def next_request(self, index: int) -> bytes | None:
        if not self.sending:
            return None
        request = self.source(index)
        if request is None:  # a one-shot pool is used up: the window ends now
            self.exhausted = True
            self.end_window()
            self.sending = False
        return request


class _Connection(asyncio.Protocol):
    def __init__(self, run: _Run, index: int, done: asyncio.Future[None]) -> None:
        self.run = run
        self.index = index
        self.done = done
        self.buf = b""
        self.sent_at = 0.0
        self.in_flight = False
        self.transport: Any = None  # uvloop's transports are not asyncio.Transport subclasses

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.send()

    def send(self) -> None:
        assert self.transport is not None
        request = self.run.next_request(self.index)
        if request is None:
            self.in_flight = False
            self.transport.close()
            return
        self.in_flight = True
        self.sent_at = time.perf_counter()
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.buf = self.buf + data if self.buf else data
        parsed = parse_response(self.buf)
        if parsed is None:
            return
        status, end = parsed
        self.buf = self.buf[end:]
        run = self.run
        if run.recording:
            run.latencies.append((time.perf_counter() - self.sent_at) * 1000.0)
            run.statuses[str(status)] += 1
        self.send()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.in_flight and self.run.recording:
            self.run.statuses["conn-lost"] += 1
        if not self.done.done():
            self.done.set_result(None)


async def run(
    url: str,
    scenario: str,
    source: Source,
    concurrency: int,
    duration: float,
    warmup: float = 1.0,
    server_pid: int | None = None,
    notes: Sequence[str] = (),
) -> Result:
    """Drive `source` over `concurrency` connections; record `duration` s after `warmup` s."""
    host, port = check_loopback(url)
    loop = asyncio.get_running_loop()
    state = _Run(source, expected_statuses(scenario), server_pid)
    connections: list[_Connection] = []

    async def connection(index: int) -> None:
        # A connection the server closes is reopened while the run is sending.
        while state.sending:
            done: asyncio.Future[None] = loop.create_future()
            conn = _Connection(state, index, done)
            connections.append(conn)
            await loop.create_connection(lambda c=conn: c, host, port)
            await done

    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        loop.call_later(warmup, state.start_window)
        loop.call_later(warmup + duration, state.end_window)
        tasks = [asyncio.ensure_future(connection(i)) for i in range(concurrency)]
        # In-flight requests at the end of the window get a few seconds to finish.
        _, pending = await asyncio.wait(tasks, timeout=warmup + duration + 10)
        unfinished = sum(1 for c in connections if c.in_flight and c.transport is not None)
        for task in pending:
            task.cancel()
        for conn in connections:
            if conn.transport is not None:
                conn.transport.abort()
        for task in tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
    finally:
        gc.enable()
        gc.unfreeze()

    ordered = sorted(state.latencies)
    window = state.t1 - state.t0
    server_cpu = None
    if state.server0 is not None and state.server1 is not None and window > 0:
        server_cpu = (state.server1 - state.server0) / window
    all_notes = list(notes)
    if state.exhausted:
        all_notes.append(f"token pool used up after {window:.1f} s of the window")
    return Result(
        scenario=scenario,
        url=url,
        concurrency=concurrency,
        window_s=window,
        requests=len(ordered),
        statuses=dict(state.statuses),
        unexpected=sum(
            n
            for code, n in state.statuses.items()
            if not (code.isdigit() and int(code) in state.expected)
        ),
        p50_ms=_percentile(ordered, 0.50),
        p90_ms=_percentile(ordered, 0.90),
        p99_ms=_percentile(ordered, 0.99),
        max_ms=ordered[-1] if ordered else 0.0,
        mean_ms=sum(ordered) / len(ordered) if ordered else 0.0,
        generator_cpu=(state.cpu1 - state.cpu0) / window if window > 0 else 0.0,
        server_cpu=server_cpu,
        pool_exhausted=state.exhausted,
        unfinished=unfinished,
        event_loop=type(loop).__module__.split(".")[0],
        notes=all_notes,
    )


# ---------------------------------------------------------------------------
# Scenarios: everything a scenario sends is prepared here, before the window


async def prepare(scenario: str, args: argparse.Namespace, prefix: str) -> tuple[str, Source]:
    """The target URL and request source for a scenario."""
    url = args.url
    if scenario == "login-rs256":
        url = args.rs256_url or args.url
        if not args.rs256_pem:
            raise SystemExit("login-rs256 needs --rs256-key (see --write-keypair)")
        signer = Signer(private_pem=args.rs256_pem)
    else:
        if not args.secret:
            raise SystemExit(f"{scenario} needs --secret (the server's HS256 jwt_config.secret)")
        signer = Signer(secret=args.secret)
    host = urlsplit(url).netloc
    jti = itertools.count()

    async def existing_users() -> list[str]:
        users = [f"{prefix}-{scenario}-u{i}" for i in range(args.existing_users)]
        await login_all(url, [signer.mint(user, next(jti)) for user in users])
        return users

    def login_pool(users: list[str], size: int, mint: Signer = signer) -> list[bytes]:
        return [
            login_request(host, mint.mint(users[i % len(users)], next(jti))) for i in range(size)
        ]

    async def access_tokens() -> list[str]:
        users = [f"{prefix}-{scenario}-c{i}" for i in range(args.concurrency)]
        return await login_all(url, [signer.mint(user, next(jti)) for user in users])

    if scenario == "login-new":
        size = args.max_new_users or int(args.max_rate * (args.warmup + args.duration))
        fresh = iter(
            [login_request(host, signer.mint(f"{prefix}-new-{i}", next(jti))) for i in range(size)]
        )
        return url, lambda _index: next(fresh, None)

    if scenario in ("login-existing", "login-rs256"):
        size = args.rs256_pool if scenario == "login-rs256" else args.pool
        cycle = itertools.cycle(login_pool(await existing_users(), size))
        return url, lambda _index: next(cycle)

    if scenario == "whoami":
        whoami = [request_bytes(host, "GET", WHOAMI, token=t) for t in await access_tokens()]
        return url, lambda index: whoami[index]

    if scenario == "bad-signature":
        wrong = Signer(secret=args.secret + "-wrong")
        cycle = itertools.cycle(login_pool([f"{prefix}-bad"], args.pool, wrong))
        return url, lambda _index: next(cycle)

    if scenario == "mixed":
        whoami = [request_bytes(host, "GET", WHOAMI, token=t) for t in await access_tokens()]
        logins = itertools.cycle(login_pool(await existing_users(), args.pool))
        counter = itertools.count()

        def mixed(index: int) -> bytes:
            if next(counter) % MIXED_LOGIN_EVERY == 0:
                return next(logins)
            return whoami[index]

        return url, mixed

    raise SystemExit(f"unknown scenario {scenario}")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench.load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--url", default="http://127.0.0.1:8008")
    p.add_argument("--secret", help="the server's HS256 jwt_config.secret")
    p.add_argument(
        "--scenario",
        action="append",
        choices=SCENARIOS,
        help=f"repeatable; default: {' '.join(HS256_SCENARIOS)} (+ login-rs256 with --rs256-key)",
    )
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--duration", type=float, default=10.0, help="recorded seconds per scenario")
    p.add_argument("--warmup", type=float, default=1.0, help="unrecorded seconds before that")
    p.add_argument(
        "--max-rate",
        type=float,
        default=10000.0,
        help="login-new: mint tokens for this many logins/s over warm-up + duration",
    )
    p.add_argument("--max-new-users", type=int, help="login-new: pool size (overrides --max-rate)")
    p.add_argument("--pool", type=int, default=20000, help="distinct HS256 tokens, cycled")
    p.add_argument("--existing-users", type=int, default=100)
    p.add_argument("--rs256-key", help="PEM private key for login-rs256")
    p.add_argument("--rs256-url", help="server configured with the RS256 public key")
    p.add_argument("--rs256-pool", type=int, default=4000, help="distinct RS256 tokens, cycled")
    p.add_argument("--server-pid", type=int, help="report this process's CPU use in the window")
    p.add_argument("--json", action="store_true", help="one JSON object per scenario on stdout")
    p.add_argument(
        "--write-keypair",
        metavar="DIR",
        help="write rs256-private.pem and rs256-public.pem into DIR and exit",
    )
    return p


async def main(args: argparse.Namespace) -> None:
    scenarios = args.scenario or [*HS256_SCENARIOS, *(["login-rs256"] if args.rs256_pem else [])]
    prefix = f"bench-{secrets.token_hex(3)}"
    human = sys.stderr if args.json else sys.stdout
    for scenario in scenarios:
        url, source = await prepare(scenario, args, prefix)
        result = await run(
            url,
            scenario,
            source,
            args.concurrency,
            args.duration,
            args.warmup,
            args.server_pid,
        )
        print(result.row(), file=human, flush=True)
        if args.json:
            print(json.dumps(result.as_dict()), flush=True)


def cli(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.write_keypair:
        private, public = write_rs256_keypair(Path(args.write_keypair))
        print(f"{private}\n{public}")
        return
    args.rs256_pem = Path(args.rs256_key).read_bytes() if args.rs256_key else None
    event_loop_runner()(main(args))


def event_loop_runner() -> Callable[..., Any]:
    """uvloop's runner where it is installed (as it is with Tessera), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    return uvloop.run  # type: ignore[no-any-return]


if __name__ == "__main__":
    cli()
