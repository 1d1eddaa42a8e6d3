"""Migration 0007 links the users that exist then to the configuration's only JWT provider."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from tessera.storage.database import Database
from tessera.storage.migrate import LATEST, current_revision, upgrade
from tests.storage.test_schema import empty_database  # noqa: F401  (a fixture)

USERS = ("@alice:test.local", "@bob.smith:test.local", "@gone:test.local")


@pytest.fixture
async def at_0006(empty_database: Database) -> AsyncIterator[Database]:  # noqa: F811
    """A database at revision 0006 holding three users (one deactivated)."""
    await upgrade(empty_database, revision="0006")
    async with empty_database.connection() as conn:
        for user in USERS:
            await conn.execute(
                text(
                    "INSERT INTO users (user_id, created_ts, deactivated)"
                    " VALUES (:user_id, 1, :deactivated)"
                ),
                {"user_id": user, "deactivated": user.startswith("@gone")},
            )
    yield empty_database


async def links_of(database: Database) -> list[tuple[str, str, str]]:
    async with database.connection() as conn:
        rows = await conn.execute(
            text(
                "SELECT auth_provider, external_id, user_id FROM user_external_ids ORDER BY user_id"
            )
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_the_only_provider_gets_every_existing_user_by_localpart(at_0006: Database) -> None:
    await upgrade(at_0006, "jwt_config")

    assert await current_revision(at_0006) == LATEST
    assert await links_of(at_0006) == [
        ("jwt_config", "alice", "@alice:test.local"),
        ("jwt_config", "bob.smith", "@bob.smith:test.local"),
        ("jwt_config", "gone", "@gone:test.local"),
    ]


async def test_a_single_jwt_providers_entry_is_the_only_provider_too(at_0006: Database) -> None:
    await upgrade(at_0006, "staff")

    assert {provider for provider, _, _ in await links_of(at_0006)} == {"staff"}


async def test_with_no_single_provider_nobody_is_linked_and_a_warning_says_so(
    at_0006: Database, caplog: pytest.LogCaptureFixture
) -> None:
    await upgrade(at_0006, None)

    assert await links_of(at_0006) == []
    assert "3 existing users are linked to no JWT provider" in caplog.text


async def test_the_repo_reads_the_links_the_upgrade_made(at_0006: Database) -> None:
    await upgrade(at_0006, "jwt_config")
    async with at_0006.read() as txn:
        assert await txn.external_ids.user_for("jwt_config", "bob.smith") == "@bob.smith:test.local"
        assert await txn.external_ids.is_linked("@alice:test.local", "jwt_config")
        assert not await txn.external_ids.is_linked("@alice:test.local", "partner-app")
