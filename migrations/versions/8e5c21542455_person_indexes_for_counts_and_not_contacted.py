"""person: index-only counts of the active persons and of the key contacts not contacted

ix_person_archived_at gains the id: PostgreSQL then counts a filtered person list (a tag, a
field of action, a sector) by joining the matching ids with this index alone instead of
reading every person row (SQLite already appends the rowid to every index; its plans stay).
ix_person_not_contacted holds what the start page's "not contacted" panel asks of a key
contact (active, no objection, last contact, name for the order), so the few thousand key
contacts are looked up in the index instead of scanning the person table.

Revision ID: 8e5c21542455
Revises: a7c3e9d2b1f4
Create Date: 2026-12-02 15:00:00

"""
from alembic import op


revision = "8e5c21542455"
down_revision = "a7c3e9d2b1f4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index("ix_person_archived_at")
        batch_op.create_index("ix_person_archived_at_id", ["archived_at", "id"], unique=False)
        batch_op.create_index("ix_person_not_contacted",
                              ["id", "archived_at", "contact_objection", "last_contacted_at", "sort_name"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index("ix_person_not_contacted")
        batch_op.drop_index("ix_person_archived_at_id")
        batch_op.create_index("ix_person_archived_at", ["archived_at"], unique=False)
