"""list and search performance: covering affiliation index, city sort index, finer token statistics

The person list sorted by city reads its first page from an index. The person list
filters "current members of organisations of this kind / sector / municipality" read
(organisation_id, person_id, valid_to) from the index alone now.
On PostgreSQL the search token column gets a larger statistics target, so that the
planner estimates a prefix range of a mid-frequency word (a town, a surname) well
enough to hash-join the words of a query instead of probing row by row.

Revision ID: 81af00cfc1b3
Revises: 4c2e3a7b9d10
Create Date: 2026-11-26 14:11:22.239311

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '81af00cfc1b3'
down_revision = '4c2e3a7b9d10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('affiliation', schema=None) as batch_op:
        batch_op.drop_index('ix_affiliation_org_person')
        batch_op.create_index('ix_affiliation_org_person_valid', ['organisation_id', 'person_id', 'valid_to'], unique=False)
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index('ix_person_city_sort', ['city', 'sort_name', 'id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE search_token ALTER COLUMN token SET STATISTICS 1000')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE search_token ALTER COLUMN token SET STATISTICS -1')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_city_sort')
    with op.batch_alter_table('affiliation', schema=None) as batch_op:
        batch_op.drop_index('ix_affiliation_org_person_valid')
        batch_op.create_index('ix_affiliation_org_person', ['organisation_id', 'person_id'], unique=False)
