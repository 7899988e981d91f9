"""The JSON of a deleted record (``app.recycle``): its row, its many-to-many link rows, the
ids of its attachments and timeline rows, and the same for every row deleted with it —
the children a database ``ON DELETE CASCADE`` or an ORM delete cascade takes along.
Values are written as JSON and typed back by column type (dates, times, Decimal, bool…).
Rows that refer to the record with ``ON DELETE SET NULL`` are not kept (only users'
uploads of attachments do, and users are never in the bin).
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import functools
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Column, ForeignKey, Table, and_, select
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.interfaces import ONETOMANY

from app.scoping import system
from models.attachments import Attachment
from models.meta import PortalModel
from models.workflow import StateChange

#: node key → the table of rows naming a record by (resource, record_id)
BY_NAME = {"files": Attachment.__table__, "timeline": StateChange.__table__}


# --- values -------------------------------------------------------------------------------

def _dump(value: Any) -> Any:
    """A JSON value for a column value (typed back by :func:`_load`)."""
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _load(column: Column[Any], value: Any) -> Any:
    """The column value of a JSON value, by the column's type."""
    if value is None:
        return None
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return value
    if kind is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if kind is dt.date:
        return dt.date.fromisoformat(value)
    if kind is dt.time:
        return dt.time.fromisoformat(value)
    if kind is bytes:
        return base64.b64decode(value)
    if kind in (decimal.Decimal, int, float, bool, str):
        return kind(value)
    return value


def typed_row(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """A snapshot row with its values typed back (column name → value). A column added
    since the delete is left out (its default applies), one removed since is ignored."""
    return {c.name: _load(c, row[c.name]) for c in table.columns if c.name in row}


# --- the tables ---------------------------------------------------------------------------

def table_of(name: str) -> Table:
    """The table called ``name``."""
    return PortalModel.metadata.tables[name]


def mapper_of(table: Table) -> Mapper[Any] | None:
    """The class mapped to ``table`` (None for a link table)."""
    return _mappers().get(table.name)


@functools.cache
def _mappers() -> dict[str, Mapper[Any]]:
    return {m.local_table.name: m for m in PortalModel.registry.mappers
            if isinstance(m.local_table, Table)}


@functools.cache
def _referrers() -> dict[str, list[tuple[Table, ForeignKey]]]:
    """Table name → the (table, foreign key) pairs that refer to it."""
    out: dict[str, list[tuple[Table, ForeignKey]]] = {}
    for other in PortalModel.metadata.tables.values():
        for fk in other.foreign_keys:
            out.setdefault(fk.column.table.name, []).append((other, fk))
    return out


def pk_of(table: Table) -> Column[Any]:
    """The primary key column of ``table`` (every table here has a single one)."""
    return next(iter(table.primary_key.columns))


def resource_of(table: Table) -> str | None:
    """The resource name of the record type stored in ``table``, if any."""
    mapper = mapper_of(table)
    return getattr(mapper.class_, "__resource__", None) if mapper is not None else None


def rows(session: Session, table: Table, where: Any) -> list[dict[str, Any]]:
    """The rows of ``table`` matching ``where``, whatever the scope (column name → value)."""
    with system():
        return [dict(r._mapping) for r in session.execute(select(table).where(where))]


def walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """``node`` and every row deleted with it, parents first."""
    level = [node]
    while level:
        yield from level
        level = [child for n in level for child in n["children"]]


def take(session: Session, table: Table, row: dict[str, Any],
         seen: set[Any] | None = None) -> dict[str, Any]:
    """The snapshot of one row: values, link rows, files and timeline ids, children."""
    seen = set() if seen is None else seen
    seen.add((table.name, row[pk_of(table).name]))
    node: dict[str, Any] = {"table": table.name,
                            "row": {k: _dump(v) for k, v in row.items()},
                            "links": {}, "children": [], "files": [], "timeline": []}
    children: list[tuple[Table, dict[str, Any]]] = []
    for other, fk in _referrers().get(table.name, ()):
        if row.get(fk.column.name) is None:
            continue
        link = mapper_of(other) is None  # a many-to-many link table
        if not link and (fk.ondelete or "").upper() != "CASCADE":
            continue  # rows that would stop the delete, not go with it
        found = rows(session, other, fk.parent == row[fk.column.name])
        if link:
            node["links"].setdefault(other.name, []).extend(
                {k: _dump(v) for k, v in r.items()} for r in found)
        else:
            children += [(other, r) for r in found]
    mapper = mapper_of(table)
    for rel in mapper.relationships if mapper is not None else ():
        if rel.cascade.delete and rel.secondary is None and rel.direction is ONETOMANY:
            target = rel.mapper.local_table
            where = and_(*(remote == row[local.name] for local, remote in rel.local_remote_pairs))
            children += [(target, r) for r in rows(session, target, where)]
    for child_table, child in children:
        if (child_table.name, child[pk_of(child_table).name]) not in seen:
            node["children"].append(take(session, child_table, child, seen))
    resource = resource_of(table)
    if resource:
        pk = row[pk_of(table).name]
        for key, target in BY_NAME.items():
            where = (target.c.resource == resource) & (target.c.record_id == pk)
            node[key] = [r["id"] for r in rows(session, target, where)]
    return node
