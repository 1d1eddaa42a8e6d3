"""Users, devices and access tokens.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("display_name", sa.Text),
        sa.Column("avatar_url", sa.Text),
        sa.Column("password_hash", sa.Text),
        sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("deactivated", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_ts", sa.BigInteger, nullable=False),
    )
    op.create_index("users_user_id_lower", "users", [sa.text("lower(user_id)")], unique=True)
    op.create_table(
        "devices",
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("device_id", sa.String(512), primary_key=True),
        sa.Column("display_name", sa.Text),
        sa.Column("last_seen_ip", sa.Text),
        sa.Column("last_seen_ts", sa.BigInteger),
        sa.Column("created_ts", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.user_id"], ondelete="CASCADE"),
    )
    op.create_table(
        "access_tokens",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("token_hash", sa.LargeBinary(32), nullable=False, unique=True),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("device_id", sa.String(512), nullable=False),
        sa.Column("created_ts", sa.BigInteger, nullable=False),
        sa.Column("valid_until_ms", sa.BigInteger),
        sa.ForeignKeyConstraint(
            ["user_id", "device_id"],
            ["devices.user_id", "devices.device_id"],
            ondelete="CASCADE",
        ),
    )
    op.create_index("access_tokens_device", "access_tokens", ["user_id", "device_id"])


def downgrade() -> None:
    op.drop_table("access_tokens")
    op.drop_table("devices")
    op.drop_index("users_user_id_lower", table_name="users")
    op.drop_table("users")
