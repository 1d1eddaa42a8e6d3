"""``tessera run`` and the signing key: a missing key file is created once, an existing
one (a Synapse key included) is used as is, an unusable one stops startup clearly."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

from tessera.core.events.signing import read_signing_keys
from tests.e2e.test_quickstart import TESSERA, ServerProcess, assert_clean_exit

SYNAPSE_KEY = "ed25519 a_AbCd YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1\n"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    result = subprocess.run(
        [TESSERA, "generate-config", "--port", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_run_creates_a_missing_signing_key_once(workdir: Path) -> None:
    key_file = workdir / "localhost.signing.key"
    key_file.unlink()  # as for a config written before Tessera signed events

    server = ServerProcess(workdir)
    try:
        server.base_url()
        assert_clean_exit(server)
    finally:
        server.kill()

    [key] = read_signing_keys(key_file.read_text())
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert f"created a new signing key {key.key_id} in {key_file}" in server.output
    assert key_file.read_text().split()[2] not in server.output  # never log the seed

    again = ServerProcess(workdir)
    try:
        again.base_url()
        assert_clean_exit(again)
    finally:
        again.kill()
    assert "created a new signing key" not in again.output
    assert read_signing_keys(key_file.read_text())[0].seed() == key.seed()


def test_run_uses_an_existing_synapse_key_unchanged(workdir: Path) -> None:
    key_file = workdir / "localhost.signing.key"
    key_file.write_text(SYNAPSE_KEY)

    server = ServerProcess(workdir)
    try:
        server.base_url()
        assert_clean_exit(server)
    finally:
        server.kill()

    assert key_file.read_text() == SYNAPSE_KEY
    assert "created a new signing key" not in server.output


def test_run_refuses_an_unusable_key_file(workdir: Path) -> None:
    (workdir / "localhost.signing.key").write_text("ed25519 a_AbCd not-a-seed!\n")

    server = ServerProcess(workdir)
    code = server.process.wait(30)
    server.kill()

    assert code != 0
    assert "localhost.signing.key" in server.output and "not base64" in server.output
    assert "Traceback" not in server.output
