"""``tongxin backup`` / ``tongxin restore``: a restored database has every row of the backup
(same row counts and same checksums in every table), a row deleted after the backup comes
back, and the commands refuse a file that is not a backup.

The session's test database is only read here; restores go to new databases of this test
(SQLite files, or databases created on the PostgreSQL server and dropped afterwards).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import drop_database, login
from sqlalchemy import create_engine, inspect, make_url, select, table, text
from sqlalchemy.sql import column

from app import create_app
from app.backup import BackupError, backup, restore
from app.cli import main
from app.extensions import db

Snapshot = dict[str, tuple[int, str]]


def _plain(value: Any) -> Any:
    """A value the same way on every run: bytes as hex, the rest as JSON or its text."""
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def snapshot(url: str) -> Snapshot:
    """Every table → (row count, SHA-256 of its rows ordered by primary key)."""
    engine = create_engine(url)
    try:
        found: Snapshot = {}
        with engine.connect() as conn:
            inspector = inspect(conn)
            for name in inspector.get_table_names():
                columns = [c["name"] for c in inspector.get_columns(name)]
                keys = inspector.get_pk_constraint(name)["constrained_columns"] or columns
                query = select(*(column(c) for c in columns)).select_from(table(name)) \
                    .order_by(*(column(k) for k in keys))
                digest, count = hashlib.sha256(), 0
                for row in conn.execute(query):
                    digest.update(json.dumps([_plain(v) for v in row], default=str,
                                             ensure_ascii=False).encode() + b"\n")
                    count += 1
                found[name] = (count, digest.hexdigest())
        return found
    finally:
        engine.dispose()


@pytest.fixture
def new_database(database_url: str, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """``new_database()``: the URL of a new, empty database of this test."""
    made: list[str] = []
    server = make_url(database_url)

    def make() -> str:
        name = f"tongxin_bk_{uuid.uuid4().hex[:12]}"
        made.append(name)
        if server.get_backend_name() == "sqlite":
            return f"sqlite:///{tmp_path / (name + '.db')}"
        admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return server.set(database=name).render_as_string(hide_password=False)

    yield make
    if server.get_backend_name() != "sqlite" and made:
        admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
        for name in made:
            drop_database(admin, name)
        admin.dispose()


@pytest.fixture
def copy_of_tests(app: object, database_url: str, new_database: Callable[[], str],
                  tmp_path: Path) -> str:
    """A new database holding what the session's test database holds."""
    url = new_database()
    restore(url, backup(database_url, tmp_path / "session-backup"))
    return url


def test_round_trip_keeps_every_row(app: object, database_url: str,
                                    new_database: Callable[[], str], tmp_path: Path) -> None:
    before = snapshot(database_url)
    made = backup(database_url, tmp_path / "backups" / "tongxin.bak")
    assert made.is_file() and not list(made.parent.glob("*.part"))
    target = new_database()
    restore(target, made)
    after = snapshot(target)
    assert after == before
    # the comparison covered real data: the roles, permissions and the admin account
    assert after["ab_user"][0] >= 1 and after["ab_permission_view"][0] > 50
    assert after["alembic_version"][0] == 1


def test_restore_brings_back_a_row_deleted_after_the_backup(copy_of_tests: str,
                                                            tmp_path: Path) -> None:
    """A running portal on the database: a street is deleted after the backup; once the
    backup is restored, the same portal shows the street again."""
    portal = create_app({"mode": "test", "instance_dir": str(tmp_path / "instance"),
                         "database_url": copy_of_tests})
    client = portal.test_client()
    login(client)
    made = client.post("/api/v1/street/", json={"name": "备份前的街道", "district": "东城区"})
    assert made.status_code == 201
    street = made.json["id"]
    saved = backup(copy_of_tests, tmp_path / "before-delete")
    at_backup = snapshot(copy_of_tests)

    engine = create_engine(copy_of_tests)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM street WHERE id = :id"), {"id": street})
    engine.dispose()
    assert client.get(f"/api/v1/street/{street}").status_code == 404
    assert snapshot(copy_of_tests)["street"] != at_backup["street"]
    restore(copy_of_tests, saved)  # while the portal runs

    back = client.get(f"/api/v1/street/{street}")
    assert back.status_code == 200 and back.json["result"]["name"] == "备份前的街道"
    with portal.app_context():
        db.engine.dispose()
    assert snapshot(copy_of_tests) == at_backup


def test_restore_refuses_what_is_not_a_backup(copy_of_tests: str, tmp_path: Path) -> None:
    before = snapshot(copy_of_tests)
    junk = tmp_path / "notes.txt"
    junk.write_text("这不是备份", encoding="utf-8")
    foreign = tmp_path / "foreign.bak"  # a backup of the other kind of database
    if make_url(copy_of_tests).get_backend_name() == "sqlite":
        foreign.write_bytes(b"PGDMP" + bytes(200))
    else:
        with sqlite3.connect(foreign) as conn:
            conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
        conn.close()
    for source, reason in ((tmp_path / "missing.bak", "备份文件不存在"),
                           (junk, "不是同心的数据库备份"), (foreign, "不适用于")):
        with pytest.raises(BackupError, match=reason):
            restore(copy_of_tests, source)
    assert snapshot(copy_of_tests) == before


@pytest.fixture
def run(copy_of_tests: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """``run("backup")``: the console script on the copy of the test database."""
    monkeypatch.setenv("TONGXIN_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", copy_of_tests)
    monkeypatch.setenv("TONGXIN_MODE", "test")
    monkeypatch.delenv("SECRET_KEY", raising=False)

    def invoke(*args: str, **kwargs: str) -> Result:
        return CliRunner().invoke(main, list(args), **kwargs)

    return invoke


def test_backup_and_restore_commands(run: Callable[..., Result], copy_of_tests: str,
                                     tmp_path: Path) -> None:
    made = run("backup")
    assert made.exit_code == 0, made.output
    assert "备份完成" in made.output
    files = list((tmp_path / "instance" / "backups").glob("tongxin-*"))
    assert len(files) == 1 and files[0].suffix in (".db", ".dump"), files
    at_backup = snapshot(copy_of_tests)

    engine = create_engine(copy_of_tests)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM ab_user_role"))
    engine.dispose()
    assert snapshot(copy_of_tests) != at_backup

    unasked = run("restore", str(files[0]), input="n\n")
    assert unasked.exit_code != 0 and snapshot(copy_of_tests) != at_backup
    done = run("restore", str(files[0]), "--yes")
    assert done.exit_code == 0, done.output
    assert "恢复完成" in done.output
    assert snapshot(copy_of_tests) == at_backup

    again = run("backup", str(files[0]))
    assert again.exit_code != 0 and "文件已存在" in again.output
    missing = run("restore", str(tmp_path / "nothing.db"), "--yes")
    assert missing.exit_code != 0 and "备份文件不存在" in missing.output
    assert os.listdir(tmp_path / "instance" / "backups") == [files[0].name]
