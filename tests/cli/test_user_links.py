"""``tessera user link|unlink`` and ``user show``'s links; ``tessera migrate`` linking the
users of a database from before links (migration 0007). Real processes on a SQLite file."""

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from tessera.storage.database import Database, sqlite_url
from tessera.storage.migrate import upgrade
from tests.cli.runner import tessera, write_config

SEED = {"enabled": True, "secret": "my-secret-token", "algorithm": "HS256"}


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    write_config(tmp_path / "homeserver.yaml", bcrypt_rounds=4)
    for name in ("alice", "bob"):
        assert tessera("user", "create", name, cwd=tmp_path).returncode == 0
    return tmp_path


def _links(workdir: Path, user: str) -> list[tuple[str, str]]:
    result = tessera("user", "show", user, "--json", cwd=workdir)
    assert result.returncode == 0, result.stderr
    return [
        (x["auth_provider"], x["external_id"]) for x in json.loads(result.stdout)["external_ids"]
    ]


def test_link_then_show_then_unlink(workdir: Path) -> None:
    linked = tessera("user", "link", "alice", "partner-app", "p-1", cwd=workdir)
    assert linked.returncode == 0, linked.stderr
    assert _links(workdir, "alice") == [("partner-app", "p-1")]
    text = tessera("user", "show", "alice", cwd=workdir).stdout
    assert "partner-app" in text and "p-1" in text

    unlinked = tessera("user", "unlink", "@alice:localhost", "partner-app", "p-1", cwd=workdir)
    assert unlinked.returncode == 0, unlinked.stderr
    assert _links(workdir, "alice") == []


def test_linking_another_user_s_subject_fails_and_says_how_to_move_it(workdir: Path) -> None:
    assert tessera("user", "link", "alice", "staff", "s-1", cwd=workdir).returncode == 0

    taken = tessera("user", "link", "bob", "staff", "s-1", cwd=workdir)

    assert taken.returncode == 1
    assert "is linked to @alice:localhost" in taken.stderr
    assert "tessera user unlink @alice:localhost staff s-1" in taken.stderr
    assert _links(workdir, "bob") == []
    assert _links(workdir, "alice") == [("staff", "s-1")]


def test_unlinking_a_link_the_user_lacks_fails(workdir: Path) -> None:
    result = tessera("user", "unlink", "bob", "staff", "nope", cwd=workdir)

    assert result.returncode == 1
    assert "has no link staff 'nope'" in result.stderr


def test_linking_an_unknown_user_or_an_unstorable_subject_fails(workdir: Path) -> None:
    unknown = tessera("user", "link", "nobody", "staff", "x", cwd=workdir)
    too_long = tessera("user", "link", "alice", "staff", "x" * 1025, cwd=workdir)

    assert (unknown.returncode, too_long.returncode) == (1, 1)
    assert "User not found" in unknown.stderr
    assert "at most 1024 bytes" in too_long.stderr
    assert _links(workdir, "alice") == []


def test_migrate_links_existing_users_to_the_only_jwt_provider(tmp_path: Path) -> None:
    database = Database.from_url(sqlite_url(tmp_path / "homeserver.db"))

    async def at_0006() -> None:
        try:
            await upgrade(database, revision="0006")
        finally:
            await database.close()

    asyncio.run(at_0006())
    with sqlite3.connect(tmp_path / "homeserver.db") as conn:
        conn.execute("INSERT INTO users (user_id, created_ts) VALUES ('@old:localhost', 1)")
    write_config(tmp_path / "homeserver.yaml", jwt_config=SEED)

    migrated = tessera("migrate", "-c", "homeserver.yaml", cwd=tmp_path)

    assert migrated.returncode == 0, migrated.stderr
    assert "linked 1 existing users to JWT provider jwt_config" in migrated.stderr
    assert _links(tmp_path, "old") == [("jwt_config", "old")]
