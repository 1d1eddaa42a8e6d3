"""Index refresh tokens by device and by the token they were exchanged for.

Deleting a device (every logout) makes the database find its refresh tokens
(ON DELETE CASCADE), every refresh deletes the predecessors of the token it
retires (``WHERE next_token_id = …``), and deleting a refresh token finds the
rows whose ``next_token_id`` points at it (ON DELETE SET NULL). Without
these indexes each of them read the whole table. Most rows have no successor
yet, so only those that do are indexed by it.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_HAS_SUCCESSOR = sa.text("next_token_id IS NOT NULL")


def upgrade() -> None:
    op.create_index("refresh_tokens_device", "refresh_tokens", ["user_id", "device_id"])
    op.create_index(
        "refresh_tokens_next_token",
        "refresh_tokens",
        ["next_token_id"],
        postgresql_where=_HAS_SUCCESSOR,
        sqlite_where=_HAS_SUCCESSOR,
    )


def downgrade() -> None:
    op.drop_index("refresh_tokens_next_token", table_name="refresh_tokens")
    op.drop_index("refresh_tokens_device", table_name="refresh_tokens")
