"""municipality map: the municipality shapes (GeoJSON, keyed by AGS) an admin uploads for the network picture

Revision ID: 5b7e2c9d4a10
Revises: c7a3e91d2b40
Create Date: 2026-12-03 10:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b7e2c9d4a10'
down_revision = "c7a3e91d2b40"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('municipality_map',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('shapes', sa.Text(), nullable=False),
    sa.Column('feature_count', sa.Integer(), nullable=False),
    sa.Column('matched_count', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_municipality_map_uploaded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_municipality_map')),
    sqlite_autoincrement=True
    )


def downgrade():
    op.drop_table('municipality_map')
