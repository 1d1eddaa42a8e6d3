"""SQLite on a full disk: writes get a clear 503, reads go on, and service returns with space.

"Full" is the server process's file size limit (RLIMIT_FSIZE, set from outside with
prlimit): a write past it fails with EFBIG, as a write on a full disk fails with
ENOSPC, and needs neither root nor a mount. Python ignores SIGXFSZ, so the server
sees the error instead of dying of the signal.
"""

from __future__ import annotations

import resource
from pathlib import Path

import httpx

from tests.e2e.support import (
    LOGIN,
    WHOAMI,
    login_body,
    start_server,
    unique_localpart,
    write_homeserver,
)

#: Logins tried before giving up on filling the allowance (each writes several pages).
MAX_LOGINS = 500


def whoami_status(client: httpx.Client, access_token: str) -> int:
    return client.get(WHOAMI, headers={"Authorization": f"Bearer {access_token}"}).status_code


def test_full_disk_refuses_writes_clearly_and_recovers(tmp_path: Path) -> None:
    secret = write_homeserver(tmp_path)
    server, base_url = start_server(tmp_path)
    pid = server.process.pid
    unlimited = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    try:
        with httpx.Client(base_url=base_url, timeout=10) as client:
            first = client.post(LOGIN, json=login_body(secret, unique_localpart("d")))
            assert first.status_code == 200, first.text
            token = first.json()["access_token"]
            files = [tmp_path / name for name in ("homeserver.db", "homeserver.db-wal")]
            largest = max(path.stat().st_size for path in files if path.exists())
            # A little room, then the disk is full.
            resource.prlimit(pid, resource.RLIMIT_FSIZE, (largest + 16 * 1024, unlimited[1]))
            refused = None
            for _ in range(MAX_LOGINS):
                login = client.post(LOGIN, json=login_body(secret, unique_localpart("d")))
                if login.status_code != 200:
                    refused = login
                    break
            assert refused is not None, "the file size limit was never reached"
            again = client.post(LOGIN, json=login_body(secret, unique_localpart("d")))
            reads = [whoami_status(client, token) for _ in range(3)]
            health = client.get("/health")
            assert server.process.poll() is None, server.output

            resource.prlimit(pid, resource.RLIMIT_FSIZE, unlimited)
            after = client.post(LOGIN, json=login_body(secret, unique_localpart("d")))
            after_whoami = whoami_status(client, after.json().get("access_token", ""))
    finally:
        server.kill()

    assert (refused.status_code, refused.json()) == (
        503,
        {"errcode": "M_UNKNOWN", "error": "Database unavailable"},
    )
    assert again.status_code == 503
    assert reads == [200, 200, 200]
    assert health.status_code == 200  # reading still works
    assert after.status_code == 200, after.text
    assert after_whoami == 200
    # The log says what went wrong, not just that something did.
    assert "database or disk is full" in server.output or "disk I/O error" in server.output
    assert "Traceback" not in server.output, server.output
