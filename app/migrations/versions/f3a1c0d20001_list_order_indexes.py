"""work-log month indexes ordered (key, work_date, id, …): they also give a scoped list its
rows in the list's own order (date, then id), so a page far down the list is an index read

Revision ID: f3a1c0d20001
Revises: e1f0c3a20001
Create Date: 2026-12-04 20:00:00
"""
from alembic import op

revision = 'f3a1c0d20001'
down_revision = 'e1f0c3a20001'
branch_labels = None
depends_on = None

MONTH_INDEXES = (('street', ('community_id',)), ('community', ('street_id',)),
                 ('partner_unit', ('street_id', 'community_id')))


def _rebuild(with_id: bool) -> None:
    for key, others in MONTH_INDEXES:
        name = f'ix_work_log_{key}_month'
        op.drop_index(name, table_name='work_log')
        op.create_index(name, 'work_log', [f'{key}_id', 'work_date', *(['id'] if with_id else []),
                                           'status', *others, 'hours', 'beneficiaries'])


def upgrade():
    _rebuild(with_id=True)


def downgrade():
    _rebuild(with_id=False)
