"""check-in: a tap taken back is a row of its own (undo), so a retried sync cannot bring the check-in back

Revision ID: c3a1f0e7d2b4
Revises: b009e02aaa19
Create Date: 2026-12-03 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3a1f0e7d2b4'
down_revision = 'b009e02aaa19'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.add_column(sa.Column('undo', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.drop_column('undo')
