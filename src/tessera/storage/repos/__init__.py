"""Repositories bound to one connection (and so to one transaction)."""

from __future__ import annotations

from tessera.storage.repos.devices import DeviceRepo
from tessera.storage.repos.event_transactions import EventTransactionRepo
from tessera.storage.repos.events import EventRepo
from tessera.storage.repos.external_ids import ExternalIdRepo
from tessera.storage.repos.invalidations import InvalidationRepo
from tessera.storage.repos.jwt_ids import JwtIdRepo
from tessera.storage.repos.login_tokens import LoginTokenRepo
from tessera.storage.repos.memberships import MembershipRepo
from tessera.storage.repos.notifications import NotificationRepo
from tessera.storage.repos.rate_limits import RateLimitRepo
from tessera.storage.repos.refresh_tokens import RefreshTokenRepo
from tessera.storage.repos.room_aliases import RoomAliasRepo
from tessera.storage.repos.room_state import RoomStateRepo
from tessera.storage.repos.rooms import RoomRepo
from tessera.storage.repos.stream_repos import StreamRepos
from tessera.storage.repos.threepids import ThreepidRepo
from tessera.storage.repos.tokens import TokenRepo
from tessera.storage.repos.ui_auth import UiAuthRepo
from tessera.storage.repos.users import UserRepo
from tessera.storage.sql import Sql


class Repos(StreamRepos):
    """Every repo, sharing the connection of the transaction a use case runs in."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql
        self.users = UserRepo(sql)
        self.devices = DeviceRepo(sql)
        self.tokens = TokenRepo(sql)
        self.refresh_tokens = RefreshTokenRepo(sql)
        self.login_tokens = LoginTokenRepo(sql)
        self.ui_auth = UiAuthRepo(sql)
        self.rate_limits = RateLimitRepo(sql)
        self.invalidations = InvalidationRepo(sql)
        self.jwt_ids = JwtIdRepo(sql)
        self.threepids = ThreepidRepo(sql)
        self.external_ids = ExternalIdRepo(sql)
        self.rooms = RoomRepo(sql)
        self.events = EventRepo(sql)
        self.room_state = RoomStateRepo(sql)
        self.memberships = MembershipRepo(sql)
        self.event_transactions = EventTransactionRepo(sql)
        self.room_aliases = RoomAliasRepo(sql)
        self.notifications = NotificationRepo(sql)
        self._add_stream_repos(sql)

    async def ping(self) -> None:
        await self.sql.rows("SELECT 1")
