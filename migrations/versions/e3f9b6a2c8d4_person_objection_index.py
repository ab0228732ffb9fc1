"""person: the few persons who objected to being contacted in a partial index

The Verteiler's live count of a broad filter (crm/segments/facets.py count_query) counts the
persons at a current function less a few exceptions, and of them those who objected; this index
finds those few instead of reading every person (PostgreSQL: a sequential scan of person; SQLite:
every entry of an index over all persons).

Revision ID: e3f9b6a2c8d4
Revises: d5e8a3c1f9b7
Create Date: 2026-12-03 17:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = "e3f9b6a2c8d4"
down_revision = "d5e8a3c1f9b7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_person_objection", "person", ["id", "archived_at"], unique=False,
                    postgresql_where=sa.text("contact_objection IS true"),
                    sqlite_where=sa.text("contact_objection IS 1"))


def downgrade():
    op.drop_index("ix_person_objection", table_name="person")
