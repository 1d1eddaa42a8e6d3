"""Alembic environment: runs on the connection ``tessera.storage.migrate`` hands over."""

from alembic import context

from tessera.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `tessera migrate`, not the alembic CLI")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
