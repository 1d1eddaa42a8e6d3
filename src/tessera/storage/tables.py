"""The schema, once, for both engines. Alembic migrations create it; tests compare the two."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    false,
    func,
)

metadata = MetaData()


def _index_of_set_values(name: str, column: Column[Any]) -> Index:
    """An index of the rows where ``column`` is not NULL (a partial index, both engines)."""
    is_set = column.is_not(None)
    return Index(name, column, postgresql_where=is_set, sqlite_where=is_set)


# SQLite only auto-increments an INTEGER PRIMARY KEY.
_Id = BigInteger().with_variant(Integer, "sqlite")

users = Table(
    "users",
    metadata,
    Column("user_id", String(255), primary_key=True),
    Column("display_name", Text),
    Column("avatar_url", Text),
    Column("password_hash", Text),
    Column("is_admin", Boolean, nullable=False, server_default=false()),
    Column("deactivated", Boolean, nullable=False, server_default=false()),
    Column("created_ts", BigInteger, nullable=False),
    # Deactivated with ``erase: true`` (Synapse's flag; the profile was cleared too).
    Column("erased", Boolean, nullable=False, server_default=false()),
)
# Logins match existing users case-insensitively (Synapse does), and two
# users may never differ only by case.
Index("users_user_id_lower", func.lower(users.c.user_id), unique=True)

devices = Table(
    "devices",
    metadata,
    Column("user_id", String(255), primary_key=True),
    Column("device_id", String(512), primary_key=True),
    Column("display_name", Text),
    Column("last_seen_ip", Text),
    Column("last_seen_ts", BigInteger),
    Column("created_ts", BigInteger, nullable=False),
    # Bounded (LAST_SEEN_USER_AGENT_MAX) before it is stored: a header is client-chosen.
    Column("last_seen_user_agent", Text),
    ForeignKeyConstraint(["user_id"], ["users.user_id"], ondelete="CASCADE"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("token_hash", LargeBinary(32), nullable=False, unique=True),
    Column("user_id", String(255), nullable=False),
    Column("device_id", String(512), nullable=False),
    Column("created_ts", BigInteger, nullable=False),
    Column("expiry_ts", BigInteger),
    # The hard end of the session (session_lifetime), carried along refreshes.
    Column("session_expiry_ts", BigInteger),
    # The token this one was exchanged for; it stays valid until that pair is used.
    Column("next_token_id", _Id, ForeignKey("refresh_tokens.id", ondelete="SET NULL")),
    ForeignKeyConstraint(
        ["user_id", "device_id"], ["devices.user_id", "devices.device_id"], ondelete="CASCADE"
    ),
)

# A device's deletion (ON DELETE CASCADE) finds its refresh tokens by device;
# refreshes and ON DELETE SET NULL find predecessors by their successor (only
# rows that have one are indexed).
Index("refresh_tokens_device", refresh_tokens.c.user_id, refresh_tokens.c.device_id)
_index_of_set_values("refresh_tokens_next_token", refresh_tokens.c.next_token_id)

access_tokens = Table(
    "access_tokens",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    # SHA-256 of the token: the token itself is never stored.
    Column("token_hash", LargeBinary(32), nullable=False, unique=True),
    Column("user_id", String(255), nullable=False),
    # NULL only for a token an admin made with "log in as user" (Synapse's are
    # device-less too); a NULL in the composite foreign key is not checked.
    Column("device_id", String(512)),
    Column("created_ts", BigInteger, nullable=False),
    Column("valid_until_ms", BigInteger),
    Column("refresh_token_id", _Id, ForeignKey("refresh_tokens.id", ondelete="CASCADE")),
    # Set on first use of a refreshed token: from then on its predecessor pair is gone.
    Column("used", Boolean, nullable=False, server_default=false()),
    # The admin who made a "log in as user" token (Synapse's token owner).
    Column("puppeted_by", String(255)),
    ForeignKeyConstraint(
        ["user_id", "device_id"], ["devices.user_id", "devices.device_id"], ondelete="CASCADE"
    ),
)
Index("access_tokens_device", access_tokens.c.user_id, access_tokens.c.device_id)
# Only tokens with a refresh token (ON DELETE CASCADE looks them up): most have
# none, and indexing their NULLs made every login write one more page.
_index_of_set_values("access_tokens_refresh_token", access_tokens.c.refresh_token_id)

login_tokens = Table(
    "login_tokens",
    metadata,
    Column("token_hash", LargeBinary(32), primary_key=True),
    Column("user_id", String(255), ForeignKey("users.user_id", ondelete="CASCADE"), nullable=False),
    Column("expiry_ts", BigInteger, nullable=False),
)

ui_auth_sessions = Table(
    "ui_auth_sessions",
    metadata,
    Column("session_id", String(64), primary_key=True),
    Column("user_id", String(255), ForeignKey("users.user_id", ondelete="CASCADE"), nullable=False),
    Column("method", String(16), nullable=False),
    Column("uri", Text, nullable=False),
    Column("created_ts", BigInteger, nullable=False),
    # JSON list of the stage types completed so far.
    Column("completed", Text, nullable=False, server_default="[]"),
)

# SHA-256 of (provider, iss, jti) for each JWT that logged in while
# `jti_replay_protection` is on; kept until the token's own expiry.
jwt_used_ids = Table(
    "jwt_used_ids",
    metadata,
    Column("id_hash", LargeBinary(32), primary_key=True),
    Column("expiry_ts", BigInteger, nullable=False),
)
Index("jwt_used_ids_expiry", jwt_used_ids.c.expiry_ts)

# Third-party IDs (e-mail addresses) a user is known by; JWT claims fill them.
user_threepids = Table(
    "user_threepids",
    metadata,
    Column(
        "user_id", String(255), ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True
    ),
    Column("medium", String(16), primary_key=True),
    Column("address", Text, primary_key=True),
    Column("validated_at", BigInteger, nullable=False),
    Column("added_at", BigInteger, nullable=False),
)

# Which user each (JWT provider, subject) logs in as: a provider reaches the
# users linked to it, not every user (Synapse's user_external_ids). The index
# serves a user's links and "is this user linked to that provider?".
user_external_ids = Table(
    "user_external_ids",
    metadata,
    Column("auth_provider", String(255), primary_key=True),
    Column("external_id", Text, primary_key=True),
    Column("user_id", String(255), ForeignKey("users.user_id", ondelete="CASCADE"), nullable=False),
    # The primary key is the table on SQLite: a first login writes one B-tree fewer.
    sqlite_with_rowid=False,
)
Index("user_external_ids_user", user_external_ids.c.user_id, user_external_ids.c.auth_provider)

# Token buckets of rate limits shared by every process on one PostgreSQL
# database (rc_login); SQLite servers keep theirs in memory. Keys are hashed:
# a JWT subject may be long, and addresses need not be readable here. On
# PostgreSQL the migration makes the table UNLOGGED (no WAL, emptied by a crash).
rate_limit_buckets = Table(
    "rate_limit_buckets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("key_hash", LargeBinary(32), primary_key=True),
    Column("level", Double, nullable=False),
    # Seconds since the epoch, as the servers' clocks tell it.
    Column("updated_at", Double, nullable=False),
    # When the bucket is full again: from then on the row can be purged.
    Column("full_at", Double, nullable=False),
    # Whether the last action was allowed: what the one-statement upsert returns.
    Column("allowed", Boolean, nullable=False),
)
Index("rate_limit_buckets_full_at", rate_limit_buckets.c.full_at)

# --- rooms (issue 14) -------------------------------------------------------------------------
# One server, so one linear history per room: every event of a room points at the one before
# it, and its place in the global stream (``events.stream``) is also its place in the room.
# ``rooms.head_*`` is that history's tip; a write takes the room row's lock first (an UPDATE
# of it), so two workers never append at once, and the unique (room_id, depth) index would
# refuse a fork even if one tried.

rooms = Table(
    "rooms",
    metadata,
    Column("room_id", String(255), primary_key=True),
    Column("room_version", String(16), nullable=False),
    Column("creator", String(255), nullable=False),
    # In the public room directory (createRoom's visibility, /directory/list/room).
    Column("is_public", Boolean, nullable=False, server_default=false()),
    Column("created_ts", BigInteger, nullable=False),
    Column("head_event_id", String(255)),
    Column("head_depth", BigInteger, nullable=False, server_default="0"),
)
# The public room directory.
Index("rooms_public", rooms.c.is_public, rooms.c.room_id)

# The event stream: ``stream`` is the global position sync tokens are made of, handed out
# by ``stream_positions`` in commit order (see repos/events.py), never by a sequence, whose
# values commit out of order.
events = Table(
    "events",
    metadata,
    Column("stream", BigInteger, primary_key=True, autoincrement=False),
    Column("event_id", String(255), nullable=False, unique=True),
    Column("room_id", String(255), ForeignKey("rooms.room_id", ondelete="CASCADE"), nullable=False),
    Column("type", Text, nullable=False),
    Column("state_key", Text),
    Column("sender", String(255), nullable=False),
    Column("depth", BigInteger, nullable=False),
    Column("origin_server_ts", BigInteger, nullable=False),
    # The PDU as signed (canonical JSON), and the redaction that stripped it, if any.
    Column("pdu", Text, nullable=False),
    Column("redacted_by", String(255)),
)
# One linear history per room; also how /messages and the timeline page a room.
Index("events_room_depth", events.c.room_id, events.c.depth, unique=True)
Index("events_room_stream", events.c.room_id, events.c.stream)
# State at any position: the newest state event per (type, state_key) at or before it.
_is_state = events.c.state_key.is_not(None)
Index(
    "events_room_state",
    events.c.room_id,
    events.c.type,
    events.c.state_key,
    events.c.stream,
    postgresql_where=_is_state,
    sqlite_where=_is_state,
)

# The room's current state: (type, state_key) → the event that set it.
room_state = Table(
    "room_state",
    metadata,
    Column(
        "room_id", String(255), ForeignKey("rooms.room_id", ondelete="CASCADE"), primary_key=True
    ),
    Column("type", Text, primary_key=True),
    Column("state_key", Text, primary_key=True),
    Column("event_id", String(255), nullable=False),
    Column("stream", BigInteger, nullable=False),
)

# Each user's current membership of each room, and where in the stream it changed.
room_memberships = Table(
    "room_memberships",
    metadata,
    Column(
        "room_id", String(255), ForeignKey("rooms.room_id", ondelete="CASCADE"), primary_key=True
    ),
    Column("user_id", String(255), primary_key=True),
    Column("membership", String(16), nullable=False),
    Column("event_id", String(255), nullable=False),
    Column("stream", BigInteger, nullable=False),
    Column("forgotten", Boolean, nullable=False, server_default=false()),
)
# joined_rooms and sync's room list; sync's "whose membership changed since".
Index("room_memberships_user", room_memberships.c.user_id, room_memberships.c.membership)
Index("room_memberships_user_stream", room_memberships.c.user_id, room_memberships.c.stream)

# PUT /send's transaction IDs: a retry with the same ID gets the same event back.
event_transactions = Table(
    "event_transactions",
    metadata,
    Column("user_id", String(255), primary_key=True),
    # The device, or "token:<id>" for a device-less token (spec: per access token).
    Column("scope", String(600), primary_key=True),
    # What the ID was used for, as the path names it: "<room>/send/<type>", "<room>/redact/<id>".
    Column("request", Text, primary_key=True),
    Column("txn_id", String(255), primary_key=True),
    Column("event_id", String(255), nullable=False),
    Column("created_ts", BigInteger, nullable=False),
)
# The sender's own echo carries its transaction ID (unsigned.transaction_id).
Index("event_transactions_event", event_transactions.c.event_id)

room_aliases = Table(
    "room_aliases",
    metadata,
    Column("alias", String(255), primary_key=True),
    Column("room_id", String(255), ForeignKey("rooms.room_id", ondelete="CASCADE"), nullable=False),
    Column("creator", String(255), nullable=False),
)
Index("room_aliases_room", room_aliases.c.room_id)
# --- per-user data clients read before and during /sync (issue 14) ---------------------------

# The last position of each sync stream (account_data, receipts, typing, presence). A write
# takes the next one with a single upsert; on PostgreSQL that row stays locked until the
# transaction commits, so positions become visible in the order they were handed out and a
# sync that has seen position N never misses a change at or below N.
stream_positions = Table(
    "stream_positions",
    metadata,
    Column("stream", String(32), primary_key=True),
    Column("position", BigInteger, nullable=False),
)

# Filters uploaded with POST /user/{userId}/filter, kept as sent. The same filter uploaded
# again gets the same ID (clients upload theirs at every start): the hash finds it.
user_filters = Table(
    "user_filters",
    metadata,
    Column("filter_id", _Id, primary_key=True, autoincrement=True),
    Column("user_id", String(255), ForeignKey("users.user_id", ondelete="CASCADE"), nullable=False),
    Column("filter_hash", LargeBinary(32), nullable=False),
    Column("filter_json", Text, nullable=False),
)
Index("user_filters_user_hash", user_filters.c.user_id, user_filters.c.filter_hash, unique=True)

# Global (room_id '') and per-room account data; push rule changes land here as m.push_rules.
account_data = Table(
    "account_data",
    metadata,
    Column("user_id", String(255), primary_key=True),
    Column("room_id", String(255), primary_key=True),
    Column("type", Text, primary_key=True),
    Column("content", Text, nullable=False),
    Column("stream_id", BigInteger, nullable=False),
)
Index("account_data_user_stream", account_data.c.user_id, account_data.c.stream_id)

# A user's own push rules, and their changes to the server-default ones (enabled, actions).
push_rules = Table(
    "push_rules",
    metadata,
    Column("user_id", String(255), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("rule_id", Text, primary_key=True),
    # Higher first within a kind; NULL for a server-default rule (its place is fixed).
    Column("priority", Integer),
    # JSON: conditions (override/underride) or the pattern (content); NULL for defaults.
    Column("rule", Text),
    Column("actions", Text),
    Column("enabled", Boolean),
)

# The newest receipt of each type per user and thread ('' is the unthreaded one).
receipts = Table(
    "receipts",
    metadata,
    Column("room_id", String(255), primary_key=True),
    Column("receipt_type", String(32), primary_key=True),
    Column("user_id", String(255), primary_key=True),
    Column("thread_id", String(255), primary_key=True),
    Column("event_id", String(255), nullable=False),
    Column("ts", BigInteger, nullable=False),
    Column("stream_id", BigInteger, nullable=False),
)
Index("receipts_room_stream", receipts.c.room_id, receipts.c.stream_id)

# Who is typing where, until when: in the database, so every worker sees the same typists.
typing_users = Table(
    "typing_users",
    metadata,
    Column("room_id", String(255), primary_key=True),
    Column("user_id", String(255), primary_key=True),
    Column("expires_ts", BigInteger, nullable=False),
)
Index("typing_users_expiry", typing_users.c.expires_ts)

# The position of each room's last typing change (a start, a stop or an expiry).
typing_rooms = Table(
    "typing_rooms",
    metadata,
    Column("room_id", String(255), primary_key=True),
    Column("stream_id", BigInteger, nullable=False),
)

presence = Table(
    "presence",
    metadata,
    Column(
        "user_id", String(255), ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True
    ),
    Column("state", String(16), nullable=False),
    Column("status_msg", Text),
    Column("last_active_ts", BigInteger, nullable=False),
    Column("stream_id", BigInteger, nullable=False),
)
Index("presence_stream", presence.c.stream_id)
