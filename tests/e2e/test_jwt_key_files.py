"""JWT keys kept in files and JWT IDs shared between processes, with real ``tessera run``s.

- ``secret_path`` is reread on SIGHUP: the new key logs in, the old one no
  longer does, and a broken file keeps the keys in use;
- a world-readable key file (``secret_path``, ``jwks_path``, a provider's
  ``jwks_path``) stops the server at startup, unless allowed, and is not
  taken on SIGHUP;
- with ``jti_replay_protection`` on PostgreSQL, a token used on one process
  is refused by another one sharing the database.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import POSTGRES_DSN
from tests.e2e.support import LOGIN, postgres_database_section, write_homeserver
from tests.e2e.test_quickstart import ServerProcess
from tests.support.keys import sign

OLD_SECRET = "the-old-secret-in-a-file-of-32-bytes-or-more"
NEW_SECRET = "the-new-secret-in-a-file-of-32-bytes-or-more"


def configure(directory: Path, jwt: dict[str, Any], **top: Any) -> None:
    """A generated homeserver.yaml with this ``jwt_config`` (and top-level keys)."""
    path = directory / "homeserver.yaml"
    config = yaml.safe_load(path.read_text())
    config["jwt_config"] = {"enabled": True, "algorithm": "HS256", **jwt}
    config.update(top)
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def write_secret(path: Path, secret: str, mode: int = 0o600) -> None:
    path.write_text(secret + "\n")
    path.chmod(mode)


def login(client: httpx.Client, secret: str, **claims: Any) -> httpx.Response:
    token = sign({"sub": "ann", **claims}, secret)
    return client.post(LOGIN, json={"type": "org.matrix.login.jwt", "token": token})


@pytest.fixture
def servers() -> Iterator[list[ServerProcess]]:
    started: list[ServerProcess] = []
    yield started
    for server in started:
        server.kill()


def test_sighup_rereads_the_secret_file(tmp_path: Path, servers: list[ServerProcess]) -> None:
    write_homeserver(tmp_path)
    write_secret(tmp_path / "jwt.secret", OLD_SECRET)
    configure(tmp_path, {"secret_path": "jwt.secret"})
    server = ServerProcess(tmp_path)
    servers.append(server)
    with httpx.Client(base_url=server.base_url(), timeout=10) as client:
        assert login(client, OLD_SECRET).status_code == 200

        write_secret(tmp_path / "jwt.secret", NEW_SECRET)
        server.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while login(client, NEW_SECRET).status_code != 200:
            assert time.monotonic() < deadline, server.output
            time.sleep(0.05)
        assert login(client, OLD_SECRET).status_code == 403

        # A broken file on the next SIGHUP keeps the keys in use.
        write_secret(tmp_path / "jwt.secret", "")
        server.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "keeping the old keys" not in server.output:
            assert time.monotonic() < deadline, server.output
            time.sleep(0.05)
        assert login(client, NEW_SECRET).status_code == 200
        assert server.process.poll() is None
    assert NEW_SECRET not in server.output and OLD_SECRET not in server.output


def jwk_set(secret: str) -> str:
    """A JWK Set holding ``secret`` as an HS256 key (what a ``jwks_path`` file holds)."""
    k = base64.urlsafe_b64encode(secret.encode()).rstrip(b"=").decode()
    return json.dumps({"keys": [{"kty": "oct", "k": k, "alg": "HS256", "kid": "one"}]})


def keyed_login(client: httpx.Client, secret: str) -> httpx.Response:
    """A login with a token signed by ``secret`` under the ``kid`` of ``jwk_set``."""
    token = sign({"sub": "ann"}, secret, kid="one")
    return client.post(LOGIN, json={"type": "org.matrix.login.jwt", "token": token})


#: Where a key file can be named: the config key the error must name, and the settings.
KEY_FILE_SETTINGS = {
    "secret_path": ("jwt_config.secret_path", OLD_SECRET, {}),
    "jwks_path": ("jwt_config.jwks_path", jwk_set(OLD_SECRET), {}),
    "provider-jwks_path": (
        "jwt_providers[0].jwks_path",
        jwk_set(OLD_SECRET),
        {"jwt_config": {"enabled": False}},
    ),
}


@pytest.mark.parametrize("where", list(KEY_FILE_SETTINGS))
def test_a_world_readable_key_file_stops_the_server(tmp_path: Path, where: str) -> None:
    key, content, top = KEY_FILE_SETTINGS[where]
    write_homeserver(tmp_path)
    write_secret(tmp_path / "jwt.keys", content, mode=0o644)
    name = key.rsplit(".", 1)[1]
    if where.startswith("provider"):
        provider = {"id": "corp", "algorithm": "HS256", name: "jwt.keys"}
        configure(tmp_path, {}, jwt_providers=[provider], **top)
    else:
        configure(tmp_path, {name: "jwt.keys"})

    server = ServerProcess(tmp_path)
    code = server.process.wait(30)
    server.kill()

    assert code != 0
    assert key in server.output
    assert "readable by every user" in server.output
    assert "listening" not in server.output
    assert content not in server.output


@pytest.mark.parametrize("where", ["secret_path", "jwks_path"])
def test_the_same_key_file_made_private_starts_the_server(
    tmp_path: Path, servers: list[ServerProcess], where: str
) -> None:
    """The control for the test above: only the file's mode stopped it."""
    _key, content, _top = KEY_FILE_SETTINGS[where]
    write_homeserver(tmp_path)
    write_secret(tmp_path / "jwt.keys", content, mode=0o600)
    configure(tmp_path, {where: "jwt.keys"})
    server = ServerProcess(tmp_path)
    servers.append(server)

    with httpx.Client(base_url=server.base_url(), timeout=10) as client:
        response = keyed_login(client, OLD_SECRET)

    assert response.status_code == 200, response.text


def test_a_key_file_made_world_readable_is_not_reloaded_on_sighup(
    tmp_path: Path, servers: list[ServerProcess]
) -> None:
    write_homeserver(tmp_path)
    write_secret(tmp_path / "jwt.keys", jwk_set(OLD_SECRET))
    configure(tmp_path, {"jwks_path": "jwt.keys"})
    server = ServerProcess(tmp_path)
    servers.append(server)
    with httpx.Client(base_url=server.base_url(), timeout=10) as client:
        write_secret(tmp_path / "jwt.keys", jwk_set(NEW_SECRET), mode=0o644)
        server.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "keeping the old keys" not in server.output:
            assert time.monotonic() < deadline, server.output
            time.sleep(0.05)

        assert keyed_login(client, OLD_SECRET).status_code == 200
        assert keyed_login(client, NEW_SECRET).status_code == 403
    assert "readable by every user" in server.output


def test_a_world_readable_secret_file_may_be_allowed(
    tmp_path: Path, servers: list[ServerProcess]
) -> None:
    write_homeserver(tmp_path)
    write_secret(tmp_path / "jwt.secret", OLD_SECRET, mode=0o644)
    configure(tmp_path, {"secret_path": "jwt.secret"}, allow_world_readable_secrets=True)
    server = ServerProcess(tmp_path)
    servers.append(server)

    with httpx.Client(base_url=server.base_url(), timeout=10) as client:
        assert login(client, OLD_SECRET).status_code == 200


@pytest.mark.skipif(not POSTGRES_DSN, reason="two processes share a database only on PostgreSQL")
def test_a_replayed_jti_is_refused_by_another_process(
    tmp_path: Path, servers: list[ServerProcess]
) -> None:
    assert POSTGRES_DSN is not None
    jwt = {
        "secret": OLD_SECRET,
        "require_exp": True,
        "jti_replay_protection": True,
    }
    urls = []
    for name in ("a", "b"):
        directory = tmp_path / name
        directory.mkdir()
        write_homeserver(directory, postgres_database_section(POSTGRES_DSN))
        configure(directory, jwt)
        server = ServerProcess(directory)
        servers.append(server)
        urls.append(server.base_url())
    claims = {"jti": f"once-{os.getpid()}-{time.time_ns()}", "exp": int(time.time()) + 300}

    with (
        httpx.Client(base_url=urls[0], timeout=10) as a,
        httpx.Client(base_url=urls[1], timeout=10) as b,
    ):
        first = login(a, OLD_SECRET, **claims)
        replayed = login(b, OLD_SECRET, **claims)
        again = login(a, OLD_SECRET, **claims)

    assert first.status_code == 200, first.text
    for response in (replayed, again):
        assert response.status_code == 403, response.text
        assert response.json()["error"].endswith("The token has already been used")


@pytest.mark.skipif(not POSTGRES_DSN, reason="several workers need PostgreSQL")
def test_sighup_reaches_every_worker(tmp_path: Path, servers: list[ServerProcess]) -> None:
    assert POSTGRES_DSN is not None
    write_homeserver(tmp_path, postgres_database_section(POSTGRES_DSN))
    write_secret(tmp_path / "jwt.secret", OLD_SECRET)
    configure(tmp_path, {"secret_path": "jwt.secret"})
    server = ServerProcess(tmp_path, "--workers", "2")
    servers.append(server)
    # A new connection per request, so the kernel spreads them over both workers.
    fresh = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(base_url=server.base_url(), timeout=10, limits=fresh) as client:
        assert login(client, OLD_SECRET).status_code == 200

        write_secret(tmp_path / "jwt.secret", NEW_SECRET)
        server.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while server.output.count("reloaded the keys of JWT provider") < 2:
            assert time.monotonic() < deadline, server.output
            time.sleep(0.05)

        assert {login(client, NEW_SECRET).status_code for _ in range(30)} == {200}
        assert {login(client, OLD_SECRET).status_code for _ in range(10)} == {403}
        assert server.process.poll() is None


def test_sighup_without_key_files_changes_nothing(
    tmp_path: Path, servers: list[ServerProcess]
) -> None:
    write_homeserver(tmp_path)
    configure(tmp_path, {"secret": OLD_SECRET})
    server = ServerProcess(tmp_path)
    servers.append(server)
    with httpx.Client(base_url=server.base_url(), timeout=10) as client:
        server.process.send_signal(signal.SIGHUP)
        time.sleep(0.3)

        assert server.process.poll() is None
        assert login(client, OLD_SECRET).status_code == 200
