"""network: bodies, seats, interest groups

Revision ID: 6d4e8f0a1c35
Revises: 902dfc52f164
"""
from alembic import op
import sqlalchemy as sa

revision = "6d4e8f0a1c35"
down_revision = "902dfc52f164"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('body',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('short_name', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('quorum_share', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('max_group_share', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('min_non_public_share', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('max_group_share >= 0 AND max_group_share <= 100', name=op.f('ck_body_max_group_share_range')),
    sa.CheckConstraint('min_non_public_share >= 0 AND min_non_public_share <= 100', name=op.f('ck_body_min_non_public_share_range')),
    sa.CheckConstraint('quorum_share >= 0 AND quorum_share <= 100', name=op.f('ck_body_quorum_share_range')),
    sa.ForeignKeyConstraint(['parent_id'], ['body.id'], name=op.f('fk_body_parent_id_body'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_body'))
    )
    op.create_index(op.f('ix_body_parent_id'), 'body', ['parent_id'], unique=False)
    op.create_table('interest_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('sector', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interest_group')),
    sa.UniqueConstraint('name', name=op.f('uq_interest_group_name'))
    )
    op.create_table('body_field',
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('field_of_action_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], name=op.f('fk_body_field_body_id_body'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['field_of_action_id'], ['field_of_action.id'], name=op.f('fk_body_field_field_of_action_id_field_of_action'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('body_id', 'field_of_action_id', name=op.f('pk_body_field'))
    )
    op.create_index(op.f('ix_body_field_field_of_action_id'), 'body_field', ['field_of_action_id'], unique=False)
    op.create_table('seat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('voting', sa.Boolean(), nullable=False),
    sa.Column('interest_group_id', sa.Integer(), nullable=True),
    sa.Column('deputy_id', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('resolution', sa.String(length=200), nullable=False),
    sa.Column('end_resolution', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('deputy_id IS NULL OR deputy_id <> person_id', name=op.f('ck_seat_not_own_deputy')),
    sa.CheckConstraint('valid_to IS NULL OR valid_to >= valid_from', name=op.f('ck_seat_period')),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], name=op.f('fk_seat_body_id_body'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deputy_id'], ['person.id'], name=op.f('fk_seat_deputy_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['interest_group_id'], ['interest_group.id'], name=op.f('fk_seat_interest_group_id_interest_group'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_seat_organisation_id_organisation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_seat_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seat'))
    )
    op.create_index('ix_seat_body_period', 'seat', ['body_id', 'valid_from', 'valid_to'], unique=False)
    op.create_index(op.f('ix_seat_deputy_id'), 'seat', ['deputy_id'], unique=False)
    op.create_index(op.f('ix_seat_interest_group_id'), 'seat', ['interest_group_id'], unique=False)
    op.create_index(op.f('ix_seat_organisation_id'), 'seat', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_seat_person_id'), 'seat', ['person_id'], unique=False)


def downgrade():
    op.drop_index("ix_seat_person_id", table_name="seat")
    op.drop_index("ix_seat_organisation_id", table_name="seat")
    op.drop_index("ix_seat_interest_group_id", table_name="seat")
    op.drop_index("ix_seat_deputy_id", table_name="seat")
    op.drop_index("ix_seat_body_period", table_name="seat")
    op.drop_table("seat")
    op.drop_index("ix_body_field_field_of_action_id", table_name="body_field")
    op.drop_table("body_field")
    op.drop_table("interest_group")
    op.drop_index("ix_body_parent_id", table_name="body")
    op.drop_table("body")
