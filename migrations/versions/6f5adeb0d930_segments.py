"""Verteiler (segments): saved filters and fixed lists, their members, and every use with its recipients

segment: a dynamic filter (JSON tree of conditions) or a fixed list; segment_member: the persons
and organisations of a fixed list; segment_use / segment_use_entry: each use (export, letter ...)
with the recipients it resolved and the contacts it left out, with the reason.

Revision ID: 6f5adeb0d930
Revises: a7c3e9d2b1f4
Create Date: 2026-12-02 14:35:52.087133

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6f5adeb0d930'
down_revision = 'a7c3e9d2b1f4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('segment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('filter', sa.JSON(), nullable=False),
    sa.Column('filter_summary', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('dynamic', 'fixed')", name=op.f('ck_segment_kind_valid')),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_segment_owner_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segment')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('segment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_segment_owner_id'), ['owner_id'], unique=False)

    op.create_table('segment_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('segment_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(person_id IS NULL) <> (organisation_id IS NULL)', name=op.f('ck_segment_member_person_or_organisation')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_segment_member_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_segment_member_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['segment_id'], ['segment.id'], name=op.f('fk_segment_member_segment_id_segment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segment_member')),
    sa.UniqueConstraint('segment_id', 'organisation_id', name='uq_segment_member_organisation'),
    sa.UniqueConstraint('segment_id', 'person_id', name='uq_segment_member_person')
    )
    with op.batch_alter_table('segment_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_segment_member_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_segment_member_person_id'), ['person_id'], unique=False)

    op.create_table('segment_use',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('segment_id', sa.Integer(), nullable=True),
    sa.Column('segment_name', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.String(length=30), nullable=False),
    sa.Column('rule', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('filter', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('user_name', sa.String(length=120), nullable=False),
    sa.Column('recipient_count', sa.Integer(), nullable=False),
    sa.Column('excluded_count', sa.Integer(), nullable=False),
    sa.CheckConstraint("channel IN ('', 'letter', 'email')", name=op.f('ck_segment_use_channel_valid')),
    sa.CheckConstraint("rule IN ('person', 'at_organisation', 'organisation')", name=op.f('ck_segment_use_rule_valid')),
    sa.ForeignKeyConstraint(['segment_id'], ['segment.id'], name=op.f('fk_segment_use_segment_id_segment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_segment_use_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segment_use'))
    )
    with op.batch_alter_table('segment_use', schema=None) as batch_op:
        batch_op.create_index('ix_segment_use_segment_at', ['segment_id', 'at'], unique=False)

    op.create_table('segment_use_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('use_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('excluded', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('affiliation_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("reason IN ('', 'objection', 'no_address', 'no_email', 'no_organisation', 'archived')", name=op.f('ck_segment_use_entry_reason_valid')),
    sa.ForeignKeyConstraint(['affiliation_id'], ['affiliation.id'], name=op.f('fk_segment_use_entry_affiliation_id_affiliation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_segment_use_entry_organisation_id_organisation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_segment_use_entry_person_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['use_id'], ['segment_use.id'], name=op.f('fk_segment_use_entry_use_id_segment_use'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segment_use_entry'))
    )
    with op.batch_alter_table('segment_use_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_segment_use_entry_affiliation_id'), ['affiliation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_segment_use_entry_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_segment_use_entry_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_segment_use_entry_use', ['use_id', 'excluded', 'position'], unique=False)



def downgrade():
    with op.batch_alter_table('segment_use_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_segment_use_entry_use')
        batch_op.drop_index(batch_op.f('ix_segment_use_entry_person_id'))
        batch_op.drop_index(batch_op.f('ix_segment_use_entry_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_segment_use_entry_affiliation_id'))

    op.drop_table('segment_use_entry')
    with op.batch_alter_table('segment_use', schema=None) as batch_op:
        batch_op.drop_index('ix_segment_use_segment_at')

    op.drop_table('segment_use')
    with op.batch_alter_table('segment_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_segment_member_person_id'))
        batch_op.drop_index(batch_op.f('ix_segment_member_organisation_id'))

    op.drop_table('segment_member')
    with op.batch_alter_table('segment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_segment_owner_id'))

    op.drop_table('segment')
