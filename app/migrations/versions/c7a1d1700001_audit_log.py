"""audit log (append-only)

Revision ID: c7a1d1700001
Revises: be9bbdc81db8
Create Date: 2026-11-25 12:30:00

The table can be added to and read, never changed; an entry can be removed only once it
is older than 180 days (by ``tongxin audit-archive``, after writing it to an archive
file). On PostgreSQL the app's own role also loses the UPDATE, DELETE and TRUNCATE
privileges on it; a trigger enforces the same rules on both databases.
"""
from alembic import op
import sqlalchemy as sa


revision = 'c7a1d1700001'
down_revision = 'be9bbdc81db8'
branch_labels = None
depends_on = None

KEEP_DAYS = 180


def upgrade():
    op.create_table(
        'audit_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('username', sa.String(length=128), nullable=True),
        sa.Column('ip', sa.String(length=45), nullable=True),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('resource', sa.String(length=40), nullable=True),
        sa.Column('resource_label', sa.String(length=60), nullable=True),
        sa.Column('record_id', sa.Integer(), nullable=True),
        sa.Column('summary', sa.String(length=300), nullable=True),
        sa.Column('changes', sa.Text(), nullable=True),
        sa.Column('result', sa.String(length=10), nullable=False),
        sa.Column('street_id', sa.Integer(), nullable=True),
        sa.Column('community_id', sa.Integer(), nullable=True),
        sa.Column('grid_id', sa.Integer(), nullable=True),
        sa.Column('partner_unit_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        for column in ('at', 'kind', 'resource', 'record_id', 'user_id', 'street_id',
                       'community_id', 'grid_id', 'partner_unit_id'):
            batch_op.create_index(f'ix_audit_entry_{column}', [column], unique=False)
        batch_op.create_index('ix_audit_entry_user_events', ['username', 'kind', 'at'])
        batch_op.create_index('ix_audit_entry_ip_events', ['ip', 'at'])

    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"""
            CREATE FUNCTION audit_entry_guard() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'UPDATE' THEN
                    RAISE EXCEPTION 'audit_entry is append-only';
                END IF;
                IF OLD.at > (now() AT TIME ZONE 'UTC') - interval '{KEEP_DAYS} days' THEN
                    RAISE EXCEPTION 'audit entries are kept {KEEP_DAYS} days';
                END IF;
                RETURN OLD;
            END;
            $$ LANGUAGE plpgsql""")
        op.execute("CREATE TRIGGER audit_entry_guard BEFORE UPDATE OR DELETE ON audit_entry "
                   "FOR EACH ROW EXECUTE FUNCTION audit_entry_guard()")
        op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON audit_entry FROM PUBLIC")
        op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON audit_entry FROM CURRENT_USER")
    else:
        op.execute("CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
                   "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END")
        op.execute("CREATE TRIGGER audit_entry_keep BEFORE DELETE ON audit_entry "
                   f"WHEN old.at > datetime('now', '-{KEEP_DAYS} days') "
                   f"BEGIN SELECT RAISE(ABORT, 'audit entries are kept {KEEP_DAYS} days'); END")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("GRANT UPDATE, DELETE, TRUNCATE ON audit_entry TO CURRENT_USER")
        op.execute("DROP TRIGGER audit_entry_guard ON audit_entry")
        op.execute("DROP FUNCTION audit_entry_guard()")
    op.drop_table('audit_entry')
