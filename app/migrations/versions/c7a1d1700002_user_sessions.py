"""user sessions (server-side record of each sign-in)

Revision ID: c7a1d1700002
Revises: c7a1d1700001
Create Date: 2026-11-25 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c7a1d1700002'
down_revision = 'c7a1d1700001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_session',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('ip', sa.String(length=45), nullable=True),
        sa.Column('agent', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index('ix_user_session_user_id', ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index('ix_user_session_user_id')
    op.drop_table('user_session')
