"""Device-less access tokens (admin "log in as user") and shared rate-limit buckets.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def _access_tokens(*, puppets: bool) -> sa.Table:
    """``access_tokens`` before (``puppets=False``) or after this revision.

    SQLite cannot drop NOT NULL in place, so Alembic rebuilds the table there;
    it must copy from this definition, not from reflection, because
    SQLAlchemy does not read the ON DELETE of the inline REFERENCES that 0002
    added, and the rebuilt table would lose that cascade.
    """
    table = sa.Table(
        "access_tokens",
        sa.MetaData(),
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("token_hash", sa.LargeBinary(32), nullable=False, unique=True),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("device_id", sa.String(512), nullable=puppets),
        sa.Column("created_ts", sa.BigInteger, nullable=False),
        sa.Column("valid_until_ms", sa.BigInteger),
        sa.Column("refresh_token_id", _Id, sa.ForeignKey("refresh_tokens.id", ondelete="CASCADE")),
        sa.Column("used", sa.Boolean, nullable=False, server_default=sa.false()),
        *([sa.Column("puppeted_by", sa.String(255))] if puppets else []),
        sa.ForeignKeyConstraint(
            ["user_id", "device_id"],
            ["devices.user_id", "devices.device_id"],
            ondelete="CASCADE",
        ),
    )
    sa.Index("access_tokens_device", table.c.user_id, table.c.device_id)
    sa.Index("access_tokens_refresh_token", table.c.refresh_token_id)
    # Only so the copied foreign keys resolve; nothing is created from these.
    sa.Table("refresh_tokens", table.metadata, sa.Column("id", _Id, primary_key=True))
    sa.Table(
        "devices",
        table.metadata,
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("device_id", sa.String(512), primary_key=True),
    )
    return table


def upgrade() -> None:
    with op.batch_alter_table("access_tokens", copy_from=_access_tokens(puppets=False)) as batch:
        # NULL for a token an admin made with "log in as user": it has no device
        # (as in Synapse), and a NULL in the composite foreign key is not checked.
        batch.alter_column("device_id", existing_type=sa.String(512), nullable=True)
        batch.add_column(sa.Column("puppeted_by", sa.String(255)))
    op.create_table(
        "rate_limit_buckets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("key_hash", sa.LargeBinary(32), primary_key=True),
        sa.Column("level", sa.Double, nullable=False),
        sa.Column("updated_at", sa.Double, nullable=False),
        sa.Column("full_at", sa.Double, nullable=False),
        sa.Column("allowed", sa.Boolean, nullable=False),
    )
    op.create_index("rate_limit_buckets_full_at", "rate_limit_buckets", ["full_at"])
    if op.get_bind().dialect.name == "postgresql":
        # No WAL: a commit touching only this table need not wait for a disk
        # flush. After a crash the table comes back empty (every bucket full)
        # and standbys never hold it; both are fine for rate limits.
        op.execute("ALTER TABLE rate_limit_buckets SET UNLOGGED")


def downgrade() -> None:
    op.drop_index("rate_limit_buckets_full_at", "rate_limit_buckets")
    op.drop_table("rate_limit_buckets")
    op.execute("DELETE FROM access_tokens WHERE device_id IS NULL")
    with op.batch_alter_table("access_tokens", copy_from=_access_tokens(puppets=True)) as batch:
        batch.drop_column("puppeted_by")
        batch.alter_column("device_id", existing_type=sa.String(512), nullable=False)
