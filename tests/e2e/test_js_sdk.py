"""matrix-js-sdk (the SDK Element is built on) chats on a real ``tessera run``, in Node.

``tests/e2e/js/chat.mjs`` logs two users in with ``org.matrix.login.jwt`` through the SDK's
``loginRequest``, starts both clients (no crypto) until they reach ``PREPARED``; Alice
creates a public room, Bob joins it, and a message goes each way, each received through the
SDK's own sync loop; Alice renames the room and redacts her message, and Bob's client sees
both; Bob leaves, and Alice's client sees him go. The script prints what each client saw;
the asserts are here.

The SDK is pinned in ``tests/e2e/js/package-lock.json`` and installed with ``npm ci`` into
``tests/e2e/js/node_modules`` (ignored by git) the first time this runs, and again whenever
the lock file changes. Without Node 20 or newer the test skips and says so (``.ci/run``
installs it).
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.chat_server import chat_server
from tests.e2e.test_quickstart import ServerProcess, assert_clean_exit
from tests.support.keys import sign

JS_DIR = Path(__file__).with_name("js")
LOCK = JS_DIR / "package-lock.json"
#: A copy of the lock file ``npm ci`` last installed from: equal bytes mean nothing to do.
INSTALLED_LOCK = JS_DIR / "node_modules" / ".tessera-installed-lock.json"
ACCESS_LINE = re.compile(r"tessera\.access: \S+ (\S+) (\S+) (\d{3}) ")
MIN_NODE_MAJOR = 20


@pytest.fixture(scope="session")
def node() -> str:
    """The ``node`` executable, once ``npm ci`` has installed the pinned SDK beside the script."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm not found: matrix-js-sdk needs Node >= 20 (.ci/run installs it)")
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, check=True, timeout=30
    ).stdout.strip()
    if int(version.lstrip("v").split(".")[0]) < MIN_NODE_MAJOR:
        pytest.skip(f"node {version} found: matrix-js-sdk 37 needs Node >= {MIN_NODE_MAJOR}")
    wanted = LOCK.read_bytes()
    if not INSTALLED_LOCK.exists() or INSTALLED_LOCK.read_bytes() != wanted:
        installed = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=JS_DIR,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert installed.returncode == 0, f"npm ci failed:\n{installed.stdout}{installed.stderr}"
        INSTALLED_LOCK.write_bytes(wanted)
    return node


@pytest.fixture(params=["sqlite", "postgres"])
async def server(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[ServerProcess, str]]:
    async with chat_server(request.param, tmp_path, "js_sdk") as started:
        yield started


def login_token(secret: str, localpart: str) -> str:
    now = int(time.time())
    return sign(
        {"sub": localpart, "iat": now, "exp": now + 600, "jti": secrets.token_hex(8)}, secret
    )


def refused_requests(output: str) -> list[str]:
    """The access-log lines of requests the server answered with a 4xx or 5xx."""
    return [
        " ".join(match.groups())
        for match in ACCESS_LINE.finditer(output)
        if int(match.group(3)) >= 400
    ]


def test_two_js_sdk_clients_chat(node: str, server: tuple[ServerProcess, str]) -> None:
    process, secret = server
    homeserver = process.base_url()
    ran = subprocess.run(
        [
            node,
            str(JS_DIR / "chat.mjs"),
            homeserver,
            login_token(secret, "alice"),
            login_token(secret, "bob"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, f"{ran.stderr}\n--- server ---\n{process.output}"
    seen: dict[str, Any] = json.loads(ran.stdout.strip().splitlines()[-1])

    alice, bob = seen["alice"], seen["bob"]
    assert (alice["userId"], bob["userId"]) == ("@alice:localhost", "@bob:localhost")
    # The SDK's first state after its initial sync is PREPARED; then it keeps syncing.
    for client in (alice, bob):
        assert client["states"][0] == "PREPARED"
        assert "ERROR" not in client["states"]
    assert seen["roomId"].startswith("!")
    assert seen["roomName"] == "js-sdk tea"
    assert seen["members"] == ["@alice:localhost", "@bob:localhost"]

    # Each message reached the other client through its sync, under the same event ID.
    assert seen["received"]["bob"]["sender"] == "@alice:localhost"
    assert seen["received"]["alice"]["sender"] == "@bob:localhost"
    assert seen["received"]["bob"]["eventId"] != seen["received"]["alice"]["eventId"]
    both = [["@alice:localhost", "hello from alice"], ["@bob:localhost", "hi from bob"]]
    assert alice["timeline"] == both
    assert bob["timeline"] == both

    # Bob's client applied the rename and the redaction it synced; Alice's saw Bob leave.
    assert seen["renamed"] == "js-sdk coffee"
    assert seen["redacted"] == {"isRedacted": True, "content": {}}
    assert seen["membersAfterLeave"] == ["@alice:localhost"]

    # Everything the SDK asked for on its way to PREPARED and after was answered.
    assert refused_requests(process.output) == []
    assert_clean_exit(process)
