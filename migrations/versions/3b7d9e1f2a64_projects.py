"""projects: project pipeline, project contacts, fields of action, funding defaults

Revision ID: 3b7d9e1f2a64
Revises: 902dfc52f164
"""
from alembic import op
import sqlalchemy as sa

revision = "3b7d9e1f2a64"
down_revision = "902dfc52f164"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('programme', sa.String(length=30), nullable=False),
    sa.Column('project_type', sa.String(length=60), nullable=False),
    sa.Column('cooperation', sa.String(length=20), nullable=False),
    sa.Column('sponsor_person_id', sa.Integer(), nullable=True),
    sa.Column('sponsor_organisation_id', sa.Integer(), nullable=True),
    sa.Column('total_cost', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('eligible_cost', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('funding_rate', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('funding_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('selected_on', sa.Date(), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('sort_title', sa.String(length=200), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(total_cost IS NULL OR total_cost >= 0) AND (eligible_cost IS NULL OR eligible_cost >= 0) AND (funding_amount IS NULL OR funding_amount >= 0)', name=op.f('ck_project_money_not_negative')),
    sa.CheckConstraint('funding_rate IS NULL OR (funding_rate >= 0 AND funding_rate <= 100)', name=op.f('ck_project_rate_range')),
    sa.ForeignKeyConstraint(['sponsor_organisation_id'], ['organisation.id'], name=op.f('fk_project_sponsor_organisation_id_organisation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sponsor_person_id'], ['person.id'], name=op.f('fk_project_sponsor_person_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project'))
    )
    op.create_index(op.f('ix_project_sort_title'), 'project', ['sort_title'], unique=False)
    op.create_index(op.f('ix_project_sponsor_organisation_id'), 'project', ['sponsor_organisation_id'], unique=False)
    op.create_index(op.f('ix_project_sponsor_person_id'), 'project', ['sponsor_person_id'], unique=False)
    op.create_index(op.f('ix_project_status'), 'project', ['status'], unique=False)
    op.create_table('project_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_project_contact_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_contact_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_contact'))
    )
    op.create_index(op.f('ix_project_contact_person_id'), 'project_contact', ['person_id'], unique=False)
    op.create_index(op.f('ix_project_contact_project_id'), 'project_contact', ['project_id'], unique=False)
    op.create_table('project_field',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('field_of_action_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['field_of_action_id'], ['field_of_action.id'], name=op.f('fk_project_field_field_of_action_id_field_of_action'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_field_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'field_of_action_id', name=op.f('pk_project_field'))
    )
    op.create_index(op.f('ix_project_field_field_of_action_id'), 'project_field', ['field_of_action_id'], unique=False)
    op.create_table('funding_default',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme', sa.String(length=30), nullable=False),
    sa.Column('project_type', sa.String(length=60), nullable=False),
    sa.Column('rate', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('max_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.CheckConstraint('max_amount IS NULL OR max_amount >= 0', name=op.f('ck_funding_default_max_amount_not_negative')),
    sa.CheckConstraint('rate >= 0 AND rate <= 100', name=op.f('ck_funding_default_rate_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funding_default')),
    sa.UniqueConstraint('programme', 'project_type', name=op.f('uq_funding_default_programme'))
    )


def downgrade():
    op.drop_table("funding_default")
    op.drop_table("project_field")
    op.drop_table("project_contact")
    op.drop_table("project")
