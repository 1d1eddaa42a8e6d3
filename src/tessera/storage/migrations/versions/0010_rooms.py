"""Rooms, their events, current state, memberships, send transaction IDs and aliases.

One linear history per room (``events_room_depth`` is unique), one global stream position
per event (``events.stream``, handed out by the ``events`` row of ``stream_positions``, the
table migration 0009 creates for every sync stream, in commit order), and the indexes sync
and /messages read through (tests/storage/test_query_plans.py names them).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_IS_STATE = sa.text("state_key IS NOT NULL")


def _room_fk() -> sa.ForeignKey:
    return sa.ForeignKey("rooms.room_id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "rooms",
        sa.Column("room_id", sa.String(255), primary_key=True),
        sa.Column("room_version", sa.String(16), nullable=False),
        sa.Column("creator", sa.String(255), nullable=False),
        sa.Column("is_public", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_ts", sa.BigInteger, nullable=False),
        sa.Column("head_event_id", sa.String(255)),
        sa.Column("head_depth", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_index("rooms_public", "rooms", ["is_public", "room_id"])
    op.create_table(
        "events",
        sa.Column("stream", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(255), nullable=False, unique=True),
        sa.Column("room_id", sa.String(255), _room_fk(), nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("state_key", sa.Text),
        sa.Column("sender", sa.String(255), nullable=False),
        sa.Column("depth", sa.BigInteger, nullable=False),
        sa.Column("origin_server_ts", sa.BigInteger, nullable=False),
        sa.Column("pdu", sa.Text, nullable=False),
        sa.Column("redacted_by", sa.String(255)),
    )
    op.create_index("events_room_depth", "events", ["room_id", "depth"], unique=True)
    op.create_index("events_room_stream", "events", ["room_id", "stream"])
    op.create_index(
        "events_room_state",
        "events",
        ["room_id", "type", "state_key", "stream"],
        postgresql_where=_IS_STATE,
        sqlite_where=_IS_STATE,
    )
    op.create_table(
        "room_state",
        sa.Column("room_id", sa.String(255), _room_fk(), primary_key=True),
        sa.Column("type", sa.Text, primary_key=True),
        sa.Column("state_key", sa.Text, primary_key=True),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("stream", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "room_memberships",
        sa.Column("room_id", sa.String(255), _room_fk(), primary_key=True),
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("membership", sa.String(16), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("stream", sa.BigInteger, nullable=False),
        sa.Column("forgotten", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("room_memberships_user", "room_memberships", ["user_id", "membership"])
    op.create_index("room_memberships_user_stream", "room_memberships", ["user_id", "stream"])
    op.create_table(
        "event_transactions",
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("scope", sa.String(600), primary_key=True),
        sa.Column("request", sa.Text, primary_key=True),
        sa.Column("txn_id", sa.String(255), primary_key=True),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("created_ts", sa.BigInteger, nullable=False),
    )
    op.create_index("event_transactions_event", "event_transactions", ["event_id"])
    op.create_table(
        "room_aliases",
        sa.Column("alias", sa.String(255), primary_key=True),
        sa.Column("room_id", sa.String(255), _room_fk(), nullable=False),
        sa.Column("creator", sa.String(255), nullable=False),
    )
    op.create_index("room_aliases_room", "room_aliases", ["room_id"])


def downgrade() -> None:
    for table in (
        "room_aliases",
        "event_transactions",
        "room_memberships",
        "room_state",
        "events",
        "rooms",
    ):
        op.drop_table(table)
