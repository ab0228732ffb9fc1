"""daily use: the person list's city sort key, one-time tokens of create forms

person.sort_city holds the folded city the person list shows (own city, else that of the
organisation of the primary function); the city sort reads it through an index.
form_submission remembers which record a create form's token produced, so a form sent twice
(back button, double click) leads to the first record instead of a copy.
The backfill below approximates the folding with lower(); `flask crm reindex` computes it exactly.

Revision ID: 7a3c5e9d2b18
Revises: a7c3e9d51f20
Create Date: 2026-12-02 05:40:00

"""
import sqlalchemy as sa
from alembic import op


revision = '7a3c5e9d2b18'
down_revision = 'a7c3e9d51f20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'form_submission',
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.Column('entity_type', sa.String(length=40), nullable=False),
        sa.Column('entity_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('token', name=op.f('pk_form_submission')),
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sort_city', sa.String(length=100), nullable=True))
        batch_op.drop_index('ix_person_city_sort')
        batch_op.create_index('ix_person_sort_city', ['sort_city', 'sort_name', 'id'], unique=False)
    op.execute(
        "UPDATE person SET sort_city = NULLIF(lower(COALESCE(NULLIF(city, ''), ("
        " SELECT o.city FROM affiliation a JOIN organisation o ON o.id = a.organisation_id"
        " WHERE a.person_id = person.id AND (a.valid_to IS NULL OR a.valid_to >= CURRENT_DATE)"
        " ORDER BY a.is_primary DESC, o.sort_name LIMIT 1), '')), '')"
    )


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_sort_city')
        batch_op.create_index('ix_person_city_sort', ['city', 'sort_name', 'id'], unique=False)
        batch_op.drop_column('sort_city')
    op.drop_table('form_submission')
