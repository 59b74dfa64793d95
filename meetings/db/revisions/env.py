"""Alembic's entry: runs the revisions on the connection the store hands over, inside the
store's own write transaction (so an upgrade is all or nothing), batch mode on SQLite."""

from alembic import context

from meetings.db.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
