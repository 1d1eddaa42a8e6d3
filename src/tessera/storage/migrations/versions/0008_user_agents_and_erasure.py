"""Remember each device's last user agent, and which users were erased.

Synapse's whois shows the ``User-Agent`` of each connection; it is recorded
with the last-seen IP and time (same batches). ``erased`` is Synapse's flag
for a user deactivated with ``erase: true`` (the admin API's user object
shows it).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("devices", sa.Column("last_seen_user_agent", sa.Text()))
    op.add_column(
        "users",
        sa.Column("erased", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("erased")
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("last_seen_user_agent")
