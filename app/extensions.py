"""The Flask extensions, created once and bound to each app by ``create_app``.

SQLite runs in WAL mode: readers never wait for a writer nor a writer for readers, and a
writer waits up to :data:`SQLITE_BUSY_MS` for another writer instead of failing. Writes
stay safe under concurrency because the driver (pysqlite) opens a transaction only right
before the first INSERT, UPDATE or DELETE: a transaction never holds a stale read snapshot
that it later tries to turn into a write (SQLite would refuse that at once, without
waiting). Reads before the first write each see the latest commit, as on PostgreSQL's
default isolation; the portal's races are settled by conditional UPDATEs and version
counters. A SAVEPOINT issued outside a transaction would open a plain deferred one, so
:func:`_sqlite_savepoint` takes the write lock first.

PostgreSQL plans a statement anew each time it runs, unless the statement is prepared.
psycopg's own preparing is off (:data:`NEVER_PREPARE`): a prepared statement may get a
generic plan, which is ruinous for some (a substring search, ``ILIKE`` with a bound
pattern: 360 ms instead of 80). A statement whose plan cannot depend on its parameters
asks for it with the execution option :data:`PREPARED` (:func:`_prepare_when_asked`): the
signed-in user's query, about 16 joined tables looked up by key, whose planning took more
time than its run. psycopg forgets its prepared statements at every ROLLBACK, so a request
whose transaction only read ends it with COMMIT instead (:func:`commit_reads`): the same
for the data.
"""

from __future__ import annotations

import contextlib
import logging
import os
from typing import Any

from flask import Flask
from flask_appbuilder import Model
from flask_appbuilder.models.sqla.base import SQLA
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError

db = SQLA(model_class=Model)
log = logging.getLogger(__name__)

#: psycopg's ``prepare_threshold``: executions before it prepares a statement by itself
#: (``None`` would also refuse the statements that ask, see :data:`PREPARED`)
NEVER_PREPARE = 1 << 30

#: execution option: PostgreSQL keeps this statement prepared on the connection
PREPARED = "tx_prepared"

#: how long a SQLite writer waits for another writer's commit, in milliseconds
SQLITE_BUSY_MS = 15000


def _is_sqlite(dbapi_connection: Any) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


def _file_identity(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite: WAL, a busy timeout, foreign keys; remember which file was opened."""
    if not _is_sqlite(dbapi_connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe in WAL mode; no fsync per commit
    cursor.execute("PRAGMA foreign_keys=ON")
    path = next((row[2] for row in cursor.execute("PRAGMA database_list")
                 if row[1] == "main"), "")
    cursor.close()
    if path:
        connection_record.info["tx_sqlite_file"] = (path, _file_identity(path))


@event.listens_for(Engine, "checkout")
def _sqlite_file_still_there(dbapi_connection: Any, connection_record: Any,
                             connection_proxy: Any) -> None:
    """SQLite's "pre-ping": a pooled connection whose database file is gone or replaced
    (a disk unmounted, a folder moved) is dropped, so the request fails (503) instead
    of writing to a file nobody sees; once the file is back, new connections work."""
    opened = connection_record.info.get("tx_sqlite_file")
    if opened is not None and _file_identity(opened[0]) != opened[1]:
        raise DisconnectionError("the SQLite database file is gone or was replaced")


@event.listens_for(Engine, "savepoint")
def _sqlite_savepoint(conn: Connection, name: str) -> None:
    """SQLite: a SAVEPOINT as the first statement would open a deferred transaction
    (reads first, then a write that cannot wait); open a writing one instead."""
    if conn.dialect.name != "sqlite":
        return
    dbapi_connection = conn.connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@event.listens_for(Engine, "do_execute")
def _prepare_when_asked(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
    """Run a statement that asks for it (:data:`PREPARED`) as a prepared statement on
    PostgreSQL; ``False`` lets SQLAlchemy run every other statement as usual."""
    if not context.execution_options.get(PREPARED) or context.dialect.name != "postgresql":
        return False
    cursor.execute(statement, parameters, prepare=True)
    return True


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(conn: Connection, cursor: Any, statement: str, parameters: Any,
                 context: Any, executemany: bool) -> None:
    """Mark the connection's transaction as writing at its first statement that is not
    a plain SELECT (savepoints and SQLite's BEGIN IMMEDIATE included)."""
    if statement.lstrip()[:6].upper() != "SELECT":
        conn.info["tx_wrote"] = True


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _transaction_over(conn: Connection) -> None:
    conn.info.pop("tx_wrote", None)


def _commit_reads(error: BaseException | None) -> None:
    """At the end of a request: COMMIT the ORM session's transaction when it ran only
    SELECTs and holds no unsaved change; anything else is rolled back as before. The
    response is made by then: a failed COMMIT of reads is rolled back and logged, never
    turned into an error page."""
    if error is not None or not db.session.registry.has():
        return
    session = db.session()
    if not session.in_transaction() or not session.is_active \
            or session.new or session.dirty or session.deleted:
        return  # (not active: a failed flush, which only a ROLLBACK ends)
    try:
        if not session.connection().info.get("tx_wrote"):  # the portal's one database
            session.commit()
    except SQLAlchemyError:
        log.warning("the COMMIT of a read-only request failed", exc_info=True)
        with contextlib.suppress(SQLAlchemyError):
            session.rollback()


def commit_reads(app: Flask) -> None:
    """End ``app``'s read-only requests with COMMIT (see the module's docstring)."""
    app.teardown_request(_commit_reads)
