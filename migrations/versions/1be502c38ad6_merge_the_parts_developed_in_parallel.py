"""merge the parts developed in parallel

Revision ID: 1be502c38ad6
Revises: 5b1d2f6a8c43, 6d4e8f0a1c35, 81af00cfc1b3
Create Date: 2026-11-26 15:14:06.210424

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1be502c38ad6'
down_revision = ('5b1d2f6a8c43', '6d4e8f0a1c35', '81af00cfc1b3')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
