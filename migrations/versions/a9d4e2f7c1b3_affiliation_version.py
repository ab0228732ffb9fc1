"""affiliation: a row version (optimistic locking) for the function form and the API's ETag / If-Match

Revision ID: a9d4e2f7c1b3
Revises: 2c32d21b6369
Create Date: 2026-12-03 14:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "a9d4e2f7c1b3"
down_revision = "2c32d21b6369"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("affiliation") as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade():
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+) instead of batch mode: a rebuilt table would lose AUTOINCREMENT.
    op.drop_column("affiliation", "version")
