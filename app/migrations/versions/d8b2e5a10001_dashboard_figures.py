"""dashboard figures: the days a demand was published, claimed and completed; indexes
for the month figures

Revision ID: d8b2e5a10001
Revises: c7a1d1700003
Create Date: 2026-12-04 17:00:00

The new date columns of ``demand`` are filled from the timeline (``state_change``): the
day (in the portal's time zone) each demand first reached the state. A demand that is
past a state without a timeline entry for it (e.g. loaded by a script) takes the day it
was last changed.
"""
from alembic import op
import sqlalchemy as sa


revision = 'd8b2e5a10001'
down_revision = 'c7a1d1700003'
branch_labels = None
depends_on = None

#: stamp column → (state it stamps, the states a demand is in once past it)
STAMPS = {
    'published_on': ('published', ('published', 'claimed', 'in_progress', 'completed',
                                   'evaluated')),
    'claimed_on': ('claimed', ('claimed', 'in_progress', 'completed', 'evaluated')),
    'completed_on': ('completed', ('completed', 'evaluated')),
}
#: the work-log month figures read these alone, whatever the viewer's place: each holds
#: the other scope keys too, since the scope criteria name them all
MONTH_INDEXES = (('street', ['community_id']), ('community', ['street_id']),
                 ('partner_unit', ['street_id', 'community_id']))
INDEXED_DATES = (('micro_wish', 'fulfilled_on'), ('dispute', 'closed_on'),
                 ('resident_request', 'resolved_at'), ('volunteer_service', 'approved_at'))


def upgrade():
    with op.batch_alter_table('demand', schema=None) as batch_op:
        for column in STAMPS:
            batch_op.add_column(sa.Column(column, sa.Date(), nullable=True))
            batch_op.create_index(f'ix_demand_{column}', [column], unique=False)
    sqlite = op.get_bind().dialect.name == 'sqlite'
    minutes = _offset_minutes()

    def day(value):  # the portal's day of a UTC moment, as the workflow stamps it
        if sqlite:
            return f"date({value}, '{minutes:+d} minutes')"
        return f"CAST({value} + INTERVAL '{minutes} minutes' AS DATE)"

    for column, (state, past) in STAMPS.items():
        # from the timeline, whatever the state now (a published demand may be closed since)
        op.execute(
            f"UPDATE demand SET {column} = (SELECT {day('MIN(sc.at)')} FROM state_change sc "
            f"WHERE sc.resource = 'demand' AND sc.record_id = demand.id "
            f"AND sc.to_state = '{state}')")
        states = ', '.join(f"'{s}'" for s in past)
        op.execute(f"UPDATE demand SET {column} = {day('changed_on')} "
                   f"WHERE {column} IS NULL AND status IN ({states})")
    for table, column in INDEXED_DATES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(f'ix_{table}_{column}', [column], unique=False)
    with op.batch_alter_table('work_log', schema=None) as batch_op:
        for key, others in MONTH_INDEXES:
            batch_op.create_index(f'ix_work_log_{key}_month',
                                  [f'{key}_id', 'work_date', 'status', *others, 'hours',
                                   'beneficiaries'], unique=False)


def _offset_minutes():
    """The portal's time zone (Asia/Shanghai unless configured) as minutes east of UTC."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from flask import current_app, has_app_context

    name = current_app.config.get('BABEL_DEFAULT_TIMEZONE') if has_app_context() else None
    offset = dt.datetime.now(ZoneInfo(name or 'Asia/Shanghai')).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0


def downgrade():
    with op.batch_alter_table('work_log', schema=None) as batch_op:
        for key, _others in MONTH_INDEXES:
            batch_op.drop_index(f'ix_work_log_{key}_month')
    for table, column in INDEXED_DATES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{table}_{column}')
    with op.batch_alter_table('demand', schema=None) as batch_op:
        for column in STAMPS:
            batch_op.drop_index(f'ix_demand_{column}')
            batch_op.drop_column(column)
