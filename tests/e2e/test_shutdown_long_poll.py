"""A SIGTERM answers the ``/sync`` long polls in flight instead of waiting them out.

uvicorn's graceful shutdown waits for every open request; a client's ``/sync`` waits up to
its timeout (matrix-js-sdk: 30 s), so a restart used to hang that long. Now the shutdown
first wakes every waiting sync, which answers with what there is, and the process exits.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import httpx

from tests.e2e.support import login_body, write_homeserver
from tests.e2e.test_quickstart import ServerProcess

SYNC = "/_matrix/client/v3/sync"


async def test_sigterm_answers_a_waiting_sync(tmp_path: Path) -> None:
    secret = write_homeserver(tmp_path)
    process = ServerProcess(tmp_path)
    try:
        async with httpx.AsyncClient(base_url=process.base_url(), timeout=60) as client:
            login = await client.post("/_matrix/client/v3/login", json=login_body(secret, "al"))
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            first = await client.get(SYNC, headers=headers)
            since = first.json()["next_batch"]
            waiting = asyncio.create_task(
                client.get(SYNC, params={"since": since, "timeout": 30000}, headers=headers)
            )
            # The long poll is in the server (an answer now would have been an error: no
            # event happened); only then does the shutdown start.
            done, _ = await asyncio.wait({waiting}, timeout=1)
            assert not done
            code, elapsed = await asyncio.to_thread(process.terminate, 20)
            answer = await waiting
    finally:
        process.kill()
    assert answer.status_code == 200
    assert answer.json()["next_batch"]
    assert code in (0, -signal.SIGTERM), process.output
    assert elapsed < 10, f"shutdown waited {elapsed:.1f} s for the long poll"
    assert "Traceback" not in process.output
