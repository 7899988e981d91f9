"""Import: a filled-in sheet becomes rows of a generated model — checked first, then
saved all at once or not at all, and undone within a week if need be.

:func:`load` reads a workbook (after ``app.excel.safety``'s checks): it finds the header
row (title rows above it are skipped), matches headers to the model's form fields (by
label or synonym), reads every cell (``app.excel.fields.read``) and names each problem
by row, column and reason. :func:`apply` writes the rows through the ORM session — the
user's scope, validation and personal-data rules apply as on the screens — matching
existing rows by 编号 or by the model's ``__natural_key__``. The caller rolls back after
a dry run; :func:`commit` keeps an :class:`ImportBatch` (``app.excel.undo`` reverses it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, inspect, select, update
from sqlalchemy.exc import IntegrityError

from app import audit
from app.excel import cells, safety
from app.excel.fields import ID_LABEL, Field, fields_of, read
from app.extensions import db
from app.integrity import UserFacingError
from app.workflow import check_editable
from models.excel import ImportBatch

#: rows written per savepoint (a failing chunk is retried row by row to name the row)
CHUNK = 200
#: rows whose first cell starts so are the template's hint and example rows (in any of
#: the portal's languages)
SKIPPED_PREFIXES = ("填写说明", "示例", "Instructions", "Example")
HEADER_SEARCH = 20


@dataclass
class Problem:
    """A bad cell or row: its row number in the sheet, the column and the reason."""

    row: int
    column: str | None
    message: str


@dataclass
class Row:
    number: int  # as Excel numbers it
    values: dict[str, Any]  # field key → value read from the cell
    raw: dict[str, Any]  # field key → the cell as typed (for the preview)


@dataclass
class Sheet:
    """A read sheet: its rows, the columns found and the problems so far."""

    fields: list[Field]
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    has_id: bool = False
    header_row: int = 1
    columns: dict[str, int] = field(default_factory=dict)  # field key → column (0-based)


@dataclass
class Outcome:
    """What an import did (or would do)."""

    created: list[Row] = field(default_factory=list)
    updated: list[Row] = field(default_factory=list)
    unchanged: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    created_ids: list[Any] = field(default_factory=list)
    previous: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- reading ---------------------------------------------------------------------------------

def _find_header(rows: list[tuple[Any, ...]], fields: list[Field]) -> tuple[int, dict[str, int]]:
    """The header row (0-based) and field key → column, the row matching most headers."""
    names = {key: fld for fld in fields for key in fld.keys()}
    id_keys = {cells.header_key(ID_LABEL), "id"}
    best: tuple[int, dict[str, int]] = (-1, {})
    for index, row in enumerate(rows[:HEADER_SEARCH]):
        found: dict[str, int] = {}
        for column, value in enumerate(row):
            key = cells.header_key(value) if value is not None else ""
            if key in id_keys:
                found.setdefault("id", column)
            elif key in names:
                found.setdefault(names[key].key, column)
        if len(found) > len(best[1]):
            best = (index, found)
    return best


def load(data: bytes, spec: Any) -> Sheet:
    """Read the workbook ``data`` for ``spec``'s model; raise BadWorkbook when unusable."""
    book = safety.open_workbook(data)
    rows = list(safety.iter_rows(book.worksheets[0]))
    sheet = Sheet(fields_of(spec))
    header, columns = _find_header(rows, sheet.fields)
    if len([k for k in columns if k != "id"]) == 0:
        raise safety.BadWorkbook(_l("No column of this sheet matches the template. Please "
                                    "download the template and keep its header row."))
    sheet.header_row, sheet.columns, sheet.has_id = header + 1, columns, "id" in columns
    by_key = {fld.key: fld for fld in sheet.fields}
    for missing in (f for f in sheet.fields if f.required and f.key not in columns):
        sheet.problems.append(Problem(header + 1, missing.label, str(_l(
            "The required column “%(column)s” is missing.", column=missing.label))))
    for offset, values in enumerate(rows[header + 1:], header + 2):
        first = next((v for v in values if v not in (None, "")), None)
        if first is None or str(first).startswith(SKIPPED_PREFIXES):
            continue  # an empty row, or the template's hint and example rows
        row = Row(offset, {}, {})
        for key, column in columns.items():
            cell = values[column] if column < len(values) else None
            row.raw[key] = cell
            try:
                value = cells.parse_int(cell) if key == "id" else read(by_key[key], cell)
            except cells.CellError as err:
                label = str(ID_LABEL) if key == "id" else by_key[key].label
                sheet.problems.append(Problem(offset, label, str(err.message)))
                continue
            row.values[key] = value
        for fld in sheet.fields:
            if fld.required and fld.key in columns and row.values.get(fld.key) in (None, [], ""):
                if not any(p.row == offset and p.column == fld.label for p in sheet.problems):
                    sheet.problems.append(Problem(offset, fld.label, str(_l(
                        "“%(column)s” must be filled in.", column=fld.label))))
        sheet.rows.append(row)
    return sheet


# --- writing ---------------------------------------------------------------------------------

class _Resolver:
    """Names in cells → rows the user may see (cached per import)."""

    def __init__(self) -> None:
        self.cache: dict[tuple[type, str | None, str], Any] = {}

    def one(self, fld: Field, name: str) -> Any:
        key = (fld.target, fld.dict_kind, name)  # type: ignore[arg-type]
        if key not in self.cache:
            model: Any = fld.target
            title = getattr(model, model.__title_column__)
            stmt = select(model).where(title == name)
            if fld.dict_kind:
                stmt = stmt.where(model.kind == fld.dict_kind)
            found = list(db.session.scalars(stmt.limit(2)))
            if len(found) != 1:
                message = _l("“%(name)s” is not a %(what)s you can see.") if not found else \
                    _l("There are several %(what)s called “%(name)s”; please choose it on "
                       "the record's page.")
                raise cells.CellError(message % {"name": name, "what": fld.label})
            self.cache[key] = found[0]
        return self.cache[key]


def _natural_key(spec: Any, sheet: Sheet) -> list[str]:
    keys = list(getattr(spec.model, "__natural_key__", ()) or ())
    return keys if keys and all(k in sheet.columns for k in keys) else []


def _by_id(spec: Any, row: Row) -> Any:
    """The row named by the sheet's 编号, in the user's scope (a query, not the map)."""
    model: Any = spec.model
    pk = getattr(model, inspect(model).primary_key[0].key)
    found = db.session.scalars(select(model).where(pk == row.values["id"])).first()
    if found is None:
        raise cells.CellError(_l("No record numbered %(id)s that you can see; leave "
                                 "编号 empty to add a new one.", id=row.values["id"]))
    return found


def _by_key(spec: Any, resolved: dict[str, Any], keys: list[str]) -> Any:
    """The row with the same natural key, if any."""
    if not keys:
        return None
    stmt = select(spec.model)
    for key in keys:
        value, column = resolved.get(key), getattr(spec.model, key)
        if key in spec.relations:
            stmt = stmt.where(column == value if value is not None else ~column.has())
        else:
            stmt = stmt.where(column.is_(None) if value is None else column == value)
    return db.session.scalars(stmt.limit(1)).first()


def _plain(value: Any) -> Any:
    """A value as JSON keeps it (for undo)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _snapshot(item: Any, spec: Any, keys: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in keys:
        value = getattr(item, key)
        if key in spec.relations:
            value = [inspect(v).identity[0] for v in value] if isinstance(value, list) \
                else (inspect(value).identity[0] if value is not None else None)
        out[key] = _plain(value)
    return out


def _resolve(fld: Field, value: Any, current: Any, resolver: _Resolver) -> Any:
    """Names → related rows; a name the row already points to needs no search (so an
    exported sheet re-imports even where two rows share a name)."""
    if fld.kind == "relation":
        return current if current is not None and str(current) == value else \
            resolver.one(fld, value)
    if current is not None and [str(c) for c in current] == value:
        return list(current)
    return [resolver.one(fld, name) for name in value]


def _apply_row(spec: Any, sheet: Sheet, row: Row, resolver: _Resolver, keys: list[str],
               outcome: Outcome) -> None:
    by_key = {fld.key: fld for fld in sheet.fields}
    item = _by_id(spec, row) if row.values.get("id") is not None else None
    writes: dict[str, Any] = {}
    for key, value in row.values.items():
        fld = by_key.get(key)
        if key == "id":
            continue
        if fld is not None and value is not None and fld.kind in ("relation", "relations"):
            try:
                value = _resolve(fld, value, getattr(item, key) if item is not None else None,
                                 resolver)
            except cells.CellError as err:
                err.column = fld.label  # type: ignore[attr-defined]
                raise
        elif fld is not None and fld.sensitive and "*" in str(value or ""):
            continue  # a masked number (from an export) keeps the stored one
        if value is None and fld is not None and fld.kind == "relations":
            value = []
        writes[key] = value
    if item is None:
        item = _by_key(spec, writes, keys)
    if item is None:
        item = spec.model()
        db.session.add(item)
    else:
        writes = {k: v for k, v in writes.items() if not _same(getattr(item, k), v)}
        if not writes:
            outcome.unchanged.append(row)
            return
        try:
            check_editable(item)
        except UserFacingError as err:  # say which cells would change the final record
            changed = "、".join(by_key[k].label for k in writes if k in by_key)
            raise cells.CellError(f"{err}（{changed}）") from None
        pk = str(inspect(item).identity[0])
        if pk not in outcome.previous and pk not in map(str, outcome.created_ids):
            outcome.previous[pk] = _snapshot(item, spec, list(writes))
    for key, value in writes.items():
        setattr(item, key, value)
    db.session.flush()
    if str(inspect(item).identity[0]) in outcome.previous:
        outcome.updated.append(row)
    else:
        outcome.created.append(row)
        outcome.created_ids.append(inspect(item).identity[0])


def _same(current: Any, new: Any) -> bool:
    """Whether a cell leaves the stored value as it is."""
    if current in ("", None) and new in ("", None):  # an empty cell, an empty field
        return True
    if isinstance(current, list) or isinstance(new, list):
        return {id(c) for c in current or []} == {id(n) for n in new or []}
    if isinstance(current, Decimal) or isinstance(new, Decimal):
        return current is not None and new is not None and Decimal(current) == Decimal(new)
    if isinstance(current, dt.datetime) and isinstance(new, dt.datetime):
        return abs((current - new).total_seconds()) < 60  # a sheet keeps minutes
    if isinstance(current, str) and isinstance(new, str):  # as a cell would read it
        return cells.free_text(current) == new
    return bool(current == new)


def _row_error(err: Exception) -> str:
    if isinstance(err, cells.CellError):
        return str(err.message)
    if isinstance(err, UserFacingError):
        return str(err)
    if isinstance(err, IntegrityError):
        return str(_l("This row clashes with an existing record (a value that must be "
                      "unique is already used)."))
    return str(_l("This row could not be saved."))


def _open_transaction() -> None:
    """Make sure a real transaction is open before the first savepoint. SQLite's driver
    begins one only before a write; a SAVEPOINT issued first would itself become the
    outer transaction, and releasing it would commit. A write that matches no row
    opens the transaction (elsewhere it changes nothing)."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(ImportBatch).where(false()).values(
            status=ImportBatch.status))


def apply(spec: Any, sheet: Sheet) -> Outcome:
    """Write the sheet's rows in the current transaction; every failing row is a
    problem (the caller commits only an outcome without problems)."""
    outcome = Outcome(problems=list(sheet.problems))
    bad_rows = {p.row for p in sheet.problems}
    keys = _natural_key(spec, sheet)
    seen: dict[tuple[Any, ...], int] = {}
    rows = []
    for row in sheet.rows:
        if row.number in bad_rows:
            continue
        ident = ("id", row.values["id"]) if row.values.get("id") is not None else \
            tuple(str(row.values.get(k)) for k in keys) if keys else None
        if ident is not None and ident in seen:
            outcome.problems.append(Problem(row.number, None, str(_l(
                "The same record as in row %(row)s.", row=seen[ident]))))
            continue
        if ident is not None:
            seen[ident] = row.number
        rows.append(row)
    resolver = _Resolver()
    _open_transaction()
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        mark = (len(outcome.created), len(outcome.updated), len(outcome.created_ids),
                dict(outcome.previous), len(outcome.unchanged))
        try:
            with db.session.begin_nested():
                for row in chunk:
                    _apply_row(spec, sheet, row, resolver, keys, outcome)
            continue
        except Exception:  # noqa: BLE001  (retried row by row below, to name the row)
            del outcome.created[mark[0]:], outcome.updated[mark[1]:]
            del outcome.created_ids[mark[2]:], outcome.unchanged[mark[4]:]
            outcome.previous = mark[3]
            resolver.cache.clear()
        for row in chunk:
            try:
                with db.session.begin_nested():
                    _apply_row(spec, sheet, row, resolver, keys, outcome)
            except Exception as err:  # noqa: BLE001  (every failure is the row's problem)
                resolver.cache.clear()
                outcome.problems.append(Problem(row.number, getattr(err, "column", None),
                                                _row_error(err)))
    outcome.problems.sort(key=lambda p: p.row)
    return outcome


def commit(spec: Any, sheet: Sheet, user: Any, file_name: str) -> tuple[Outcome, int | None]:
    """Write every row and commit, or nothing at all when any row fails; return the
    outcome and the batch id."""
    outcome = apply(spec, sheet)
    if not outcome.ok:
        db.session.rollback()
        return outcome, None
    batch = ImportBatch(user_id=getattr(user, "id", None),
                        username=str(getattr(user, "username", "")), resource=spec.resource,
                        resource_label=str(spec.model.__label__)[:60],
                        file_name=file_name[:200], created_count=len(outcome.created),
                        updated_count=len(outcome.updated), created_ids=outcome.created_ids,
                        previous=outcome.previous)
    db.session.add(batch)
    audit.record("import", resource=spec.resource, resource_label=batch.resource_label,
                 summary=_("%(file)s: %(created)s added, %(updated)s updated",
                           file=batch.file_name, created=batch.created_count,
                           updated=batch.updated_count), place=audit.place_of(user))
    db.session.commit()
    return outcome, batch.id
