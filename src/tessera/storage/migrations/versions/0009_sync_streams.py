"""Filters, account data, push rules, receipts, typing and presence (issue 14).

The per-user data clients read before and during /sync, each stream with its
own position in ``stream_positions`` (the rooms' events take theirs from the same
table: migration 0010).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "stream_positions",
        sa.Column("stream", sa.String(32), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "user_filters",
        sa.Column("filter_id", _Id, primary_key=True, autoincrement=True),
        sa.Column(
            "user_id",
            sa.String(255),
            sa.ForeignKey("users.user_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("filter_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("filter_json", sa.Text, nullable=False),
    )
    op.create_index(
        "user_filters_user_hash", "user_filters", ["user_id", "filter_hash"], unique=True
    )
    op.create_table(
        "account_data",
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("room_id", sa.String(255), primary_key=True),
        sa.Column("type", sa.Text, primary_key=True),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("stream_id", sa.BigInteger, nullable=False),
    )
    op.create_index("account_data_user_stream", "account_data", ["user_id", "stream_id"])
    op.create_table(
        "push_rules",
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("rule_id", sa.Text, primary_key=True),
        sa.Column("priority", sa.Integer),
        sa.Column("rule", sa.Text),
        sa.Column("actions", sa.Text),
        sa.Column("enabled", sa.Boolean),
    )
    op.create_table(
        "receipts",
        sa.Column("room_id", sa.String(255), primary_key=True),
        sa.Column("receipt_type", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("thread_id", sa.String(255), primary_key=True),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("ts", sa.BigInteger, nullable=False),
        sa.Column("stream_id", sa.BigInteger, nullable=False),
    )
    op.create_index("receipts_room_stream", "receipts", ["room_id", "stream_id"])
    op.create_table(
        "typing_users",
        sa.Column("room_id", sa.String(255), primary_key=True),
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("expires_ts", sa.BigInteger, nullable=False),
    )
    op.create_index("typing_users_expiry", "typing_users", ["expires_ts"])
    op.create_table(
        "typing_rooms",
        sa.Column("room_id", sa.String(255), primary_key=True),
        sa.Column("stream_id", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "presence",
        sa.Column(
            "user_id",
            sa.String(255),
            sa.ForeignKey("users.user_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("status_msg", sa.Text),
        sa.Column("last_active_ts", sa.BigInteger, nullable=False),
        sa.Column("stream_id", sa.BigInteger, nullable=False),
    )
    op.create_index("presence_stream", "presence", ["stream_id"])


def downgrade() -> None:
    op.drop_index("presence_stream", "presence")
    op.drop_table("presence")
    op.drop_table("typing_rooms")
    op.drop_index("typing_users_expiry", "typing_users")
    op.drop_table("typing_users")
    op.drop_index("receipts_room_stream", "receipts")
    op.drop_table("receipts")
    op.drop_table("push_rules")
    op.drop_index("account_data_user_stream", "account_data")
    op.drop_table("account_data")
    op.drop_index("user_filters_user_hash", "user_filters")
    op.drop_table("user_filters")
    op.drop_table("stream_positions")
