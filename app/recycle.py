"""回收站: a delete moves the record into the bin; staff in scope restore it, a 系统管理员
purges it.

:func:`discard` (called by every generated delete, ``views.base.PortalInterface``) writes
the row's values, its many-to-many links and the rows deleted with it (database
``ON DELETE CASCADE`` children and ORM delete cascades) as JSON, then really deletes the
row: lists, counts, exports and unique rules never see it again. Its attachments and
timeline rows are parked on the bin item meanwhile (a new row that reuses the number on
SQLite must not inherit them). :func:`restore` puts the rows back through the ORM session
with the same numbers and values (so the scope check and the audit log apply), or
changes nothing and says why. :func:`purge` removes the item, its files and timeline for
good. All three work inside the caller's transaction; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import current_app, g, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Column, Table, and_, delete, insert, inspect, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app import audit, snapshots
from app.clock import today
from app.integrity import UserFacingError, friendly_db_error, unique_sets
from app.scoping import system
from app.snapshots import mapper_of, pk_of, resource_of, rows, table_of, typed_row, walk
from models.attachments import Attachment
from models.meta import PortalModel
from models.mixins import current_actor_id, utcnow
from models.recycle import RecycleItem, recycle_snapshot

#: Record types deleted for real: restoring a redemption would spend the points and the
#: stock a second time (``app.points`` takes them for every new redemption).
NOT_RECYCLED = frozenset({"redemption"})
#: Attachments and timeline rows of a record in the bin point to its item meanwhile.
PARK = RecycleItem.__resource__
#: ``session.info`` key read by ``app.audit`` for every row of a flush.
AUDIT_KIND = "tx_audit_kind"
ITEMS, SNAPSHOTS = RecycleItem.__table__, recycle_snapshot
TIMELINE = snapshots.BY_NAME["timeline"]


class RestoreRefused(UserFacingError):
    """The record cannot be restored now; the message says why. Nothing was changed."""


def keep_days() -> int:
    """For how many days, today included, a deleted record can be restored
    (``TONGXIN_RECYCLE_DAYS``)."""
    return int(current_app.config.get("TONGXIN_RECYCLE_DAYS", 30))


def recyclable(model: type) -> bool:
    """Whether deleting a row of ``model`` moves it into the bin."""
    return (isinstance(model, type) and issubclass(model, PortalModel)
            and not model.__readonly__ and not model.__append_only__
            and model.__resource__ not in NOT_RECYCLED)


# --- into the bin -------------------------------------------------------------------------

def _actor() -> tuple[int | None, str | None]:
    if not has_request_context():
        return current_actor_id(), None
    user = current_app.appbuilder.sm.request_user()  # type: ignore[attr-defined]
    return getattr(user, "id", None), getattr(user, "username", None)


def _place(obj: Any) -> dict[str, int | None]:
    """Where the bin item lies: the row's place; for a unit or station, the community it
    serves inside the deleter's scope; for a row placed nowhere (a dictionary entry), the
    deleter's own place."""
    place = audit.place_of(obj)
    communities = getattr(obj, "communities", None) if "communities" in {
        r.key for r in inspect(type(obj)).relationships} else None
    if communities and not place.get("community_id"):
        scope = g.get("tx_scope") if has_request_context() else None
        ours = [c for c in communities if scope is None or c.id in scope.community_ids]
        chosen = (ours or list(communities))[0]
        place.update(community_id=chosen.id, street_id=chosen.street_id)
    if not any(place.values()) and has_request_context():
        user = current_app.appbuilder.sm.request_user()  # type: ignore[attr-defined]
        place = audit.place_of(user) if user is not None else place
    return place


def discard(session: Session, obj: Any) -> int | None:
    """Delete ``obj``, keeping it in the bin when its type is recyclable; return the bin
    item's id. Flushes: a refused delete (the row is still referred to) raises here, and
    the caller's rollback takes the item away with it."""
    model = type(obj)
    if not recyclable(model):
        session.delete(obj)
        session.flush()
        return None
    table = model.__table__
    pk = inspect(obj).identity[0]
    with system():
        place = _place(obj)
    node = snapshots.take(session, table, rows(session, table, pk_of(table) == pk)[0])
    user_id, username = _actor()
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh")):
        kind = str(model.__label__)
    item_id = session.execute(insert(ITEMS).values(
        resource=model.__resource__, resource_label=kind[:60], record_id=pk,
        label=str(obj)[:300], deleted_at=utcnow(), deleted_by_id=user_id,
        deleted_by_name=username, expires_on=today() + dt.timedelta(days=keep_days() - 1),
        **{k: place.get(k) for k in ("street_id", "community_id", "grid_id",
                                     "partner_unit_id")})).inserted_primary_key[0]
    session.execute(insert(SNAPSHOTS).values(item_id=item_id, data=json.dumps(
        node, ensure_ascii=False)))
    for key, target in snapshots.BY_NAME.items():
        ids = [i for n in walk(node) for i in n[key]]
        if ids:
            session.execute(update(target).where(target.c.id.in_(ids)).values(
                resource=PARK, record_id=item_id))
    session.delete(obj)
    session.flush()
    return int(item_id)


def snapshot(session: Session, item: RecycleItem) -> dict[str, Any] | None:
    """The deleted rows of ``item`` (see :func:`app.snapshots.take`), or None."""
    data = session.execute(select(SNAPSHOTS.c.data).where(
        SNAPSHOTS.c.item_id == item.id)).scalar()
    return json.loads(data) if data else None


# --- out of the bin -----------------------------------------------------------------------

def _label(table: Table, column: Column[Any]) -> str:
    """A column's label: its own, or that of the relationship it keys."""
    mapper = mapper_of(table)
    for rel in mapper.relationships if mapper is not None else ():
        if column in rel.local_columns and "label" in rel.info:
            return str(rel.info["label"])
    return str(column.info.get("label", column.name))


def _kind(table: Table) -> str:
    mapper = mapper_of(table)
    label = getattr(mapper.class_, "__label__", None) if mapper is not None else None
    return str(label or table.name)


def _exists(session: Session, table: Table, where: Any) -> bool:
    with system():
        return session.execute(select(pk_of(table)).where(where).limit(1)).first() is not None


def _in_bin(session: Session, table: Table, pk: Any) -> bool:
    resource = resource_of(table)
    return resource is not None and _exists(
        session, ITEMS, (ITEMS.c.resource == resource) & (ITEMS.c.record_id == pk))


def _check(session: Session, root: dict[str, Any]) -> None:
    """Refuse a restore that would collide with rows written since or refer to rows that
    are gone."""
    back = {(n["table"], n["row"][pk_of(table_of(n["table"])).name]) for n in walk(root)}
    for node in walk(root):
        table = table_of(node["table"])
        row, pk = typed_row(table, node["row"]), pk_of(table)
        if _exists(session, table, pk == row[pk.name]):
            raise RestoreRefused(_("%(kind)s number %(id)s has been given to another record "
                                   "since; this record cannot be restored.",
                                   kind=_kind(table), id=row[pk.name]))
        for fk in table.foreign_keys:
            value, target = row.get(fk.parent.name), fk.column.table
            if value is None or (target.name, value) in back:
                continue
            if _exists(session, target, fk.column == value):
                continue
            field = _label(table, fk.parent)
            if _in_bin(session, target, value):
                raise RestoreRefused(_("The %(field)s it refers to (number %(id)s) is in the "
                                       "recycle bin: restore it first.", field=field, id=value))
            raise RestoreRefused(_("The %(field)s it refers to (number %(id)s) no longer "
                                   "exists.", field=field, id=value))
        mapper = mapper_of(table)
        for names in unique_sets(mapper.class_) if mapper is not None else ():
            values = [row.get(n) for n in names]
            if any(v is None for v in values):
                continue
            same = and_(*(table.c[n] == v for n, v in zip(names, values, strict=True)))
            if _exists(session, table, same & (pk != row[pk.name])):
                raise RestoreRefused(_(
                    "A record with the same %(fields)s (%(values)s) exists now; change or "
                    "delete it first.", fields="、".join(_label(table, table.c[n])
                                                       for n in names),
                    values="、".join(map(str, values))))


def _link_ok(session: Session, link: Table, row: dict[str, Any], owner: Table) -> bool:
    """Whether the rows a link row joins, besides its owner, still exist."""
    return all(_exists(session, fk.column.table, fk.column == row[fk.parent.name])
               for fk in link.foreign_keys if fk.column.table is not owner)


def _build(session: Session, node: dict[str, Any], skipped: list[str]) -> Any:
    """The ORM object of a snapshot row, with the many-to-many links its own
    relationships carry (the others are written after the flush)."""
    table = table_of(node["table"])
    mapper = mapper_of(table)
    assert mapper is not None
    row = typed_row(table, node["row"])
    obj = mapper.class_()
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if isinstance(column, Column) and column.table is table and column.name in row:
            setattr(obj, prop.key, row[column.name])
    for rel in mapper.relationships:
        link = rel.secondary
        if link is None or link.name not in node["links"]:
            continue
        own = next(fk for fk in link.foreign_keys if fk.column.table is table)
        other = next(fk for fk in link.foreign_keys if fk is not own)
        related = []
        with system():
            for link_row in node["links"].pop(link.name):
                found = session.get(rel.mapper.class_, link_row[other.parent.name])
                if found is None:
                    skipped.append(link_row[other.parent.name])
                else:
                    related.append(found)
        setattr(obj, rel.key, related)
    return obj


def restore(session: Session, item: RecycleItem) -> tuple[Any, int]:
    """Put ``item``'s rows back as they were; return the restored record and the number
    of links left out because their other end no longer exists. Raises
    :class:`RestoreRefused` (nothing changed) when that cannot be done."""
    if expired(item):
        raise RestoreRefused(_("The time to restore this record ended on %(date)s.",
                               date=item.expires_on.isoformat()))
    root = snapshot(session, item)
    if root is None:
        raise RestoreRefused(_("Nothing of this record was kept; it cannot be restored."))
    _check(session, root)
    skipped: list[str] = []
    built: list[tuple[dict[str, Any], Any]] = []
    try:
        session.info[AUDIT_KIND] = "restore"
        try:
            level = [root]
            while level:  # parents first: children refer to them
                objs = [(node, _build(session, node, skipped)) for node in level]
                session.add_all([obj for _node, obj in objs])
                session.flush()
                built += objs
                level = [child for node in level for child in node["children"]]
        finally:
            session.info.pop(AUDIT_KIND, None)
        for node, obj in built:
            _finish(session, node, obj, skipped)
        session.execute(delete(SNAPSHOTS).where(SNAPSHOTS.c.item_id == item.id))
        session.execute(delete(ITEMS).where(ITEMS.c.id == item.id))
        session.flush()
    except SQLAlchemyError as err:
        raise friendly_db_error(err) from None
    return built[0][1], len(skipped)


def _finish(session: Session, node: dict[str, Any], obj: Any, skipped: list[str]) -> None:
    """The rest of one restored row: values the ORM wrote otherwise (defaults for empty
    columns, the version, fields recomputed on save), its other links, its files and
    timeline."""
    table = table_of(node["table"])
    row, pk = typed_row(table, node["row"]), pk_of(table)
    written = rows(session, table, pk == row[pk.name])[0]
    if any(written[k] != v for k, v in row.items()):
        session.execute(update(table).where(pk == row[pk.name]).values(
            {k: v for k, v in row.items() if k != pk.name}))
        session.expire(obj)
    for name, link_rows in node["links"].items():
        link = table_of(name)
        for link_row in link_rows:
            values = typed_row(link, link_row)
            if _link_ok(session, link, values, table):
                session.execute(insert(link).values(values))
            else:
                skipped.append(name)
    resource = resource_of(table)
    for key, target in snapshots.BY_NAME.items():
        if node[key]:
            session.execute(update(target).where(target.c.id.in_(node[key])).values(
                resource=resource, record_id=row[pk.name]))


# --- for good -----------------------------------------------------------------------------

def purge(session: Session, item: RecycleItem) -> None:
    """Remove ``item`` for good: its snapshot, its attachments (the files go once the
    transaction commits, ``views.attachments``) and its timeline; logged as "purge"."""
    logged = {"resource": item.resource, "resource_label": item.resource_label,
              "record_id": item.record_id, "summary": item.label,
              "place": {k: getattr(item, k) for k in ("street_id", "community_id", "grid_id",
                                                       "partner_unit_id")}}
    with system():
        files = session.scalars(select(Attachment).where(
            Attachment.resource == PARK, Attachment.record_id == item.id)).all()
    for attachment in files:
        session.delete(attachment)
    session.execute(delete(TIMELINE).where(TIMELINE.c.resource == PARK,
                                           TIMELINE.c.record_id == item.id))
    session.execute(delete(SNAPSHOTS).where(SNAPSHOTS.c.item_id == item.id))
    session.execute(delete(ITEMS).where(ITEMS.c.id == item.id))
    audit.record("purge", session=session, **logged)
    session.flush()


def expired(item: RecycleItem) -> bool:
    """Whether the restore period of ``item`` has ended (its last day is over)."""
    return item.expires_on < today()


def all_expired(session: Session) -> list[RecycleItem]:
    """Items whose restore period has ended (in the caller's scope)."""
    return list(session.scalars(select(RecycleItem).where(RecycleItem.expires_on < today())
                                .order_by(RecycleItem.id)))
