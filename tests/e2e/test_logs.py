"""What a running server writes to its log: JSON when asked, the user, never a secret."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import yaml

from tests.e2e.test_quickstart import TESSERA, ServerProcess


def test_json_access_log_names_the_user_and_holds_no_secret(tmp_path: Path) -> None:
    subprocess.run(
        [TESSERA, "generate-config", "--port", "0"], cwd=tmp_path, check=True, capture_output=True
    )
    config_path = tmp_path / "homeserver.yaml"
    config = yaml.safe_load(config_path.read_text())
    config["log_format"] = "json"
    config_path.write_text(yaml.safe_dump(config))
    secret = config["jwt_config"]["secret"]
    jwt = subprocess.run(
        [TESSERA, "jwt", "mint", "--sub", "alice"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()

    server = ServerProcess(tmp_path)
    try:
        with httpx.Client(base_url=server.base_url(), timeout=10) as client:
            login = client.post(
                "/_matrix/client/v3/login", json={"type": "org.matrix.login.jwt", "token": jwt}
            )
            token = login.json()["access_token"]
            # The deprecated query-string token must not reach the log either.
            whoami = client.get("/_matrix/client/v3/account/whoami", params={"access_token": token})
            assert whoami.status_code == 200
    finally:
        server.terminate()

    records = [json.loads(line) for line in server.stderr if line.strip()]
    access = [r for r in records if r["logger"] == "tessera.access"]
    assert [(r["method"], r["path"], r["status"]) for r in access] == [
        ("POST", "/_matrix/client/v3/login", 200),
        ("GET", "/_matrix/client/v3/account/whoami", 200),
    ]
    assert access[1]["user"] == "@alice:localhost"
    assert all(isinstance(r["duration_ms"], float) for r in access)
    assert any(r["logger"] != "tessera.access" for r in records)  # the rest is JSON too
    log = server.output
    for forbidden in (secret, jwt, token):
        assert forbidden not in log
