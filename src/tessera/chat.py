"""The composition root's chat half: rooms, events, the directory, sync and the per-user
streams (issue 14), wired from the configured database. ``app.build_app`` calls it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tessera.config import Config
from tessera.config.model import RateLimitConfig
from tessera.http.client.account_data import AccountDataEndpoints
from tessera.http.client.directory import DirectoryEndpoints
from tessera.http.client.filters import FilterEndpoints
from tessera.http.client.presence import PresenceEndpoints
from tessera.http.client.push_rules import PushRuleEndpoints
from tessera.http.client.receipts import ReceiptEndpoints
from tessera.http.client.room_events import RoomEventEndpoints
from tessera.http.client.rooms import RoomEndpoints
from tessera.http.client.sync import SyncEndpoints
from tessera.http.client.user_data import UserDataEndpoints
from tessera.services.account_data import AccountData
from tessera.services.auth import Authenticator
from tessera.services.clock import Clock
from tessera.services.filters import Filters
from tessera.services.presence import Presence
from tessera.services.push_rules import PushRules
from tessera.services.rate_limits import Limit
from tessera.services.receipts import Receipts
from tessera.services.rooms.auto_join import AutoJoin, AutoJoinSettings
from tessera.services.rooms.create import RoomCreator
from tessera.services.rooms.directory import RoomDirectory
from tessera.services.rooms.history import RoomHistory
from tessera.services.rooms.members import RoomMembers
from tessera.services.rooms.membership import MembershipActions
from tessera.services.rooms.send import RoomSender
from tessera.services.rooms.state import RoomStateService
from tessera.services.rooms.timeline import RoomWriter, Signer
from tessera.services.streams import RoomMembership, Wakeup
from tessera.services.sync.notifier import Notifier
from tessera.services.sync.service import Sync
from tessera.services.sync.user_streams import (
    AccountDataStream,
    NotifierWakeup,
    PresenceStream,
    ReceiptStream,
    TypingStream,
)
from tessera.services.typing import Typing
from tessera.storage.database import Database
from tessera.storage.signing_key_file import server_signing_key


@dataclass
class Chat:
    #: ``Endpoints`` fields: rooms, room_events, directory, sync, user_data.
    endpoints: dict[str, Any]
    #: Wakes waiting syncs; other workers' changes reach it through the PostgreSQL listener.
    notifier: Notifier
    #: Its sweeper (typing notifications expire) runs in the app's lifespan.
    typing: Typing
    #: Joins users a login creates to ``auto_join_rooms``.
    auto_join: AutoJoin


def build_chat(
    config: Config,
    db: Database,
    authenticator: Authenticator,
    clock: Clock,
    *,
    limit: Callable[[str, RateLimitConfig], Limit],
    membership: RoomMembership | None = None,
    wakeup: Wakeup | None = None,
) -> Chat:
    """Wire the chat services; ``limit`` makes an ``rc_*`` limit (shared on PostgreSQL);
    ``membership``/``wakeup`` replace the real ones in tests."""
    notifier = Notifier()
    wakeup = wakeup if wakeup is not None else NotifierWakeup(notifier)
    members = membership if membership is not None else RoomMembers(db)
    server_name = config.server_name
    signer = Signer(server_name, server_signing_key(config.signing_key_path))
    writer = RoomWriter(db, signer, clock, notifier)
    messages = limit("rc_message", config.rc_message)
    sender = RoomSender(db, writer, messages)
    filters = Filters(db)
    history = RoomHistory(db, clock)
    account_data = AccountData(db, wakeup)
    typing = Typing(db, members, wakeup, clock)
    receipts = Receipts(db, members, wakeup, clock)
    presence = Presence(db, members, wakeup, clock)
    streams = (
        AccountDataStream(account_data),
        ReceiptStream(receipts),
        TypingStream(typing),
        PresenceStream(presence, db),
    )
    creator = RoomCreator(writer, server_name, messages)
    membership_actions = MembershipActions(
        db, writer, server_name, limit("rc_joins.local", config.rc_joins.local)
    )
    endpoints = {
        "rooms": RoomEndpoints(authenticator, creator, membership_actions, history, server_name),
        "room_events": RoomEventEndpoints(
            authenticator, sender, RoomStateService(db, sender, clock), history
        ),
        "directory": DirectoryEndpoints(authenticator, RoomDirectory(db, server_name)),
        "sync": SyncEndpoints(authenticator, Sync(db, notifier, clock, streams), filters, presence),
        "user_data": UserDataEndpoints(
            filters=FilterEndpoints(authenticator, filters),
            account_data=AccountDataEndpoints(authenticator, account_data),
            push_rules=PushRuleEndpoints(authenticator, PushRules(db, wakeup)),
            receipts=ReceiptEndpoints(authenticator, receipts, typing),
            presence=PresenceEndpoints(authenticator, presence),
        ),
    }
    auto_join = AutoJoin(db, creator, membership_actions, server_name, _auto_join_settings(config))
    return Chat(endpoints, notifier, typing, auto_join)


def _auto_join_settings(config: Config) -> AutoJoinSettings:
    localpart = config.auto_join_mxid_localpart
    return AutoJoinSettings(
        rooms=config.auto_join_rooms,
        autocreate=config.autocreate_auto_join_rooms,
        preset=config.autocreate_auto_join_room_preset,
        creator=None if localpart is None else f"@{localpart}:{config.server_name}",
    )
