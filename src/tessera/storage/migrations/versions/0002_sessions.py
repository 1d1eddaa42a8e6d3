"""Refresh tokens, login tokens and user-interactive auth sessions.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "refresh_tokens",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("token_hash", sa.LargeBinary(32), nullable=False, unique=True),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("device_id", sa.String(512), nullable=False),
        sa.Column("created_ts", sa.BigInteger, nullable=False),
        sa.Column("expiry_ts", sa.BigInteger),
        sa.Column("session_expiry_ts", sa.BigInteger),
        sa.Column("next_token_id", _Id, sa.ForeignKey("refresh_tokens.id", ondelete="SET NULL")),
        sa.ForeignKeyConstraint(
            ["user_id", "device_id"],
            ["devices.user_id", "devices.device_id"],
            ondelete="CASCADE",
        ),
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite can add a column with its REFERENCES in place; Alembic only
        # offers a table rebuild for constraints there.
        op.execute(
            "ALTER TABLE access_tokens ADD COLUMN refresh_token_id INTEGER "
            "REFERENCES refresh_tokens (id) ON DELETE CASCADE"
        )
    else:
        op.add_column("access_tokens", sa.Column("refresh_token_id", _Id))
        op.create_foreign_key(
            "access_tokens_refresh_token_id_fkey",
            "access_tokens",
            "refresh_tokens",
            ["refresh_token_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.add_column(
        "access_tokens",
        sa.Column("used", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("access_tokens_refresh_token", "access_tokens", ["refresh_token_id"])
    op.create_table(
        "login_tokens",
        sa.Column("token_hash", sa.LargeBinary(32), primary_key=True),
        sa.Column(
            "user_id",
            sa.String(255),
            sa.ForeignKey("users.user_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("expiry_ts", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "ui_auth_sessions",
        sa.Column("session_id", sa.String(64), primary_key=True),
        sa.Column(
            "user_id",
            sa.String(255),
            sa.ForeignKey("users.user_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("uri", sa.Text, nullable=False),
        sa.Column("created_ts", sa.BigInteger, nullable=False),
        sa.Column("completed", sa.Text, nullable=False, server_default="[]"),
    )


def downgrade() -> None:
    op.drop_table("ui_auth_sessions")
    op.drop_table("login_tokens")
    op.drop_index("access_tokens_refresh_token", table_name="access_tokens")
    with op.batch_alter_table("access_tokens") as batch:
        batch.drop_column("used")
        batch.drop_column("refresh_token_id")
    op.drop_table("refresh_tokens")
