"""person, organisation: the active and the archived in partial indexes; key contacts not contacted index-only

ix_person_archived_at (every person) is replaced by two partial indexes. ix_person_active holds
the ids of the active persons: PostgreSQL counts a filtered person list (a tag, a field of action,
a sector) by joining the matching ids with this index alone instead of reading every person row;
ix_organisation_active does the same for organisations.
ix_person_archived finds the few archived persons. Neither looks to SQLite, which keeps no
statistics, like a selective index for "archived_at IS NULL", so it reads a long list page in
name order from ix_person_sort_name instead of sorting every active person.
ix_person_not_contacted holds what the start page's "not contacted" panel asks of a key
contact (active, no objection, last contact, name for the order), so the few thousand key
contacts are looked up in the index instead of scanning the person table.

Revision ID: 8e5c21542455
Revises: 4e8b1c9d7a25
Create Date: 2026-12-02 15:00:00

"""
import sqlalchemy as sa
from alembic import op


revision = "8e5c21542455"
down_revision = "4e8b1c9d7a25"
branch_labels = None
depends_on = None

ACTIVE = sa.text("archived_at IS NULL")
ARCHIVED = sa.text("archived_at IS NOT NULL")


def upgrade():
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index("ix_person_archived_at")
        batch_op.create_index("ix_person_active", ["id"], unique=False,
                              postgresql_where=ACTIVE, sqlite_where=ACTIVE)
        batch_op.create_index("ix_person_archived", ["archived_at"], unique=False,
                              postgresql_where=ARCHIVED, sqlite_where=ARCHIVED)
        batch_op.create_index("ix_person_not_contacted",
                              ["id", "archived_at", "contact_objection", "last_contacted_at", "sort_name"],
                              unique=False)
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.create_index("ix_organisation_active", ["id"], unique=False,
                              postgresql_where=ACTIVE, sqlite_where=ACTIVE)


def downgrade():
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_index("ix_organisation_active")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index("ix_person_not_contacted")
        batch_op.drop_index("ix_person_archived")
        batch_op.drop_index("ix_person_active")
        batch_op.create_index("ix_person_archived_at", ["archived_at"], unique=False)
