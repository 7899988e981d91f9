"""A request that only read ends its transaction with COMMIT (on PostgreSQL, psycopg keeps
its prepared statements, so the signed-in user's query is not planned again on every
request); a request that wrote and did not commit is still rolled back: nothing half-done
is kept. Only that query is prepared: a search must keep its plan made for its word."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from conftest import login
from flask import Flask
from sqlalchemy import event, select, text, update
from sqlalchemy.exc import IntegrityError

from app.extensions import _commit_reads, db
from app.scoping import system
from models.org import Street


@contextmanager
def ends(app: Flask) -> Iterator[list[str]]:
    """How the transactions ended while the block ran: "commit" or "rollback"."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def committed(conn: object) -> None:
        seen.append("commit")

    def rolled_back(conn: object) -> None:
        seen.append("rollback")

    event.listen(engine, "commit", committed)
    event.listen(engine, "rollback", rolled_back)
    try:
        yield seen
    finally:
        event.remove(engine, "commit", committed)
        event.remove(engine, "rollback", rolled_back)


def test_a_request_that_only_read_commits(app: Flask) -> None:
    with app.test_request_context(), system():
        with ends(app) as seen:
            db.session.scalars(select(Street)).all()
            _commit_reads(None)
            db.session.remove()
    assert seen[:1] == ["commit"], seen


def test_a_request_that_wrote_without_committing_is_rolled_back(app: Flask) -> None:
    with app.app_context(), system():
        street = Street(name="只读提交街道")
        db.session.add(street)
        db.session.commit()
        street_id = street.id
        db.session.remove()
    with app.test_request_context(), system():
        with ends(app) as seen:
            db.session.execute(update(Street).where(Street.id == street_id)
                               .values(name="半途而废"))  # written, never committed
            _commit_reads(None)
            db.session.remove()
    assert "commit" not in seen and "rollback" in seen, seen
    with app.app_context():
        name = db.session.execute(text("SELECT name FROM street WHERE id = :id"),
                                  {"id": street_id}).scalar_one()
        db.session.remove()
    assert name == "只读提交街道"


def test_a_failed_request_is_rolled_back(app: Flask) -> None:
    with app.test_request_context(), system():
        with ends(app) as seen:
            db.session.scalars(select(Street)).all()
            _commit_reads(RuntimeError("the view failed"))
            db.session.remove()
    assert seen == ["rollback"], seen


def test_the_signed_in_user_is_planned_once_per_connection(app: Flask) -> None:
    client = app.test_client()
    login(client)
    ran: list[tuple[Any, bool]] = []  # (driver connection, asked to stay prepared)

    def note(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
             executemany: bool) -> None:
        if statement.lstrip().startswith("SELECT ab_user.id"):
            ran.append((cursor.connection, bool(context.execution_options.get("tx_prepared"))))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", note)
    try:
        with ends(app) as seen:
            for path in ("/worklog/list/", "/worklog/list/?_flt_2_summary=理发"):
                assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "after_cursor_execute", note)
    assert [asked for _conn, asked in ran] == [True, True]
    assert "rollback" not in seen, seen  # both pages only read
    if engine.dialect.name != "postgresql":
        return  # SQLite keeps its own statement cache; nothing is prepared by name
    driver = ran[-1][0]
    kept = [row[0] for row in driver.execute("SELECT statement FROM pg_prepared_statements")]
    driver.commit()  # a ROLLBACK here would make psycopg forget them
    # (psycopg prepares what runs through executemany, such as many INSERTs: harmless)
    reads = [statement for statement in kept if statement.lstrip().startswith("SELECT")]
    assert len(reads) == 1 and "FROM ab_user" in reads[0], [r[:70] for r in reads]


def test_a_failed_flush_that_was_caught_ends_quietly(app: Flask) -> None:
    with app.app_context(), system():
        taken = db.session.scalars(select(Street.id)).first()
        db.session.remove()
    assert taken is not None
    with app.test_request_context(), system():
        with ends(app) as seen:
            db.session.add(Street(id=taken, name="重复的编号"))
            try:
                db.session.flush()  # refused: the id is taken
            except IntegrityError:
                pass  # a view that caught it and answered anyway
            _commit_reads(None)  # the response is made: no error from here
            db.session.remove()
    assert "commit" not in seen, seen
