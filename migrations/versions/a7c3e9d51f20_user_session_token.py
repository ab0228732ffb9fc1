"""user session token: logout, password, role change and deactivation end every session

Revision ID: a7c3e9d51f20
Revises: 76da18b17770
Create Date: 2026-12-02 05:30:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = 'a7c3e9d51f20'
down_revision = '76da18b17770'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=False, server_default=''))
    # Every existing user gets a token of their own; sessions signed before this migration end.
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    conn = op.get_bind()
    for (user_id,) in conn.execute(sa.select(user.c.id)).all():
        conn.execute(user.update().where(user.c.id == user_id).values(session_token=secrets.token_urlsafe(24)))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_token')
