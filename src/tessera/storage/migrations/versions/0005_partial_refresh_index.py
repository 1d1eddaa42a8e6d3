"""Index only the access tokens that have a refresh token.

Most tokens have none (every login without ``refresh_token: true``), and
indexing their NULLs made every login write one more index page.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_HAS_REFRESH_TOKEN = sa.text("refresh_token_id IS NOT NULL")


def upgrade() -> None:
    op.drop_index("access_tokens_refresh_token", table_name="access_tokens")
    op.create_index(
        "access_tokens_refresh_token",
        "access_tokens",
        ["refresh_token_id"],
        postgresql_where=_HAS_REFRESH_TOKEN,
        sqlite_where=_HAS_REFRESH_TOKEN,
    )


def downgrade() -> None:
    op.drop_index("access_tokens_refresh_token", table_name="access_tokens")
    op.create_index("access_tokens_refresh_token", "access_tokens", ["refresh_token_id"])
