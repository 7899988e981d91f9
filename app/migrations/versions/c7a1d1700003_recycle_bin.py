"""recycle bin (回收站)

Revision ID: c7a1d1700003
Revises: c7a1d1700002
Create Date: 2026-11-25 15:00:00

A deleted record is kept in ``recycle_item`` (what, when, by whom, where) and
``recycle_snapshot`` (its rows as JSON) until it is restored or purged.
"""
from alembic import op
import sqlalchemy as sa


revision = 'c7a1d1700003'
down_revision = 'c7a1d1700002'
branch_labels = None
depends_on = None

INDEXED = ('deleted_at', 'expires_on', 'street_id', 'community_id', 'grid_id',
           'partner_unit_id')


def upgrade():
    op.create_table(
        'recycle_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('resource', sa.String(length=40), nullable=False),
        sa.Column('resource_label', sa.String(length=60), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=300), nullable=False),
        sa.Column('deleted_at', sa.DateTime(), nullable=False),
        sa.Column('deleted_by_id', sa.Integer(), nullable=True),
        sa.Column('deleted_by_name', sa.String(length=128), nullable=True),
        sa.Column('expires_on', sa.Date(), nullable=False),
        sa.Column('street_id', sa.Integer(), nullable=True),
        sa.Column('community_id', sa.Integer(), nullable=True),
        sa.Column('grid_id', sa.Integer(), nullable=True),
        sa.Column('partner_unit_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('recycle_item', schema=None) as batch_op:
        for column in INDEXED:
            batch_op.create_index(f'ix_recycle_item_{column}', [column], unique=False)
        batch_op.create_index('ix_recycle_item_record', ['resource', 'record_id'])
    op.create_table(
        'recycle_snapshot',
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['recycle_item.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('item_id'),
    )


def downgrade():
    op.drop_table('recycle_snapshot')
    with op.batch_alter_table('recycle_item', schema=None) as batch_op:
        batch_op.drop_index('ix_recycle_item_record')
        for column in INDEXED:
            batch_op.drop_index(f'ix_recycle_item_{column}')
    op.drop_table('recycle_item')
