"""substring search indexes: FTS5 trigram tables (SQLite) or pg_trgm GIN indexes
(PostgreSQL) for the columns marked fulltext

Revision ID: e1f0c3a20001
Revises: d8b2e5a10001
Create Date: 2026-12-04 18:10:00

On SQLite each column gets an external-content FTS5 table ``<table>_<column>_fts`` with
the trigram tokenizer, filled now and kept current by three triggers on the table. A
later migration that rebuilds one of these tables (``batch_alter_table`` copies it) must
run ``sqlite_search(table, column)`` again, or the triggers are gone. On PostgreSQL the
``pg_trgm`` extension (trusted: the database owner may create it) and a GIN index per
column; CJK text gets trigrams when the database's LC_CTYPE is a UTF-8 one. The models
do not declare these objects: ``env.py`` keeps autogenerate from dropping them.
"""
from alembic import op


revision = 'e1f0c3a20001'
down_revision = 'd8b2e5a10001'
branch_labels = None
depends_on = None

FULLTEXT = (('demand', 'title'), ('work_log', 'summary'), ('resident_request', 'subject'),
            ('micro_wish', 'title'), ('dispute', 'title'), ('project', 'name'))


def sqlite_search(table, column):
    """The FTS5 table of ``table.column``, filled, and its triggers."""
    fts = f'{table}_{column}_fts'
    op.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', "
               f"content_rowid='id', tokenize='trigram')")
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
    op.execute(f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
               f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END")
    op.execute(f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
               f"INSERT INTO {fts}({fts}, rowid, {column}) "
               f"VALUES ('delete', old.id, old.{column}); END")
    op.execute(f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {column} ON {table} BEGIN "
               f"INSERT INTO {fts}({fts}, rowid, {column}) "
               f"VALUES ('delete', old.id, old.{column}); "
               f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END")


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        for table, column in FULLTEXT:
            sqlite_search(table, column)
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column in FULLTEXT:
        op.execute(f"CREATE INDEX ix_{table}_{column}_trgm ON {table} "
                   f"USING gin ({column} gin_trgm_ops)")


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table, column in FULLTEXT:
        if sqlite:
            fts = f'{table}_{column}_fts'
            for suffix in ('ai', 'ad', 'au'):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
        else:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_{column}_trgm")
