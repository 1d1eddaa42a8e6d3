"""Link users to the JWT provider they log in through (``user_external_ids``).

Until now any JWT provider could log in as any existing user (issue 12.1).
From this revision a provider reaches the users linked to it. The users
table never recorded how a user was made, so existing users are linked by
one rule: when the configuration the migration runs with enables exactly
one JWT provider (``jwt_config`` or a single ``jwt_providers`` entry), that
provider could reach every user before, and every existing user is linked
to it with their localpart as the subject. With none or several, nobody is
linked and a warning says so: the operator links users (``tessera user
link``, the admin API's ``external_ids``) or lets one provider claim them
(``allow_existing_users``). ``tessera.storage.migrate`` hands the provider
over in the Alembic config's ``link_existing_users_to`` attribute.

Revision ID: 0007
Revises: 0006
"""

import logging

import sqlalchemy as sa
from alembic import context, op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

logger = logging.getLogger("tessera.storage.migrate")

_LINKS = sa.table(
    "user_external_ids",
    sa.column("auth_provider", sa.String),
    sa.column("external_id", sa.Text),
    sa.column("user_id", sa.String),
)
_BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "user_external_ids",
        sa.Column("auth_provider", sa.String(255), primary_key=True),
        sa.Column("external_id", sa.Text, primary_key=True),
        sa.Column(
            "user_id",
            sa.String(255),
            sa.ForeignKey("users.user_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sqlite_with_rowid=False,
    )
    op.create_index("user_external_ids_user", "user_external_ids", ["user_id", "auth_provider"])
    _link_existing_users(context.config.attributes.get("link_existing_users_to"))


def _link_existing_users(provider: str | None) -> None:
    bind = op.get_bind()
    user_ids = [row[0] for row in bind.execute(sa.text("SELECT user_id FROM users"))]
    if not user_ids:
        return
    if provider is None:
        logger.warning(
            "%d existing users are linked to no JWT provider (the configuration does not "
            "enable exactly one): link each with `tessera user link`, or set "
            "allow_existing_users on the provider that should claim them (docs/jwt.md §9)",
            len(user_ids),
        )
        return
    rows = [
        # '@localpart:server': the localpart was the subject, unless a template made it.
        {"auth_provider": provider, "external_id": uid[1:].split(":", 1)[0], "user_id": uid}
        for uid in user_ids
    ]
    for start in range(0, len(rows), _BATCH):
        bind.execute(_LINKS.insert(), rows[start : start + _BATCH])
    logger.info("linked %d existing users to JWT provider %s", len(rows), provider)


def downgrade() -> None:
    op.drop_index("user_external_ids_user", table_name="user_external_ids")
    op.drop_table("user_external_ids")
