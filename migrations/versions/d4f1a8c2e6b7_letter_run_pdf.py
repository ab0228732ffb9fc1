"""letter run: the PDF made by a background job is kept with the run (offered for download when done)

Revision ID: d4f1a8c2e6b7
Revises: 5b7e2c9d4a10
Create Date: 2026-12-03 14:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4f1a8c2e6b7'
down_revision = "5b7e2c9d4a10"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("letter_run", sa.Column("pdf", sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table("letter_run", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("pdf")
