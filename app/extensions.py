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
"""

from __future__ import annotations

import os
from typing import Any

from flask_appbuilder import Model
from flask_appbuilder.models.sqla.base import SQLA
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError

db = SQLA(model_class=Model)

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
