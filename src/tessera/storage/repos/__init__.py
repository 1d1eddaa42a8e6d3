"""Repositories bound to one connection (and so to one transaction)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text

from tessera.storage.repos.devices import DeviceRepo
from tessera.storage.repos.invalidations import InvalidationRepo
from tessera.storage.repos.jwt_ids import JwtIdRepo
from tessera.storage.repos.login_tokens import LoginTokenRepo
from tessera.storage.repos.rate_limits import RateLimitRepo
from tessera.storage.repos.refresh_tokens import RefreshTokenRepo
from tessera.storage.repos.threepids import ThreepidRepo
from tessera.storage.repos.tokens import TokenRepo
from tessera.storage.repos.ui_auth import UiAuthRepo
from tessera.storage.repos.users import UserRepo

if TYPE_CHECKING:  # the asyncio extension loads only for PostgreSQL
    from sqlalchemy.ext.asyncio import AsyncConnection


class Repos:
    """Every repo, sharing the connection of the transaction a use case runs in."""

    def __init__(self, conn: AsyncConnection, dialect: str) -> None:
        self._conn = conn
        self.users = UserRepo(conn, dialect)
        self.devices = DeviceRepo(conn, dialect)
        self.tokens = TokenRepo(conn, dialect)
        self.refresh_tokens = RefreshTokenRepo(conn, dialect)
        self.login_tokens = LoginTokenRepo(conn, dialect)
        self.ui_auth = UiAuthRepo(conn, dialect)
        self.rate_limits = RateLimitRepo(conn, dialect)
        self.invalidations = InvalidationRepo(conn, dialect)
        self.jwt_ids = JwtIdRepo(conn, dialect)
        self.threepids = ThreepidRepo(conn, dialect)

    async def ping(self) -> None:
        await self._conn.execute(text("SELECT 1"))
