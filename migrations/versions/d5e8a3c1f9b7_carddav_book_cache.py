"""carddav book cache: the change marker, CTag and last check on the newest sync state; indexes on the last change

Revision ID: d5e8a3c1f9b7
Revises: a9d4e2f7c1b3
Create Date: 2026-12-03 14:10:00

A phone polling the "all contacts" book no longer has every card rendered while nothing changed:
the newest sync state keeps the marker of the data it was made from (counts and the last change of
persons, organisations and functions; read from the new updated_at indexes), its CTag and when it was
last checked.
"""
import sqlalchemy as sa
from alembic import op

revision = "d5e8a3c1f9b7"
down_revision = "a9d4e2f7c1b3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("carddav_sync_state") as batch_op:
        batch_op.add_column(sa.Column("fingerprint", sa.String(length=400), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("ctag", sa.String(length=32), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True))
    for table in ("person", "organisation", "affiliation"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_index(f"ix_{table}_updated_at", ["updated_at"], unique=False)


def downgrade():
    for table in ("person", "organisation", "affiliation"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(f"ix_{table}_updated_at")
    for column in ("checked_at", "ctag", "fingerprint"):  # ALTER TABLE … DROP COLUMN (SQLite 3.35+), no rebuild
        op.drop_column("carddav_sync_state", column)
