"""``tongxin backup`` and ``tongxin restore``: the whole database in one file and back.

SQLite: SQLite's online backup API, which copies a consistent state while the portal keeps
running, into a SQLite file; restore copies a file back into the live database the same
way. PostgreSQL: ``pg_dump --format=custom``; restore with ``pg_restore --clean`` in one
transaction. The password reaches the PostgreSQL tools through ``PGPASSWORD``, never the
command line. Messages are for the console, in Chinese and English like the other
commands.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.engine import URL

from app.extensions import SQLITE_BUSY_MS

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
#: a table every Tongxin database has (the migrations' bookmark)
MARKER_TABLE = "alembic_version"


class BackupError(Exception):
    """Why a backup or a restore cannot be done; nothing was changed."""


def default_path(instance_dir: Path, db_url: str, stamp: str) -> Path:
    """``<instance>/backups/tongxin-<stamp>.db`` (SQLite) or ``.dump`` (PostgreSQL)."""
    suffix = ".db" if _is_sqlite(make_url(db_url)) else ".dump"
    return Path(instance_dir) / "backups" / f"tongxin-{stamp}{suffix}"


def backup(db_url: str, target: Path) -> Path:
    """Write a copy of the database at ``db_url`` to ``target``; return ``target``.
    The file appears only once it is complete."""
    url = make_url(db_url)
    target = Path(target)
    if target.exists():
        raise BackupError(f"文件已存在，不会覆盖 / file exists, not overwritten: {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    try:
        if _is_sqlite(url):
            _sqlite_copy(_sqlite_file(url), partial)
        else:
            _run_pg("pg_dump", url, ["--format=custom", f"--file={partial}"])
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def restore(db_url: str, source: Path) -> None:
    """Replace the contents of the database at ``db_url`` with the backup ``source``."""
    url = make_url(db_url)
    source = Path(source)
    kind = _kind_of(source)
    if _is_sqlite(url):
        if kind != "sqlite":
            raise BackupError(_not_for(source, "SQLite"))
        _check_sqlite_backup(source)
        _sqlite_copy(source, Path(_sqlite_file(url)))
    else:
        if kind != "postgresql":
            raise BackupError(_not_for(source, "PostgreSQL"))
        listing = _run_pg("pg_restore", url, ["--list", str(source)], connect=False)
        if f" {MARKER_TABLE} " not in listing:
            raise BackupError(_not_a_backup(source))
        _run_pg("pg_restore", url, ["--clean", "--if-exists", "--no-owner", "--no-acl",
                                    "--single-transaction", str(source)])


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _sqlite_file(url: URL) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError("内存数据库无法备份 / an in-memory database cannot be backed up")
    return url.database


def _sqlite_copy(source: Path | str, target: Path | str) -> None:
    """Copy one SQLite database into another with the online backup API, in one step:
    the copy is one consistent state, and on a WAL database the portal keeps reading and
    writing meanwhile."""
    src = dst = None
    try:
        src = sqlite3.connect(source, timeout=SQLITE_BUSY_MS / 1000)
        dst = sqlite3.connect(target, timeout=SQLITE_BUSY_MS / 1000)
        src.backup(dst)
    except sqlite3.Error as err:
        raise BackupError(f"SQLite 复制失败 / SQLite copy failed: {err}") from None
    finally:
        for conn in (src, dst):
            if conn is not None:
                conn.close()


def _kind_of(source: Path) -> str:
    if not source.is_file():
        raise BackupError(f"备份文件不存在 / backup file not found: {source}")
    with source.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise BackupError(_not_a_backup(source))


def _check_sqlite_backup(source: Path) -> None:
    """The file is an intact SQLite database with Tongxin's tables."""
    conn = None
    try:
        conn = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        intact = conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        ours = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                            (MARKER_TABLE,)).fetchone() is not None
    except sqlite3.Error:
        intact = ours = False
    finally:
        if conn is not None:
            conn.close()
    if not (intact and ours):
        raise BackupError(_not_a_backup(source))


def _not_a_backup(source: Path) -> str:
    return f"不是同心的数据库备份 / not a Tongxin database backup: {source}"


def _not_for(source: Path, engine: str) -> str:
    return (f"此备份不适用于当前的 {engine} 数据库 / this backup is not for the current "
            f"{engine} database: {source}")


def pg_tool(name: str) -> str:
    """The newest ``name`` (pg_dump, pg_restore) of the installed PostgreSQL versions,
    else the one on PATH."""
    installed = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                       key=lambda p: [int(n) for n in re.findall(r"\d+", p.parts[-3])])
    found = str(installed[-1]) if installed else shutil.which(name)
    if not found:
        raise BackupError(f"找不到 {name}，请安装 PostgreSQL 客户端工具 / {name} not found: "
                          "install the PostgreSQL client tools")
    return found


def _run_pg(tool: str, url: URL, args: list[str], *, connect: bool = True) -> str:
    """Run ``tool`` on the database at ``url``; return its output."""
    env = dict(os.environ)
    command = [pg_tool(tool), *args]
    if connect:
        env.pop("PGPASSWORD", None)
        if url.password is not None:
            env["PGPASSWORD"] = str(url.password)
        conninfo = url.set(drivername="postgresql", password=None)
        command[1:1] = ["--no-password", f"--dbname={conninfo.render_as_string()}"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-5:]
        raise BackupError(f"{tool} 失败 / {tool} failed (exit {done.returncode}):\n"
                          + "\n".join(detail))
    return done.stdout
