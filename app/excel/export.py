"""Export: the rows a list shows — its filters and order, inside the user's scope — as an
xlsx file with the Chinese column labels.

The ids are read first (one query, in the list's order), then the rows are loaded and
written a chunk at a time into openpyxl's write-only workbook, which streams to a file:
memory stays bounded however many rows there are. Up to :data:`SYNC_LIMIT` rows the file
is the response; more rows run in a background thread (with the user's scope) while the
user watches the progress. Every export is an :class:`models.excel.ExportJob` row.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale, get_locale, get_timezone
from flask_babel import gettext as _
from sqlalchemy import Boolean, inspect, select
from sqlalchemy.orm import selectinload

from app import audit
from app.excel.cells import neutralise
from app.excel.fields import ID_LABEL
from app.extensions import db
from app.personal import mask, sensitive_columns
from app.scoping import Scope, acting_as
from models.excel import ExportJob
from models.mixins import utcnow

log = logging.getLogger(__name__)

#: up to this many rows the file is the response; more run as a background job
SYNC_LIMIT = 5_000
#: rows loaded (and written) per query
CHUNK = 1_000
#: files of finished exports are kept this long
KEEP = dt.timedelta(days=1)


@dataclass(frozen=True)
class Column:
    """One column of the sheet: its key, its Chinese label and how a row shows in it."""

    key: str
    label: str
    value: Callable[[Any], Any]


def _relation_value(key: str) -> Callable[[Any], Any]:
    def value(item: Any) -> Any:
        related = getattr(item, key)
        if related is None:
            return None
        if isinstance(related, list | set | tuple):
            return neutralise("、".join(str(r) for r in related)) or None
        return neutralise(str(related))
    return value


def _plain_value(key: str, choices: dict[Any, str] | None, kind: str | None,
                 yes_no: tuple[str, str] | None, zone: Any) -> Callable[[Any], Any]:
    """How column ``key`` shows a row: ``choices`` by label, ``yes_no`` for a flag, a
    time in ``zone`` — all found once per sheet (the reader's language and time zone),
    not once per cell."""
    def value(item: Any) -> Any:
        raw = getattr(item, key)
        if raw is None:
            return None
        if kind is not None:
            return mask(kind, raw)
        if choices is not None:
            return choices.get(raw, str(raw))
        if yes_no is not None:
            return yes_no[0] if raw else yes_no[1]
        if isinstance(raw, dt.datetime):  # stored in UTC, shown in the portal's time zone
            aware = raw if raw.tzinfo else raw.replace(tzinfo=dt.UTC)
            return zone.normalize(aware.astimezone(zone)).replace(tzinfo=None)
        if isinstance(raw, dt.date | int | float | Decimal):
            return raw
        return neutralise(str(raw))
    return value


def columns_of(spec: Any, keys: Sequence[str]) -> list[Column]:
    """The sheet's columns for ``keys`` of a generated model (``views.generator`` spec):
    relations by their title, choices by label, 是/否, personal data masked."""
    mapper: Any = inspect(spec.model)
    sensitive = sensitive_columns(spec.model)
    yes_no, zone = (_("Yes"), _("No")), get_timezone()
    out = []
    for key in keys:
        label = str(ID_LABEL if key == "id" else spec.labels.get(key, key))
        if key in spec.relations:
            out.append(Column(key, label, _relation_value(key)))
            continue
        column = mapper.columns.get(key)
        flag = column is not None and isinstance(column.type, Boolean)
        choices = spec.choices.get(key)
        shown = {k: str(v) for k, v in choices.items()} if choices is not None else None
        out.append(Column(key, label, _plain_value(key, shown, sensitive.get(key),
                                                   yes_no if flag else None, zone)))
    return out


def ordered_ids(datamodel: Any, filters: Any, order_column: str,
                order_direction: str) -> list[Any]:
    """The ids of the rows, filtered and ordered as the list shows them (scoped)."""
    model = datamodel.obj
    pk = getattr(model, inspect(model).primary_key[0].key)
    query = datamodel.apply_all(datamodel.session.query(model), filters, order_column,
                                order_direction)
    return [row[0] for row in query.with_entities(pk).all()]


def _chunks(model: Any, ids: Sequence[Any], relations: Sequence[str]) -> Iterator[Any]:
    """The rows of ``ids``, in that order, a chunk at a time (each chunk's rows leave
    the session once written, so memory does not grow)."""
    pk = getattr(model, inspect(model).primary_key[0].key)
    options = [selectinload(getattr(model, name)) for name in relations]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        rows = {getattr(r, pk.key): r for r in db.session.scalars(
            select(model).where(pk.in_(chunk)).options(*options))}
        yield from (rows[i] for i in chunk if i in rows)
        for row in rows.values():
            db.session.expunge(row)


def write(path: Path, title: str, columns: Sequence[Column], rows: Iterator[Any],
          progress: Callable[[int], None] | None = None) -> int:
    """Write the header and ``rows`` into a new xlsx at ``path``; return the row count."""
    # openpyxl is loaded on first use: workers that never touch a spreadsheet don't pay for it
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "Sheet1")
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, 1):
        width = max(10, min(40, len(column.label) * 2 + 4))
        sheet.column_dimensions[get_column_letter(index)].width = width
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.label)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    count = 0
    for count, item in enumerate(rows, 1):
        sheet.append([column.value(item) for column in columns])
        if progress is not None and count % CHUNK == 0:
            progress(count)
    book.save(path)
    return count


# --- jobs ------------------------------------------------------------------------------------

def export_dir() -> Path:
    folder = Path(current_app.instance_path) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def file_of(job: ExportJob) -> Path | None:
    """The job's file, while it is kept."""
    if not job.file_key:
        return None
    path = export_dir() / f"{job.file_key}.xlsx"
    return path if path.exists() else None


def _clean_old_files() -> None:
    limit = time.time() - KEEP.total_seconds()
    for path in export_dir().glob("*.xlsx"):
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


@dataclass
class Export:
    """One export about to run: what, for whom, and the rows (ids) it holds."""

    model: type
    title: str
    columns: list[Column]
    relations: list[str]
    ids: list[Any]
    job_id: int


def start(spec: Any, columns: list[Column], ids: list[Any], user: Any,
          filters: str) -> Export:
    """Log the export (an ``ExportJob``) and return what :func:`run` needs."""
    _clean_old_files()
    job = ExportJob(user_id=getattr(user, "id", None),
                    username=str(getattr(user, "username", "")), resource=spec.resource,
                    resource_label=str(spec.model.__label__)[:60], filters=filters or None,
                    total=len(ids), file_key=secrets.token_hex(16))
    db.session.add(job)
    audit.record("export", resource=spec.resource, resource_label=job.resource_label,
                 summary=_("%(rows)s rows; %(filters)s", rows=len(ids),
                           filters=filters or _("all records")), place=audit.place_of(user))
    db.session.commit()
    relations = [c.key for c in columns if c.key in spec.relations]
    return Export(spec.model, str(spec.model.__label__), columns, relations, ids, job.id)


def run(export: Export) -> ExportJob:
    """Write the file of ``export`` and mark its job done (or failed)."""
    job = db.session.get(ExportJob, export.job_id)
    assert job is not None and job.file_key
    path = export_dir() / f"{job.file_key}.xlsx"

    def progress(n: int) -> None:
        job.rows = n
        db.session.add(job)
        db.session.commit()

    try:
        rows = _chunks(export.model, export.ids, export.relations)
        job.rows = write(path, export.title, export.columns, rows, progress)
        job.status = "done"
    except Exception:
        log.exception("export %s failed", export.job_id)
        db.session.rollback()
        job = db.session.get(ExportJob, export.job_id)
        assert job is not None
        job.status, job.error = "failed", _("The export failed; please try again.")
        path.unlink(missing_ok=True)
    job.finished_at = utcnow()
    db.session.add(job)
    db.session.commit()
    return job


def run_in_background(app: Flask, export: Export, scope: Scope) -> threading.Thread:
    """Run ``export`` in a thread with the user's scope and language."""
    locale = str(get_locale() or "zh")

    def target() -> None:
        with app.app_context(), acting_as(scope), force_locale(locale):
            try:
                run(export)
            finally:
                db.session.remove()

    thread = threading.Thread(target=target, name=f"export-{export.job_id}", daemon=True)
    thread.start()
    return thread
