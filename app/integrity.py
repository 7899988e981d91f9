"""Friendly answers to database constraint failures, and uniqueness checked before saving.

One home for "this would break a unique rule": the forms and the API both ask
:func:`unique_conflicts` before writing, and :func:`friendly_db_error` turns whatever the
database still refuses into a Chinese sentence (never the database's own text).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Table, UniqueConstraint, and_, event, inspect, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.exc import StaleDataError


class UserFacingError(Exception):
    """An error whose message is written for the user (already translated)."""


class EditConflict(UserFacingError):
    """The record changed since the user opened it (its version moved on)."""

    def __init__(self) -> None:
        super().__init__(_("This record has been changed by someone else; please refresh "
                           "the page before changing it."))


def check_version(item: Any, submitted: Any) -> None:
    """Refuse a save based on another version of ``item`` than the stored one (a form
    that sends no version at all — a script's — is not checked, like an API call without
    ``If-Match``)."""
    if not hasattr(item, "version") or submitted is None or str(submitted).strip() == "":
        return
    if str(submitted).strip() != str(item.version):
        raise EditConflict()


def unique_sets(model: type) -> list[tuple[str, ...]]:
    """The column sets that must be unique on ``model`` (single and composite)."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    sets: list[tuple[str, ...]] = [(c.name,) for c in table.columns if c.unique]
    for cons in table.constraints:
        if isinstance(cons, UniqueConstraint):
            sets.append(tuple(c.name for c in cons.columns))
    return sets


def unique_conflicts(session: Session, item: Any) -> dict[str, str]:
    """Column → message for every unique rule that ``item`` would break."""
    model = type(item)
    mapper = inspect(model)
    pk_cols = [c for c in mapper.primary_key]
    errors: dict[str, str] = {}
    for names in unique_sets(model):
        values = {n: _column_value(item, n) for n in names}
        if any(v is None for v in values.values()):
            continue
        cond = and_(*(model.__table__.c[n] == v for n, v in values.items()))
        stmt = select(*pk_cols).where(cond)
        own_pk = [getattr(item, c.key) for c in pk_cols]
        with session.no_autoflush:
            rows = session.execute(stmt).all()
        if any(list(r) != own_pk for r in rows):
            target = _field_for(model, names[-1])
            labels = "、".join(str(_label(model, n)) for n in names)
            errors[target] = _("A record with the same %(fields)s already exists.", fields=labels)
    return errors


def _column_value(item: Any, column: str) -> Any:
    """The value ``column`` will have once ``item`` is flushed (a foreign key may still
    be known only through its relationship)."""
    model = type(item)
    value = getattr(item, inspect(model).get_property_by_column(model.__table__.c[column]).key)
    if value is None:
        rel_name = _field_for(model, column)
        if rel_name != column:
            related = getattr(item, rel_name)
            if related is not None:
                value = inspect(related).identity[0] if inspect(related).identity else None
    return value


def _label(model: type, column: str) -> Any:
    label = model.__table__.c[column].info.get("label")  # type: ignore[attr-defined]
    if label is None:  # a foreign key: use its relationship's label
        rel = _field_for(model, column)
        label = getattr(model, rel).property.info.get("label", column)
    return label


def _field_for(model: type, column: str) -> str:
    """The form field that edits ``column``: the relationship for a foreign key."""
    for rel in inspect(model).relationships:
        if any(c.name == column for c in rel.local_columns):
            return rel.key
    return column


def friendly_db_error(error: SQLAlchemyError) -> UserFacingError:
    """A Chinese message for a database failure; the original stays in the log only."""
    if isinstance(error, StaleDataError):  # the UPDATE … WHERE version = … found no row
        return EditConflict()
    if isinstance(error, IntegrityError):
        text = str(error.orig).lower()
        if "foreign key" in text or "violates foreign key" in text:
            return UserFacingError(
                _("This record is still referred to by other records and cannot be "
                  "changed this way.")
            )
        if "unique" in text or "duplicate" in text:
            return UserFacingError(_("A record with the same values already exists."))
        if "not null" in text or "null value" in text:
            return UserFacingError(_("A required field is empty."))
    return UserFacingError(_("The record could not be saved. Please try again."))


def _append_only(model: Any) -> bool:
    return bool(getattr(model, "__append_only__", False))


def _guard_rows(session: Session, flush_context: Any, instances: Any) -> None:
    """Rows of an append-only model (a ledger) are never changed or deleted."""
    for obj in list(session.dirty) + list(session.deleted):
        if _append_only(type(obj)) and (obj in session.deleted or session.is_modified(obj)):
            raise UserFacingError(_("Ledger entries cannot be changed or deleted; "
                                    "record a correction as a new entry."))


def _guard_statements(state: ORMExecuteState) -> None:
    """…nor through a bulk UPDATE or DELETE."""
    if (state.is_update or state.is_delete) and any(
            _append_only(m.class_) for m in state.all_mappers):
        raise UserFacingError(_("Ledger entries cannot be changed or deleted; "
                                "record a correction as a new entry."))


def install() -> None:
    """Protect append-only models on every session (once)."""
    for name, fn in (("before_flush", _guard_rows), ("do_orm_execute", _guard_statements)):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
