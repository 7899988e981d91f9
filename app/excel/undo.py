"""Undoing an import batch: the rows it created go, the rows it changed get their former
values back — within a week of the import, once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, Numeric, inspect

from app import audit
from app.extensions import db
from app.integrity import UserFacingError
from models.excel import ImportBatch
from models.mixins import utcnow

#: an import batch may be undone this long
UNDO_WINDOW = dt.timedelta(days=7)


def may_undo(batch: ImportBatch) -> bool:
    """Whether the batch may still be undone."""
    return batch.status == "committed" and utcnow() - batch.committed_at <= UNDO_WINDOW


def undo(spec: Any, batch: ImportBatch) -> None:
    """Remove the rows the batch created and give the rows it changed their former
    values back, in one transaction."""
    if not may_undo(batch):
        raise UserFacingError(_l("This import can no longer be undone (only within 7 days, "
                                 "and only once)."))
    model: Any = spec.model
    for pk in batch.created_ids:
        item = db.session.get(model, pk)
        if item is not None:
            db.session.delete(item)
    for pk, values in batch.previous.items():
        item = db.session.get(model, int(pk) if str(pk).isdigit() else pk)
        if item is None:
            continue
        for key, value in values.items():
            setattr(item, key, _restore(spec, key, value))
    batch.status, batch.undone_at = "undone", utcnow()
    audit.record("import_undo", resource=batch.resource, resource_label=batch.resource_label,
                 record_id=batch.id, summary=batch.file_name)
    db.session.commit()


def _restore(spec: Any, key: str, value: Any) -> Any:
    if key in spec.relations:
        target: Any = spec.relations[key].mapper.class_
        if isinstance(value, list):
            return [db.session.get(target, v) for v in value]
        return db.session.get(target, value) if value is not None else None
    column: Any = inspect(spec.model).columns[key]
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return dt.date.fromisoformat(value)
    if isinstance(kind, Numeric):
        return Decimal(value)
    return value
