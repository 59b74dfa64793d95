"""Schema 18: central mode's job queue, Procrastinate, gets its tables in PostgreSQL.

Procrastinate's own schema as the locked release ships it (requirements.lock pins it; a later
release of Procrastinate with a schema change comes with a revision that applies its migration).
SQLite has no Procrastinate: the embedded worker reads the jobs table itself, so there is
nothing to do there but move the schema number on. Never edit this file: add a revision.
"""

from alembic import op
from procrastinate.schema import SchemaManager

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # psycopg's own execute, without parameters, so the schema's '%' stay as written
        bind.connection.driver_connection.execute(SchemaManager.get_schema())

