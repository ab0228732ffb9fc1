"""activity reports: the saved Tätigkeitsbericht with its period, field of action and text blocks

Revision ID: c7a3e91d2b40
Revises: af6c47f55652
Create Date: 2026-12-03 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7a3e91d2b40'
down_revision = 'af6c47f55652'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('activity_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('field_of_action_id', sa.Integer(), nullable=True),
    sa.Column('introduction', sa.Text(), nullable=False),
    sa.Column('outlook', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_activity_report_end_not_before_start')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_activity_report_created_by_id_user'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['field_of_action_id'], ['field_of_action.id'],
                            name=op.f('fk_activity_report_field_of_action_id_field_of_action'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_report')),
    sqlite_autoincrement=True
    )


def downgrade():
    op.drop_table('activity_report')
