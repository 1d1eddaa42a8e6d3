"""JWT IDs already used to log in (``jti_replay_protection``), and users' e-mail addresses.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jwt_used_ids",
        sa.Column("id_hash", sa.LargeBinary(32), primary_key=True),
        sa.Column("expiry_ts", sa.BigInteger, nullable=False),
    )
    op.create_index("jwt_used_ids_expiry", "jwt_used_ids", ["expiry_ts"])
    op.create_table(
        "user_threepids",
        sa.Column(
            "user_id",
            sa.String(255),
            sa.ForeignKey("users.user_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("medium", sa.String(16), primary_key=True),
        sa.Column("address", sa.Text, primary_key=True),
        sa.Column("validated_at", sa.BigInteger, nullable=False),
        sa.Column("added_at", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("user_threepids")
    op.drop_index("jwt_used_ids_expiry", "jwt_used_ids")
    op.drop_table("jwt_used_ids")
