"""How many PostgreSQL round trips each endpoint makes, counted on the wire.

    python -m bench.pg_round_trips --dsn postgresql://user@127.0.0.1:5432/db [--markdown]

The app runs in this process (through httpx's ASGI transport) on a pool of
one connection that goes through a counting TCP proxy in front of the
server. A round trip is one turn of the conversation: the client speaks after
the server has answered (or for the first time). Each scenario runs once to
warm up (asyncpg prepares a statement on its first use per connection), then
once counted, so the numbers are those of a warm server. The database named
by --dsn gets Tessera's schema and a few test users; use a scratch database.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.engine import make_url

from bench.load import Signer
from tessera.app import build_app
from tessera.config import Config, DatabaseConfig, JwtConfig, ListenerConfig
from tessera.config.model import LoginRateLimits, RateLimitConfig
from tessera.storage.database import Database
from tessera.storage.migrate import migrate

SECRET = "round-trips-" + "x" * 32
CLIENT = "/_matrix/client/v3"
_UNLIMITED = RateLimitConfig(per_second=1e6, burst_count=1_000_000)
_jti = itertools.count()


class CountingProxy:
    """A loopback TCP proxy that counts the client's turns to speak."""

    def __init__(self, host: str, port: int) -> None:
        self._upstream = (host, port)
        self.round_trips = 0

    async def start(self) -> int:
        server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        return int(server.sockets[0].getsockname()[1])

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self._upstream)
        client_spoke_last = [False]

        async def pump(
            source: asyncio.StreamReader, sink: asyncio.StreamWriter, from_client: bool
        ) -> None:
            while data := await source.read(65536):
                if from_client and not client_spoke_last[0]:
                    self.round_trips += 1
                client_spoke_last[0] = from_client
                sink.write(data)
                await sink.drain()
            sink.close()

        await asyncio.gather(
            pump(reader, up_writer, True), pump(up_reader, writer, False), return_exceptions=True
        )


_signer = Signer(secret=SECRET)


def _jwt(localpart: str) -> dict[str, str]:
    return {"type": "org.matrix.login.jwt", "token": _signer.mint(localpart, next(_jti))}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def measure(dsn: str, verbose: bool = False) -> list[tuple[str, int]]:
    """(scenario, round trips) for every scenario, warm."""
    url = make_url(dsn)
    proxy = CountingProxy(url.host or "127.0.0.1", url.port or 5432)
    proxied = url.set(drivername="postgresql+asyncpg", host="127.0.0.1", port=await proxy.start())
    database = Database.from_url(proxied, 1, 1)
    await migrate(database)
    config = Config(
        server_name="bench.local",
        rc_login=LoginRateLimits(_UNLIMITED, _UNLIMITED, _UNLIMITED),
        database=DatabaseConfig("postgres"),
        listeners=(ListenerConfig(port=0),),
        jwt=JwtConfig(enabled=True, secret=SECRET, algorithm="HS256"),
    )
    application = build_app(config, database=database)
    statements: list[str] = []
    if verbose:
        engine = database.engine.sync_engine
        for name in ("begin", "commit", "rollback"):
            event.listen(engine, name, lambda _conn, name=name: statements.append(name.upper()))
        event.listen(
            engine,
            "before_cursor_execute",
            lambda _c, _cur, sql, *_rest: statements.append(" ".join(sql.split())[:90]),
        )
    transport = httpx.ASGITransport(app=application.asgi, client=("127.0.0.1", 1234))
    results: list[tuple[str, int]] = []
    run = secrets.token_hex(3)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

        async def login(localpart: str, **fields: Any) -> dict[str, Any]:
            response = await client.post(f"{CLIENT}/login", json={**_jwt(localpart), **fields})
            assert response.status_code == 200, response.text
            return dict(response.json())

        async def count(name: str, action: Callable[[], Awaitable[Any]]) -> None:
            proxy.round_trips = 0
            statements.clear()
            await action()
            results.append((name, proxy.round_trips))
            if verbose:
                print(f"{name}: {proxy.round_trips}", *statements, sep="\n    ")

        async def twice(name: str, make: Callable[[int], Awaitable[Any]]) -> None:
            await make(0)  # warm-up: statements get prepared on this connection
            await count(name, lambda: make(1))

        await twice("login, new user", lambda n: login(f"new-{run}-{n}"))
        await login(f"old-{run}")
        await twice("login, existing user (new device)", lambda n: login(f"old-{run}"))
        await twice(
            "login, existing user and device",
            lambda n: login(f"old-{run}", device_id="PHONE"),
        )
        tokens = [(await login(f"who-{run}"))["access_token"] for _ in range(2)]
        await twice(
            "whoami, token not cached",
            lambda n: client.get(f"{CLIENT}/account/whoami", headers=_bearer(tokens[n])),
        )
        await count(
            "whoami, token cached",
            lambda: client.get(f"{CLIENT}/account/whoami", headers=_bearer(tokens[1])),
        )
        await count(
            "login with a bad signature (403)",
            lambda: client.post(
                f"{CLIENT}/login", json={**_jwt("x"), "token": _jwt("x")["token"][:-2] + "AA"}
            ),
        )
        sessions = [await login(f"refresh-{run}", refresh_token=True) for _ in range(2)]

        async def refresh(n: int) -> None:
            body = {"refresh_token": sessions[n]["refresh_token"]}
            response = await client.post(f"{CLIENT}/refresh", json=body)
            assert response.status_code == 200, response.text
            sessions[n] = response.json()

        await twice("refresh", refresh)
        await twice(
            "first use of a refreshed token (whoami)",
            lambda n: client.get(
                f"{CLIENT}/account/whoami", headers=_bearer(sessions[n]["access_token"])
            ),
        )
        devices = [(await login(f"dev-{run}"))["access_token"] for _ in range(2)]
        for token in devices:  # cached, and the device seen (its last-seen flush is pending)
            await client.get(f"{CLIENT}/account/whoami", headers=_bearer(token))
        await twice(
            "GET /devices (token cached)",
            lambda n: client.get(f"{CLIENT}/devices", headers=_bearer(devices[n])),
        )
        await twice(
            "GET /profile/{user}/displayname",
            lambda n: client.get(f"{CLIENT}/profile/@dev-{run}:bench.local/displayname"),
        )
        await twice(
            "logout (token cached)",
            lambda n: client.post(f"{CLIENT}/logout", headers=_bearer(devices[n]), json={}),
        )
        everyone = [(await login(f"all-{run}-{n}"))["access_token"] for n in range(2)]
        for token in everyone:
            await client.get(f"{CLIENT}/account/whoami", headers=_bearer(token))
        await twice(
            "logout/all (token cached)",
            lambda n: client.post(f"{CLIENT}/logout/all", headers=_bearer(everyone[n]), json={}),
        )
    await database.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True, help="postgresql://… of a scratch database")
    parser.add_argument("--verbose", action="store_true", help="also list each one's statements")
    args = parser.parse_args()
    results = asyncio.run(measure(args.dsn, args.verbose))
    print("| request (warm server) | PostgreSQL round trips |")
    print("|---|--:|")
    for name, round_trips in results:
        print(f"| {name} | {round_trips} |")


if __name__ == "__main__":
    main()
