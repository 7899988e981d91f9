"""permission change stamp: a counter the database raises with every change to the
permission tables, so the portal may keep the permission sets it has read until then

Revision ID: a4d7e9c20001
Revises: f3a1c0d20001
Create Date: 2026-12-04 22:20:00

Table ``tx_change_stamp`` holds the row ``permissions``. Triggers on the tables that say
who holds which permission (role links, permission-view pairs and their names) add one to
it in the same transaction as the change, whoever makes it: a screen, ``tongxin init``,
another worker process or plain SQL.
"""
import sqlalchemy as sa
from alembic import op

revision = 'a4d7e9c20001'
down_revision = 'f3a1c0d20001'
branch_labels = None
depends_on = None

WATCHED = ('ab_permission_view_role', 'ab_permission_view', 'ab_permission', 'ab_view_menu')
BUMP = "UPDATE tx_change_stamp SET value = value + 1 WHERE name = 'permissions'"


def upgrade():
    op.create_table('tx_change_stamp',
                    sa.Column('name', sa.String(length=40), nullable=False),
                    sa.Column('value', sa.Integer(), server_default='0', nullable=False),
                    sa.PrimaryKeyConstraint('name'))
    op.execute("INSERT INTO tx_change_stamp (name, value) VALUES ('permissions', 0)")
    if op.get_bind().dialect.name == 'sqlite':
        for table in WATCHED:
            for event in ('INSERT', 'UPDATE', 'DELETE'):
                op.execute(f"CREATE TRIGGER tx_stamp_{table}_{event.lower()} AFTER {event} "
                           f"ON {table} BEGIN {BUMP}; END")
        return
    op.execute("CREATE FUNCTION tx_stamp_permissions() RETURNS trigger LANGUAGE plpgsql "
               f"AS $$ BEGIN {BUMP}; RETURN NULL; END $$")
    for table in WATCHED:
        op.execute(f"CREATE TRIGGER tx_stamp_{table} AFTER INSERT OR UPDATE OR DELETE "
                   f"OR TRUNCATE ON {table} FOR EACH STATEMENT "
                   "EXECUTE FUNCTION tx_stamp_permissions()")


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table in WATCHED:
        if sqlite:
            for event in ('insert', 'update', 'delete'):
                op.execute(f"DROP TRIGGER IF EXISTS tx_stamp_{table}_{event}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS tx_stamp_{table} ON {table}")
    if not sqlite:
        op.execute("DROP FUNCTION IF EXISTS tx_stamp_permissions()")
    op.drop_table('tx_change_stamp')
