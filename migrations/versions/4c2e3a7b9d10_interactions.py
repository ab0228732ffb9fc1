"""interactions: interaction log, follow-up tasks, task digest setting

Revision ID: 4c2e3a7b9d10
Revises: 3b7d9e1f2a64
"""
from alembic import op
import sqlalchemy as sa

revision = "4c2e3a7b9d10"
down_revision = "3b7d9e1f2a64"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('interaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('results', sa.Text(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_interaction_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_interaction_project_id_project'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interaction'))
    )
    op.create_index(op.f('ix_interaction_kind'), 'interaction', ['kind'], unique=False)
    op.create_index(op.f('ix_interaction_occurred_at'), 'interaction', ['occurred_at'], unique=False)
    op.create_index(op.f('ix_interaction_project_id'), 'interaction', ['project_id'], unique=False)
    op.create_table('interaction_field',
    sa.Column('interaction_id', sa.Integer(), nullable=False),
    sa.Column('field_of_action_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['field_of_action_id'], ['field_of_action.id'], name=op.f('fk_interaction_field_field_of_action_id_field_of_action'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], name=op.f('fk_interaction_field_interaction_id_interaction'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('interaction_id', 'field_of_action_id', name=op.f('pk_interaction_field'))
    )
    op.create_index(op.f('ix_interaction_field_field_of_action_id'), 'interaction_field', ['field_of_action_id'], unique=False)
    op.create_table('interaction_organisation',
    sa.Column('interaction_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], name=op.f('fk_interaction_organisation_interaction_id_interaction'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_interaction_organisation_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('interaction_id', 'organisation_id', name=op.f('pk_interaction_organisation'))
    )
    op.create_index(op.f('ix_interaction_organisation_organisation_id'), 'interaction_organisation', ['organisation_id'], unique=False)
    op.create_table('interaction_person',
    sa.Column('interaction_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], name=op.f('fk_interaction_person_interaction_id_interaction'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_interaction_person_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('interaction_id', 'person_id', name=op.f('pk_interaction_person'))
    )
    op.create_index(op.f('ix_interaction_person_person_id'), 'interaction_person', ['person_id'], unique=False)
    op.create_table('task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('interaction_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['user.id'], name=op.f('fk_task_assignee_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_task_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], name=op.f('fk_task_interaction_id_interaction'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_task_organisation_id_organisation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_task_person_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_task_project_id_project'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task'))
    )
    op.create_index('ix_task_assignee_status_due', 'task', ['assignee_id', 'status', 'due_on'], unique=False)
    op.create_index(op.f('ix_task_due_on'), 'task', ['due_on'], unique=False)
    op.create_index(op.f('ix_task_interaction_id'), 'task', ['interaction_id'], unique=False)
    op.create_index(op.f('ix_task_organisation_id'), 'task', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_task_person_id'), 'task', ['person_id'], unique=False)
    op.create_index(op.f('ix_task_project_id'), 'task', ['project_id'], unique=False)
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(sa.Column("task_digest", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("task_digest")
    op.drop_table("task")
    op.drop_table("interaction_person")
    op.drop_table("interaction_organisation")
    op.drop_table("interaction_field")
    op.drop_table("interaction")
