"""What the database alone needs, measured inside the benchmark process.

* :func:`page_statements`: the SQL statements one page of our portal runs (all of them),
  and among them the list's own data queries (count, rows, related rows).
* :func:`raw_ms`: those data queries run again straight on the DB-API cursor, the floor.
* :func:`export_pair`: the unit's rows exported by the portal's engine, and by a bare
  write-only openpyxl loop over the same rows (the export floor).
"""

from __future__ import annotations

import contextvars
import gc
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, select

_capturing: contextvars.ContextVar[bool] = contextvars.ContextVar("bench_capture",
                                                                  default=False)


def _data_calls() -> None:
    """Mark the statements run inside the interface's query and get (once)."""
    from views.interface import PortalInterface

    if getattr(PortalInterface, "_bench_marked", False):
        return

    def wrap(name: str) -> None:
        original = getattr(PortalInterface, name)

        def marked(self: Any, *args: Any, **kwargs: Any) -> Any:
            token = _capturing.set(True)
            try:
                return original(self, *args, **kwargs)
            finally:
                _capturing.reset(token)
        setattr(PortalInterface, name, marked)

    for name in ("query", "get"):
        wrap(name)
    PortalInterface._bench_marked = True  # type: ignore[attr-defined]


def page_statements(flask_app: Any, client: Any, path: str
                    ) -> tuple[int, int, list[tuple[str, Any]]]:
    """(status, statements of the request, the list's data statements with parameters)."""
    from app.extensions import db

    _data_calls()
    with flask_app.app_context():
        engine = db.engine
    every: list[int] = [0]
    data: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
             many: bool) -> None:
        every[0] += 1
        if _capturing.get():
            data.append((statement, parameters))

    client.get(path)  # warm-up: caches filled as in a running server
    event.listen(engine, "before_cursor_execute", seen)
    try:
        status = client.get(path).status_code
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return status, every[0], data


def raw_ms(flask_app: Any, statements: list[tuple[str, Any]], repeat: int) -> float:
    """p50 of running ``statements`` (all rows fetched) on a raw DB-API connection, each
    run in a transaction of its own, as a request runs them (so psycopg never keeps them
    prepared, and PostgreSQL plans them for their values every time, as for the page)."""
    from app.extensions import db

    with flask_app.app_context():
        raw = db.engine.raw_connection()
    try:
        timings = []
        for _ in range(repeat + 1):
            cursor = raw.cursor()
            started = time.perf_counter()
            for statement, parameters in statements:
                cursor.execute(statement, parameters)
                cursor.fetchall()
            timings.append((time.perf_counter() - started) * 1000)
            cursor.close()
            raw.rollback()
    finally:
        raw.close()
    return statistics.median(timings[1:])


def export_pair(flask_app: Any, unit: int) -> dict[str, float]:
    """Seconds for the unit's work logs as xlsx, the median of three runs: the portal's
    engine (Chinese labels, relations by name, choices by label, neutralised cells) and
    the bare floor."""
    gc.collect()
    gc.freeze()  # as a serving worker does after start-up (app.gunicorn_conf): the bench's
    # own objects (the app, the seeding) would otherwise make a full collection cost 0.15 s
    try:
        runs = [_export_pair(flask_app, unit) for _ in range(3)]
    finally:
        gc.unfreeze()
    return {"rows": runs[0]["rows"],
            "ours_s": statistics.median(run["ours_s"] for run in runs),
            "floor_s": statistics.median(run["floor_s"] for run in runs)}


def _export_pair(flask_app: Any, unit: int) -> dict[str, float]:
    from openpyxl import Workbook

    from app.excel import export as engine
    from app.extensions import db
    from app.scoping import system
    from models.cobuild import WorkLog
    from views.generator import describe

    table = WorkLog.__table__
    where = table.c.partner_unit_id == unit
    order = (table.c.work_date.desc(), table.c.id.desc())
    with tempfile.TemporaryDirectory() as folder, flask_app.app_context(), \
            flask_app.test_request_context(), system():
        started = time.perf_counter()
        ids = list(db.session.scalars(select(table.c.id).where(where).order_by(*order)))
        spec = describe(WorkLog)
        columns = engine.columns_of(spec, ["id", *spec.show_columns])
        relations = [c.key for c in columns if c.key in spec.relations]
        rows = engine.write(Path(folder) / "ours.xlsx", "服务记录", columns,
                            engine._chunks(WorkLog, ids, relations))
        ours = time.perf_counter() - started

        started = time.perf_counter()
        book = Workbook(write_only=True)
        sheet = book.create_sheet("服务记录")
        sheet.append([c.name for c in table.columns])
        result = db.session.connection().execution_options(yield_per=1000).execute(
            select(table).where(where).order_by(*order))
        for row in result:
            sheet.append(list(row))
        book.save(Path(folder) / "floor.xlsx")
        floor = time.perf_counter() - started
        db.session.remove()
    return {"rows": rows, "ours_s": ours, "floor_s": floor}
