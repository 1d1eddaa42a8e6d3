"""``tessera user …``: the operator's commands, run as real processes on a SQLite file."""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import bcrypt
import pytest

from tests.cli.runner import tessera, write_config


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    write_config(tmp_path / "homeserver.yaml", bcrypt_rounds=4)
    return tmp_path


def _show(workdir: Path, user: str) -> dict[str, object]:
    result = tessera("user", "show", user, "--json", cwd=workdir)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_create_then_show_and_list(workdir: Path) -> None:
    created = tessera("user", "create", "alice", "--displayname", "Alice", cwd=workdir)
    assert created.returncode == 0, created.stderr
    shown = _show(workdir, "@alice:localhost")
    assert (shown["displayname"], shown["admin"], shown["deactivated"]) == ("Alice", False, False)
    listed = tessera("user", "list", "--json", cwd=workdir)
    assert [u["user_id"] for u in json.loads(listed.stdout)] == ["@alice:localhost"]


def test_creating_an_existing_user_fails(workdir: Path) -> None:
    assert tessera("user", "create", "alice", cwd=workdir).returncode == 0
    again = tessera("user", "create", "alice", cwd=workdir)
    assert again.returncode == 1
    assert "exists already" in again.stderr


def test_make_admin_and_revoke(workdir: Path) -> None:
    tessera("user", "create", "alice", cwd=workdir)
    assert tessera("user", "make-admin", "alice", cwd=workdir).returncode == 0
    assert _show(workdir, "alice")["admin"] is True
    assert tessera("user", "make-admin", "alice", "--revoke", cwd=workdir).returncode == 0
    assert _show(workdir, "alice")["admin"] is False


def test_deactivate_hides_the_user_from_the_default_list(workdir: Path) -> None:
    tessera("user", "create", "alice", cwd=workdir)
    assert tessera("user", "deactivate", "alice", cwd=workdir).returncode == 0
    assert json.loads(tessera("user", "list", "--json", cwd=workdir).stdout) == []
    everyone = json.loads(tessera("user", "list", "--all", "--json", cwd=workdir).stdout)
    assert everyone[0]["deactivated"] is True
    assert tessera("user", "reactivate", "alice", cwd=workdir).returncode == 0
    assert _show(workdir, "alice")["deactivated"] is False


def test_set_password_stores_a_bcrypt_hash_of_stdin(workdir: Path) -> None:
    tessera("user", "create", "alice", cwd=workdir)
    result = subprocess.run(
        [sys.executable, "-m", "tessera", "user", "set-password", "alice"],
        cwd=workdir,
        input="correct horse\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "correct horse" not in result.stdout + result.stderr
    with sqlite3.connect(workdir / "homeserver.db") as db:
        (stored,) = db.execute("SELECT password_hash FROM users").fetchone()
    assert bcrypt.checkpw(b"correct horse", stored.encode())


def test_unknown_user_is_an_error(workdir: Path) -> None:
    result = tessera("user", "show", "ghost", cwd=workdir)
    assert result.returncode == 1
    assert "User not found" in result.stderr


def test_session_list_and_revoke(workdir: Path) -> None:
    tessera("user", "create", "alice", cwd=workdir)
    with sqlite3.connect(workdir / "homeserver.db") as db:
        for device in ("PHONE", "LAPTOP"):
            db.execute(
                "INSERT INTO devices (user_id, device_id, display_name, created_ts)"
                " VALUES ('@alice:localhost', ?, ?, 0)",
                (device, device.lower()),
            )
    listed = tessera("session", "list", "alice", "--json", cwd=workdir)
    assert sorted(d["device_id"] for d in json.loads(listed.stdout)) == ["LAPTOP", "PHONE"]

    assert tessera("session", "revoke", "alice", "PHONE", cwd=workdir).returncode == 0
    left = json.loads(tessera("session", "list", "alice", "--json", cwd=workdir).stdout)
    assert [d["device_id"] for d in left] == ["LAPTOP"]
    everything = tessera("session", "revoke", "alice", cwd=workdir)
    assert "Ended 1 session(s)" in everything.stdout
    assert json.loads(tessera("session", "list", "alice", "--json", cwd=workdir).stdout) == []
