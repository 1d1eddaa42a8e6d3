"""The suite catches the bugs two of its tests once let through.

Each case runs a few selected tests in a child pytest with one deliberate
bug applied (``tests/support/mutations.py``) and expects them to FAIL:

- ``skip-signature``: the forged-token HTTP test must notice a server that
  checks no signature. It once forged every token with an ``exp`` in 2023,
  so each was refused as expired whatever its signature;
- ``drop-notify``: the multi-worker test must notice a logout that no
  ``NOTIFY`` announces. Its bound once equalled the token cache's TTL, so
  the cache running out refused the token in time anyway.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_DSN

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = re.compile(r"(\d+) (passed|failed|error|errors|skipped|deselected)\b")


def run_mutated(mutation: str | None, *selection: str) -> tuple[int, dict[str, int], str]:
    """A child pytest over ``selection`` with ``mutation`` applied: exit code, counts, output."""
    env = {**os.environ}
    env.pop("TESSERA_MUTATION", None)
    if mutation is not None:
        env["TESSERA_MUTATION"] = mutation
    command = [sys.executable, "-m", "pytest", "-p", "tests.support.mutations"]
    command += ["-p", "no:randomly", "-p", "no:cacheprovider", "-q", "--no-header", *selection]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    counts = {kind: int(number) for number, kind in SUMMARY.findall(last)}
    return done.returncode, counts, done.stdout + done.stderr


FORGED = ("tests/api/test_hostile_login.py", "-k", "test_forged_tokens and sqlite")


def failure_lines(output: str, marker: str) -> int:
    """How many of pytest's ``E`` (explanation) lines contain ``marker``."""
    return sum(1 for line in output.splitlines() if line.startswith("E ") and marker in line)


def test_the_forged_token_test_fails_when_signatures_are_not_checked() -> None:
    code, counts, output = run_mutated("skip-signature", *FORGED)

    assert code == 1, output  # 1: tests ran and some failed (not a crash, not "none collected")
    assert counts.get("failed") == 5, output  # one world per key family: each must notice
    assert "passed" not in counts, output
    # Each failed because a forged token logged in (the first forgery: mallory's claims
    # under alice's signature), not for anything else in the child's run.
    assert failure_lines(output, 'AssertionError: (200, \'{"user_id":"@mallory:') == 5, output


@pytest.mark.skipif(not POSTGRES_DSN, reason="PostgreSQL not available (NOTIFY is PostgreSQL's)")
def test_the_multi_worker_tests_fail_when_logouts_are_not_announced() -> None:
    selection = "logout_on_one_worker or admin_device_deletion or session_revoked_from"
    code, counts, output = run_mutated("drop-notify", "tests/e2e/test_workers.py", "-k", selection)

    assert code == 1, output
    assert counts.get("failed") == 3, output
    assert "passed" not in counts, output
    # Each failed on its bound: the token was still accepted when polling gave up.
    assert failure_lines(output, "= _refused_after(") == 3, output
