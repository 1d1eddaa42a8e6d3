"""The README quickstart, as a user types it: real ``tessera`` processes, real HTTP.

``tessera generate-config`` → ``tessera run`` → ``tessera jwt mint`` → log in → whoami,
then the seed page's "How to test JWT as a developer" word for word.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest
import yaml

#: The console script installed next to the interpreter running the tests.
TESSERA = str(Path(sys.executable).with_name("tessera"))

#: Step 1 of the seed page, as the README prints it.
SEED_JWT_CONFIG = """\
jwt_config:
    enabled: true
    secret: "my-secret-token"
    algorithm: "HS256"
"""
#: Step 4 of the seed page: {"sub": "test-user"} signed with "my-secret-token".
SEED_TOKEN = (
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9"
    ".eyJzdWIiOiJ0ZXN0LXVzZXIifQ"
    ".Ag71GT8v01UO3w80aqRPTeuVPBIBZkYhNTJJ-_-zQIc"
)
LISTENING = re.compile(r"Tessera is listening on (http://\S+)")
MINT_HINT = re.compile(r"Mint a login token with: (.+)$")


class ServerProcess:
    """``tessera run`` in a directory, with everything it prints kept for inspection."""

    def __init__(self, cwd: Path, *run_args: str) -> None:
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._printed = threading.Condition()
        self._stdout_closed = False
        self.process = subprocess.Popen(
            [TESSERA, "run", "-c", "homeserver.yaml", *run_args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        self._readers = [
            threading.Thread(
                target=self._read, args=(self.process.stdout, self.stdout), daemon=True
            ),
            threading.Thread(
                target=self._read, args=(self.process.stderr, self.stderr), daemon=True
            ),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, pipe: IO[str], lines: list[str]) -> None:
        for line in pipe:
            with self._printed:
                lines.append(line)
                self._printed.notify_all()
        with self._printed:
            if lines is self.stdout:
                self._stdout_closed = True
            self._printed.notify_all()

    def wait_for(self, pattern: re.Pattern[str], timeout: float = 20) -> str:
        """The first group of the first stdout line matching ``pattern``, once printed."""

        def found() -> str | None:
            for line in self.stdout:
                if match := pattern.search(line.rstrip("\n")):
                    return match.group(1)
            return None

        with self._printed:
            self._printed.wait_for(lambda: found() is not None or self._stdout_closed, timeout)
            value = found()
        if value is None:
            raise AssertionError(f"nothing matching {pattern.pattern!r} in:\n{self.output}")
        return value

    def base_url(self) -> str:
        """The URL from the "Tessera is listening on …" line."""
        return self.wait_for(LISTENING)

    def terminate(self, timeout: float = 10) -> tuple[int, float]:
        """SIGTERM; the exit code and how long the process took to go."""
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout)
        elapsed = time.monotonic() - started
        for reader in self._readers:
            reader.join(5)
        return code, elapsed

    @property
    def output(self) -> str:
        return "".join(self.stdout) + "".join(self.stderr)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        for reader in self._readers:
            reader.join(5)


StartServer = Callable[[], ServerProcess]


@pytest.fixture(scope="module")
def generated_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``tessera generate-config --port 0``, run once; tests copy the file it wrote."""
    directory = tmp_path_factory.mktemp("quickstart")
    result = subprocess.run(
        [TESSERA, "generate-config", "--port", "0"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return directory / "homeserver.yaml"


@pytest.fixture
def workdir(generated_config: Path, tmp_path: Path) -> Path:
    shutil.copy2(generated_config, tmp_path / "homeserver.yaml")
    return tmp_path


@pytest.fixture
def start_server(workdir: Path) -> Iterator[StartServer]:
    started: list[ServerProcess] = []

    def start() -> ServerProcess:
        server = ServerProcess(workdir)
        started.append(server)
        return server

    yield start
    for server in started:
        server.kill()


def curl_data_post(client: httpx.Client, path: str, body: dict[str, str]) -> httpx.Response:
    """What ``curl URL -X POST --data '<json>'`` sends: JSON under curl's form content type."""
    return client.post(
        path,
        content=json.dumps(body, separators=(",", ":")),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def assert_clean_exit(server: ServerProcess) -> None:
    code, elapsed = server.terminate(timeout=10)
    # uvicorn finishes its graceful shutdown, then re-raises SIGTERM: -15 is a clean exit.
    assert code in (0, -signal.SIGTERM), server.output
    assert elapsed < 10
    assert "Traceback" not in server.output


def test_quickstart_generated_config_mint_login_whoami(
    workdir: Path, start_server: StartServer
) -> None:
    secret = yaml.safe_load((workdir / "homeserver.yaml").read_text())["jwt_config"]["secret"]
    server = start_server()
    base_url = server.base_url()

    # The server prints the one command that mints a test token; run it as printed.
    command = shlex.split(server.wait_for(MINT_HINT))
    assert command[0] == TESSERA  # the program as the user started it, runnable as printed
    assert command[1:3] == ["jwt", "mint"]
    minted = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=60)
    assert minted.returncode == 0, minted.stderr
    jwt = minted.stdout.strip()

    with httpx.Client(base_url=base_url, timeout=10) as client:
        flows = client.get("/_matrix/client/r0/login")
        # README: curl -s …/_matrix/client/v3/login -X POST --data "{…\"token\":\"$TOKEN\"}"
        login = curl_data_post(
            client, "/_matrix/client/v3/login", {"type": "org.matrix.login.jwt", "token": jwt}
        )
        assert login.status_code == 200, login.text
        access_token = login.json()["access_token"]
        whoami = client.get(
            "/_matrix/client/v3/account/whoami",
            headers={"Authorization": f"Bearer {access_token}"},
        )

    assert flows.status_code == 200
    assert flows.json()["flows"][0] == {"type": "org.matrix.login.jwt"}
    body = login.json()
    assert body["user_id"] == "@alice:localhost"
    assert body["home_server"] == "localhost"
    assert whoami.status_code == 200, whoami.text
    assert whoami.json() == {
        "user_id": "@alice:localhost",
        "device_id": body["device_id"],
        "is_guest": False,
    }

    assert_clean_exit(server)
    for secret_value in (jwt, access_token, secret):
        assert secret_value not in server.output


def test_seed_page_walkthrough_logs_in_as_test_user(
    workdir: Path, start_server: StartServer
) -> None:
    # Step 1: the page's jwt_config replaces the generated one.
    config_path = workdir / "homeserver.yaml"
    config = yaml.safe_load(config_path.read_text())
    config.update(yaml.safe_load(SEED_JWT_CONFIG))
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    server = start_server()
    base_url = server.base_url()
    # Step 2, the README's replacement for the page's Python snippet.
    minted = subprocess.run(
        [TESSERA, "jwt", "mint", "-c", "homeserver.yaml", "--sub", "user1"],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert minted.returncode == 0, minted.stderr
    user1_jwt = minted.stdout.strip()
    seed_login = {"type": "org.matrix.login.jwt", "token": SEED_TOKEN}

    with httpx.Client(base_url=base_url, timeout=10) as client:
        # Step 3: curl http://localhost:8080/_matrix/client/r0/login
        flows = client.get("/_matrix/client/r0/login")
        # Step 4: curl …/_matrix/client/r0/login -X POST --data '{…}'
        login = curl_data_post(client, "/_matrix/client/r0/login", seed_login)
        assert login.status_code == 200, login.text
        access_token = login.json()["access_token"]
        # "You should now be able to use the returned access token to query the client API."
        whoami = client.get(
            "/_matrix/client/v3/account/whoami",
            headers={"Authorization": f"Bearer {access_token}"},
        )
        user1 = curl_data_post(
            client, "/_matrix/client/r0/login", {"type": "org.matrix.login.jwt", "token": user1_jwt}
        )

    assert {"type": "org.matrix.login.jwt"} in flows.json()["flows"]
    assert login.json()["user_id"] == "@test-user:localhost"
    assert login.json()["home_server"] == "localhost"
    assert isinstance(login.json()["device_id"], str)
    assert whoami.status_code == 200, whoami.text
    assert whoami.json()["user_id"] == "@test-user:localhost"
    assert user1.status_code == 200, user1.text
    assert user1.json()["user_id"] == "@user1:localhost"

    assert_clean_exit(server)
    for secret_value in (SEED_TOKEN, user1_jwt, access_token, "my-secret-token"):
        assert secret_value not in server.output


def test_sigterm_closes_the_database_before_exiting(
    workdir: Path, start_server: StartServer
) -> None:
    server = start_server()
    with httpx.Client(base_url=server.base_url(), timeout=10) as client:
        assert client.get("/_matrix/client/versions").status_code == 200

    assert_clean_exit(server)
    # SQLite removes the write-ahead log when the last connection closes; a -wal file
    # left behind means the process died with the database still open.
    assert (workdir / "homeserver.db").exists()
    assert not (workdir / "homeserver.db-wal").exists(), server.output
