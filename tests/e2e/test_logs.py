"""What a running server writes to its log: JSON when asked, the user, never a secret.

"Passwords never reach the log" is checked on every path a password or token
takes through a real ``tessera run``: JWT login (accepted and rejected),
password login (right and wrong), the UIA password stage, an admin setting a
password, a refresh, and a 500 on a request carrying a password (a fault the
test harness injects: ``tests/support/mutations.py``), at INFO in JSON and at
DEBUG in text, where every library logger speaks too.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.e2e.test_quickstart import TESSERA, ServerProcess
from tests.support.keys import sign
from tests.support.mutations import SITE

CLIENT = "/_matrix/client/v3"
JWT = "org.matrix.login.jwt"


def _configure(directory: Path, log_format: str) -> str:
    """A generated config with password login on; returns the JWT secret."""
    subprocess.run(
        [TESSERA, "generate-config", "--port", "0"], cwd=directory, check=True, capture_output=True
    )
    config_path = directory / "homeserver.yaml"
    config = yaml.safe_load(config_path.read_text())
    config["log_format"] = log_format
    config["password_config"] = {"enabled": True}
    config["bcrypt_rounds"] = 4
    config_path.write_text(yaml.safe_dump(config))
    return str(config["jwt_config"]["secret"])


def _password_login(client: httpx.Client, user: str, password: str) -> httpx.Response:
    identifier = {"type": "m.id.user", "user": user}
    body = {"type": "m.login.password", "identifier": identifier, "password": password}
    return client.post(f"{CLIENT}/login", json=body)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _exercise(client: httpx.Client, directory: Path, jwt_secret: str) -> list[str]:
    """Every path a secret takes through the server; returns the secrets it used."""
    used: list[str] = [jwt_secret]
    now = int(time.time())
    # An admin, by JWT (the CLI makes it an admin first).
    created = subprocess.run(
        [TESSERA, "user", "create", "boss", "--admin", "-c", "homeserver.yaml"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert created.returncode == 0, created.stderr
    boss_jwt = sign({"sub": "boss", "exp": now + 600}, jwt_secret)
    boss = client.post(f"{CLIENT}/login", json={"type": JWT, "token": boss_jwt}).json()
    admin = _bearer(boss["access_token"])
    used += [boss_jwt, boss["access_token"]]

    # Rejected JWTs: a forged signature, an expired token, a token that is not one.
    rejected = [
        sign({"sub": "boss", "exp": now + 600}, "not-" + jwt_secret),
        sign({"sub": "boss", "exp": now - 3600}, jwt_secret),
        "eyJhbGciOiJIUzI1NiJ9.not-json-at-all." + secrets.token_urlsafe(16),
    ]
    for token in rejected:
        assert client.post(f"{CLIENT}/login", json={"type": JWT, "token": token}).status_code == 403
    used += rejected

    # An admin sets a password (creating the user), then changes it.
    first, second = f"first-{secrets.token_hex(8)}", f"second-{secrets.token_hex(8)}"
    bob = "/_synapse/admin/v2/users/@bob:localhost"
    assert client.put(bob, headers=admin, json={"password": first}).status_code in (200, 201)
    used.append(first)

    # Password login: right, then wrong.
    login = _password_login(client, "bob", first)
    assert login.status_code == 200, login.text
    bob_token = login.json()["access_token"]
    wrong = f"wrong-{secrets.token_hex(8)}"
    assert _password_login(client, "bob", wrong).status_code == 403
    used += [bob_token, wrong]

    # The UIA password stage: a wrong password, then the right one deletes a device.
    doomed = _password_login(client, "bob", first).json()
    path = f"{CLIENT}/devices/{doomed['device_id']}"
    session = client.request("DELETE", path, headers=_bearer(bob_token), json={}).json()["session"]
    identifier = {"type": "m.id.user", "user": "bob"}
    for password, status in ((wrong + "-uia", 401), (first, 200)):
        auth = {"type": "m.login.password", "identifier": identifier, "password": password}
        auth["session"] = session
        answer = client.request("DELETE", path, headers=_bearer(bob_token), json={"auth": auth})
        assert answer.status_code == status, answer.text
    used += [wrong + "-uia", doomed["access_token"]]

    assert client.put(bob, headers=admin, json={"password": second}).status_code == 200
    used.append(second)

    # A refresh token and the access token it buys.
    refreshable = client.post(
        f"{CLIENT}/login",
        json={
            "type": "m.login.password",
            "identifier": identifier,
            "password": second,
            "refresh_token": True,
        },
    ).json()
    refreshed = client.post(
        f"{CLIENT}/refresh", json={"refresh_token": refreshable["refresh_token"]}
    ).json()
    used += [refreshable["refresh_token"], refreshable["access_token"], refreshed["access_token"]]

    # A 500 while a password is being checked.
    crash = f"crash-{secrets.token_hex(8)}"
    assert _password_login(client, "bob", crash).status_code == 500
    used.append(crash)
    return used


def _run(
    directory: Path, monkeypatch: pytest.MonkeyPatch, log_level: str
) -> tuple[ServerProcess, list[str]]:
    """Start ``tessera run`` with the harness (the 500 fault, the log level), exercise it."""
    monkeypatch.setenv("PYTHONPATH", str(SITE))
    monkeypatch.setenv("TESSERA_MUTATION", "crash-password")
    monkeypatch.setenv("TESSERA_TEST_LOG_LEVEL", log_level)
    secret = yaml.safe_load((directory / "homeserver.yaml").read_text())["jwt_config"]["secret"]
    server = ServerProcess(directory)
    try:
        with httpx.Client(base_url=server.base_url(), timeout=10) as client:
            used = _exercise(client, directory, secret)
    finally:
        server.terminate()
    return server, used


def _leaks(log: str, used: list[str]) -> list[str]:
    """The secrets found in the log (each named by its first characters only)."""
    return [f"{secret[:8]}…" for secret in used if secret in log]


def test_json_access_log_names_the_user_and_holds_no_secret(tmp_path: Path) -> None:
    _configure(tmp_path, "json")
    jwt = subprocess.run(
        [TESSERA, "jwt", "mint", "--sub", "alice"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    secret = yaml.safe_load((tmp_path / "homeserver.yaml").read_text())["jwt_config"]["secret"]

    server = ServerProcess(tmp_path)
    try:
        with httpx.Client(base_url=server.base_url(), timeout=10) as client:
            login = client.post(f"{CLIENT}/login", json={"type": JWT, "token": jwt})
            token = login.json()["access_token"]
            # The deprecated query-string token must not reach the log either.
            whoami = client.get(f"{CLIENT}/account/whoami", params={"access_token": token})
            assert whoami.status_code == 200
    finally:
        server.terminate()

    records = [json.loads(line) for line in server.stderr if line.strip()]
    access = [r for r in records if r["logger"] == "tessera.access"]
    assert [(r["method"], r["path"], r["status"]) for r in access] == [
        ("POST", f"{CLIENT}/login", 200),
        ("GET", f"{CLIENT}/account/whoami", 200),
    ]
    assert access[1]["user"] == "@alice:localhost"
    assert all(isinstance(r["duration_ms"], float) for r in access)
    assert any(r["logger"] != "tessera.access" for r in records)  # the rest is JSON too
    log = server.output
    for forbidden in (secret, jwt, token):
        assert forbidden not in log


def test_no_password_or_token_reaches_the_json_log_at_info(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(tmp_path, "json")

    server, used = _run(tmp_path, monkeypatch, "INFO")

    records: list[dict[str, Any]] = [json.loads(line) for line in server.stderr if line.strip()]
    statuses = [r["status"] for r in records if r["logger"] == "tessera.access"]
    assert {200, 401, 403, 500} <= set(statuses)  # every path above was taken and logged
    failures = [r for r in records if r["level"] == "ERROR" and "failed" in r["message"]]
    assert failures and "RuntimeError" in failures[0]["message"]  # the 500, with its request ID
    assert _leaks(server.output, used) == []


def test_no_password_or_token_reaches_the_log_at_debug(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(tmp_path, "text")

    server, used = _run(tmp_path, monkeypatch, "DEBUG")
    log = server.output

    assert " DEBUG " in log  # the level took: libraries and Tessera's own debug lines
    assert "JWT login rejected (provider jwt_config): bad_signature" in log
    assert "RuntimeError" in log
    assert _leaks(log, used) == []
