"""Several workers on one PostgreSQL database: each serves everything, none trusts a dead session.

Two ways to run several workers, both with real ``tessera run`` processes:

- two separate processes on two ports sharing the database, as behind a load
  balancer: the test picks which one answers, so "log out on A, B refuses the
  token within a second" is checked deterministically;
- ``tessera run --workers 2`` on one port: the kernel picks the worker, so the
  test makes each request on a new connection until both workers (told apart
  by the request-ID prefix in the access log) have answered every endpoint.

Every server here trusts a token it has looked up for ``CACHE_TTL`` (ten
minutes, ``access_token_cache_ttl``), far past ``BOUND``: a session ended on
one worker can only be refused by another within the bound because the
``NOTIFY`` reached it, never because its cache entry ran out.
(``tests/e2e/test_mutations.py`` drops the ``NOTIFY`` and expects these
tests to fail.)

On SQLite more than one worker is refused.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import POSTGRES_DSN
from tests.e2e.support import create_database, drop_database, login_body, write_homeserver
from tests.e2e.test_quickstart import TESSERA, ServerProcess

CLIENT = "/_matrix/client/v3"
ADMIN = "/_synapse/admin"
#: The issue's bound: a session ended on one worker is refused by every other within 1 s.
BOUND = 1.0
#: How long each server trusts a cached token: so long that only NOTIFY explains a refusal.
CACHE_TTL = "10m"
ACCESS_LINE = re.compile(r"tessera\.access: (\w+)-\d+ (\w+) (\S+) (\d{3}) ")

needs_postgres = pytest.mark.skipif(
    not POSTGRES_DSN, reason="PostgreSQL not available (make test starts one when installed)"
)


@pytest.fixture(scope="module")
def shared_database() -> Iterator[dict[str, Any]]:
    """A database of its own in the test cluster (no other test truncates it meanwhile)."""
    section = asyncio.run(create_database("tessera_workers"))
    yield section
    asyncio.run(drop_database(section))


class Site:
    """A config directory, the servers started from it, and how to log in there."""

    def __init__(self, directory: Path, secret: str) -> None:
        self.directory = directory
        self.secret = secret
        self.servers: list[ServerProcess] = []

    def start(self, *run_args: str) -> tuple[ServerProcess, str]:
        server = ServerProcess(self.directory, *run_args)
        self.servers.append(server)
        return server, server.base_url()

    def jwt(self, localpart: str) -> dict[str, str]:
        return login_body(self.secret, localpart)

    def stop(self) -> None:
        for server in self.servers:
            server.kill()


def _site(directory: Path, database: dict[str, Any] | None) -> Site:
    directory.mkdir(parents=True, exist_ok=True)
    secret = write_homeserver(directory, database)
    path = directory / "homeserver.yaml"
    config = yaml.safe_load(path.read_text())
    config["access_token_cache_ttl"] = CACHE_TTL
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return Site(directory, secret)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _whoami(client: httpx.Client, token: str) -> httpx.Response:
    return client.get(f"{CLIENT}/account/whoami", headers=_bearer(token))


def _login(client: httpx.Client, site: Site, localpart: str, **fields: Any) -> dict[str, Any]:
    response = client.post(f"{CLIENT}/login", json={**site.jwt(localpart), **fields})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _cached_on(worker: httpx.Client, session: dict[str, Any]) -> dict[str, Any]:
    """``worker``'s whoami for ``session``, a 200: the worker has the token cached now."""
    response = _whoami(worker, session["access_token"])
    assert response.status_code == 200, response.text
    return dict(response.json())


def _new_user_sessions(
    site: Site, prefix: str, logins: tuple[httpx.Client, ...], cached_on: httpx.Client
) -> tuple[str, list[dict[str, Any]]]:
    """A new user's localpart and one session per worker in ``logins``, all cached on one."""
    user = f"{prefix}-{secrets.token_hex(4)}"
    sessions = [_login(worker, site, user) for worker in logins]
    for session in sessions:
        _cached_on(cached_on, session)
    return user, sessions


def _refused_after(client: httpx.Client, token: str) -> float:
    """Seconds until ``client``'s server answers whoami with 401 for ``token`` (polled)."""
    started = time.monotonic()
    while True:
        response = _whoami(client, token)
        elapsed = time.monotonic() - started
        if response.status_code == 401:
            assert response.json()["errcode"] == "M_UNKNOWN_TOKEN"
            return elapsed
        assert response.status_code == 200, response.text
        if elapsed > 5 * BOUND:  # far past the bound: stop polling, the assert will say why
            return elapsed
        time.sleep(0.005)


# --- two processes on two ports, one database -------------------------------------------

#: The site, a client of worker A, one of worker B, and an admin's access token.
Pair = tuple[Site, httpx.Client, httpx.Client, str]


@pytest.fixture(scope="module")
def pair(
    tmp_path_factory: pytest.TempPathFactory, shared_database: dict[str, Any]
) -> Iterator[Pair]:
    """Workers A and B (separate ``tessera run`` processes), and an admin's access token."""
    site = _site(tmp_path_factory.mktemp("pair"), shared_database)
    try:
        _server_a, url_a = site.start()  # A migrates the new database before B starts
        _server_b, url_b = site.start()
        assert url_a != url_b
        created = subprocess.run(
            [TESSERA, "user", "create", "boss", "--admin", "-c", "homeserver.yaml"],
            cwd=site.directory,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert created.returncode == 0, created.stderr
        with httpx.Client(base_url=url_a, timeout=10) as a, httpx.Client(base_url=url_b) as b:
            admin_token = _login(a, site, "boss")["access_token"]
            yield site, a, b, admin_token
    finally:
        site.stop()


@needs_postgres
def test_a_logout_on_one_worker_is_refused_by_the_other_within_a_second(pair: Pair) -> None:
    site, a, b, _admin = pair
    session = _login(a, site, f"logout-{secrets.token_hex(4)}")
    assert _cached_on(b, session)["device_id"] == session["device_id"]
    token = session["access_token"]

    assert a.post(f"{CLIENT}/logout", headers=_bearer(token), json={}).status_code == 200

    assert _refused_after(b, token) <= BOUND


@needs_postgres
def test_an_admin_device_deletion_on_one_worker_is_refused_by_the_other_within_a_second(
    pair: Pair,
) -> None:
    site, a, b, admin = pair
    _user, (doomed, kept) = _new_user_sessions(site, "device", logins=(a, a), cached_on=b)

    user_id = doomed["user_id"]
    deleted = a.delete(
        f"{ADMIN}/v2/users/{user_id}/devices/{doomed['device_id']}", headers=_bearer(admin)
    )
    assert deleted.status_code == 200, deleted.text

    assert _refused_after(b, doomed["access_token"]) <= BOUND
    still = _whoami(b, kept["access_token"])
    assert still.status_code == 200  # only the deleted device's token died


@needs_postgres
def test_an_admin_deactivation_on_one_worker_is_refused_by_the_other_within_a_second(
    pair: Pair,
) -> None:
    site, a, b, admin = pair
    user, sessions = _new_user_sessions(site, "gone", logins=(a, b), cached_on=b)

    user_id = sessions[0]["user_id"]
    deactivated = a.post(f"{ADMIN}/v1/deactivate/{user_id}", headers=_bearer(admin), json={})
    assert deactivated.status_code == 200, deactivated.text

    assert _refused_after(b, sessions[0]["access_token"]) <= BOUND
    assert _refused_after(b, sessions[1]["access_token"]) <= BOUND
    relogin = b.post(f"{CLIENT}/login", json=site.jwt(user))
    assert relogin.status_code == 403
    assert relogin.json()["errcode"] == "M_USER_DEACTIVATED"


@needs_postgres
def test_a_session_revoked_from_the_command_line_is_refused_within_a_second(pair: Pair) -> None:
    site, _a, b, _admin = pair
    session = _login(b, site, f"cli-{secrets.token_hex(4)}")
    _cached_on(b, session)

    command = [TESSERA, "session", "revoke", "-c", "homeserver.yaml", session["user_id"]]
    revoked = subprocess.run(
        [*command, session["device_id"]],
        cwd=site.directory,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert revoked.returncode == 0, revoked.stderr

    # The CLI is one more process: its announcement reaches the server like a worker's.
    assert _refused_after(b, session["access_token"]) <= BOUND


# --- `tessera run --workers 2`: one port, two children --------------------------------


def _endpoint(method: str, path: str) -> str:
    """The route an access-log line was for (IDs in the path replaced)."""
    path = re.sub(r"/devices/[^/]+$", "/devices/{id}", path)
    path = re.sub(r"/profile/[^/]+/", "/profile/{user}/", path)
    return f"{method} {path}"


def _answered_by(server: ServerProcess, expected_lines: int) -> dict[str, set[str]]:
    """Endpoint → the request-ID prefixes (one per worker) that answered it, once logged."""
    deadline = time.monotonic() + 10  # the access log is written every 50 ms
    while True:
        lines = [m for line in server.stderr if (m := ACCESS_LINE.search(line))]
        if len(lines) >= expected_lines or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    workers: dict[str, set[str]] = {}
    for match in lines:
        prefix, method, path, _status = match.groups()
        workers.setdefault(_endpoint(method, path), set()).add(prefix)
    return workers


#: What one session round calls, as ``_endpoint`` names it.
ENDPOINTS = {
    "GET /_matrix/client/versions",
    f"GET {CLIENT}/login",
    f"POST {CLIENT}/login",
    f"GET {CLIENT}/account/whoami",
    f"GET {CLIENT}/devices",
    f"GET {CLIENT}/devices/{{id}}",
    f"PUT {CLIENT}/devices/{{id}}",
    f"GET {CLIENT}/profile/{{user}}/displayname",
    f"PUT {CLIENT}/profile/{{user}}/displayname",
    f"POST {CLIENT}/refresh",
    f"POST {CLIENT}/logout",
}


def _session_round(url: str, site: Site, localpart: str) -> int:
    """Every endpoint of ``ENDPOINTS`` once, each on a new connection; how many requests."""
    made = 0

    def call(method: str, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
        nonlocal made
        made += 1
        headers = _bearer(token) if token else {}
        with httpx.Client(base_url=url, timeout=10) as client:  # a new connection each time
            return client.request(method, path, headers=headers, **kwargs)

    assert call("GET", "/_matrix/client/versions").status_code == 200
    assert call("GET", f"{CLIENT}/login").status_code == 200
    login = call("POST", f"{CLIENT}/login", json={**site.jwt(localpart), "refresh_token": True})
    assert login.status_code == 200, login.text
    body = login.json()
    token, device, user_id = body["access_token"], body["device_id"], body["user_id"]
    assert call("GET", f"{CLIENT}/account/whoami", token).json()["user_id"] == user_id
    devices = call("GET", f"{CLIENT}/devices", token)
    assert device in [d["device_id"] for d in devices.json()["devices"]]
    named = call("PUT", f"{CLIENT}/devices/{device}", token, json={"display_name": "phone"})
    assert named.status_code == 200
    assert call("GET", f"{CLIENT}/devices/{device}", token).json()["display_name"] == "phone"
    renamed = call(
        "PUT", f"{CLIENT}/profile/{user_id}/displayname", token, json={"displayname": "Al"}
    )
    assert renamed.status_code == 200
    profile = call("GET", f"{CLIENT}/profile/{user_id}/displayname")
    assert profile.json() == {"displayname": "Al"}
    refreshed = call("POST", f"{CLIENT}/refresh", json={"refresh_token": body["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    token = refreshed.json()["access_token"]
    assert call("GET", f"{CLIENT}/account/whoami", token).status_code == 200
    assert call("POST", f"{CLIENT}/logout", token, json={}).status_code == 200
    # Whichever worker answers next, the logout holds (on the other one through NOTIFY).
    with httpx.Client(base_url=url, timeout=10) as client:
        assert _refused_after(client, token) <= BOUND
    return made + 1  # at least one more whoami; the log may hold more


@needs_postgres
def test_two_workers_on_one_port_both_serve_every_endpoint(
    tmp_path: Path, shared_database: dict[str, Any]
) -> None:
    site = _site(tmp_path, shared_database)
    try:
        server, url = site.start("--workers", "2")
        assert "with 2 workers" in server.stdout[0]
        requests = 0
        workers: dict[str, set[str]] = {}
        # The kernel spreads new connections over both workers' sockets: a handful of
        # rounds has each worker answer each endpoint (40 failing would be ~2^-35 luck).
        for round_number in range(40):
            requests += _session_round(url, site, f"smoke-{round_number}-{secrets.token_hex(3)}")
            workers = _answered_by(server, requests)
            if all(len(workers.get(endpoint, ())) == 2 for endpoint in ENDPOINTS):
                break
        code, _elapsed = server.terminate(timeout=20)
    finally:
        site.stop()

    assert set(workers) == ENDPOINTS
    assert len(set().union(*workers.values())) == 2, workers  # one request-ID prefix per worker
    assert {endpoint: len(w) for endpoint, w in workers.items() if len(w) < 2} == {}
    assert code == 0, server.output
    assert "Traceback" not in server.output
    assert server.output.count("Finished server process") == 2
    assert "every worker has stopped" in server.output


def test_sqlite_refuses_more_than_one_worker(tmp_path: Path) -> None:
    site = _site(tmp_path, None)
    result = subprocess.run(
        [TESSERA, "run", "-c", "homeserver.yaml", "--workers", "2"],
        cwd=site.directory,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "SQLite stays single-process" in result.stderr
    assert "use PostgreSQL for several workers" in result.stderr
    assert "listening" not in result.stdout
    assert not (tmp_path / "homeserver.db").exists()  # refused before touching anything
