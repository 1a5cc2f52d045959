"""Alembic environment: the caller hands over a live connection (see archive.catalog)."""

from alembic import context

from archive.catalog.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
