"""JWT IDs already used to log in (``jti_replay_protection``).

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


def downgrade() -> None:
    op.drop_index("jwt_used_ids_expiry", "jwt_used_ids")
    op.drop_table("jwt_used_ids")
