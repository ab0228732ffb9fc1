"""search token rank index: the quick search reads a word's matches rank by rank

ix_search_token_rank (rank, kind, token, entity_id): a one-word quick search counts the
matches of each rank on it (a rank without matches costs nothing) and reads a rank with
few matches from it whole (see crm.contacts.search._top_by_rank).

Revision ID: 2c32d21b6369
Revises: d4f1a8c2e6b7
Create Date: 2026-12-03 14:20:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '2c32d21b6369'
down_revision = 'd4f1a8c2e6b7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_token', schema=None) as batch_op:
        batch_op.create_index('ix_search_token_rank', ['rank', 'kind', 'token', 'entity_id'], unique=False)


def downgrade():
    with op.batch_alter_table('search_token', schema=None) as batch_op:
        batch_op.drop_index('ix_search_token_rank')
