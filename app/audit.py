"""操作日志, written in one place: every flush, and :func:`record` for other events.

After each flush, one row per created, changed or deleted record (and per fired state
change) goes into ``audit_entry`` through the same connection, so the entry commits or
rolls back with the change it describes: a dry-run import leaves no trace, a refused
save leaves none either. Logins, logouts, exports, imports and reveals call
:func:`record`. Personal data in before/after values is masked as on the screens;
passwords are never written.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any

from flask import current_app, g, has_request_context, request
from markupsafe import Markup
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.base import NO_VALUE

from app import personal
from models.audit import AuditEntry
from models.mixins import current_actor_id, utcnow

#: Columns every row has that say nothing about the change itself.
_STAMPS = frozenset({"created_on", "changed_on", "created_by_id", "changed_by_id", "version",
                     "created_by_fk", "changed_by_fk", "last_login", "login_count",
                     "fail_login_count"})
#: User columns whose change alters what the user may do or see.
_POWER = frozenset({"roles", "grids", "street_id", "community_id", "partner_unit_id",
                    "station_id", "active", "permissions"})
_SECRET = frozenset({"password"})
_TEXT_MAX = 300


# --- who and where ------------------------------------------------------------------------

def _actor() -> tuple[int | None, str | None]:
    if not has_request_context():
        return current_actor_id(), None
    if "tx_audit_actor" not in g:
        user = current_app.appbuilder.sm.request_user()  # type: ignore[attr-defined]
        g.tx_audit_actor = (getattr(user, "id", None), getattr(user, "username", None))
    return g.tx_audit_actor


def _ip() -> str | None:
    return request.remote_addr if has_request_context() else None


def place_of(obj: Any) -> dict[str, int | None]:
    """The organisation keys of ``obj``: its scope columns, or itself for an org row,
    or the binding of a user."""
    from models.org import Community, Grid, PartnerUnit, Street

    if obj is None:
        return {}
    obj = getattr(obj, "_get_current_object", lambda: obj)()  # current_user is a proxy
    keys: dict[str, int | None] = {}
    for key in ("street_id", "community_id", "grid_id", "partner_unit_id"):
        keys[key] = getattr(obj, key, None) if key in _columns(type(obj)) else None
    if isinstance(obj, Street):
        keys["street_id"] = obj.id
    elif isinstance(obj, Community):
        keys.update(community_id=obj.id)
    elif isinstance(obj, Grid):
        keys.update(grid_id=obj.id)
    elif isinstance(obj, PartnerUnit):
        keys.update(partner_unit_id=obj.id)
    grids = getattr(obj, "grids", None) if "grids" in _relations(type(obj)) else None
    if grids:
        keys.update(grid_id=grids[0].id, community_id=grids[0].community_id,
                    street_id=grids[0].street_id)
    if keys["community_id"] and not keys["street_id"]:
        session = inspect(obj).session
        community = session.get(Community, keys["community_id"]) if session else None
        keys["street_id"] = getattr(community, "street_id", None)
    return keys


def _columns(model: type) -> set[str]:
    return {attr.key for attr in inspect(model).column_attrs}


def _relations(model: type) -> set[str]:
    return {rel.key for rel in inspect(model).relationships}


# --- values -------------------------------------------------------------------------------

def plain(value: Any) -> Any:
    """A JSON-safe rendering of a column value."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    text = str(value)
    return text if len(text) <= _TEXT_MAX else text[:_TEXT_MAX] + "…"


def _shown(model: type, key: str, value: Any) -> Any:
    if key in _SECRET:
        return None if value is None else "******"
    kind = personal.sensitive_columns(model).get(key)
    if kind and value:
        return personal.mask(kind, value)
    return plain(value)


def _changes(obj: Any, kind: str) -> dict[str, list[Any]]:
    """{column: [before, after]} of the columns that changed (all filled ones for a
    create or delete), and of many-to-many collections."""
    model, state = type(obj), inspect(obj)
    out: dict[str, list[Any]] = {}
    for attr in inspect(model).column_attrs:
        key = attr.key
        if key in _STAMPS:
            continue
        if kind == "update":
            hist = state.attrs[key].history
            if not hist.has_changes():
                continue
            before = hist.deleted[0] if hist.deleted else None
            after = hist.added[0] if hist.added else None
            if before == after:
                continue
        else:
            value = state.attrs[key].loaded_value
            if value is None or value is NO_VALUE:
                continue
            before, after = (None, value) if kind == "create" else (value, None)
        out[key] = [_shown(model, key, before), _shown(model, key, after)]
    for rel in inspect(model).relationships:
        if rel.secondary is None or kind != "update":
            continue
        hist = state.attrs[rel.key].history
        if hist.has_changes():
            before = [*hist.unchanged, *hist.deleted]
            after = [*hist.unchanged, *hist.added]
            out[rel.key] = ["、".join(map(str, before)), "、".join(map(str, after))]
    return out


def _resource(model: type) -> tuple[str, str]:
    resource = getattr(model, "__resource__", None) or model.__tablename__
    label = getattr(model, "__label__", None) or model.__name__
    return str(resource), str(label)


def _row(kind: str, obj: Any = None, *, summary: str | None = None,
         changes: dict[str, Any] | None = None, result: str = "ok",
         user_id: int | None = None, username: str | None = None,
         place: dict[str, int | None] | None = None, resource: str | None = None,
         resource_label: str | None = None, record_id: int | None = None) -> dict[str, Any]:
    actor_id, actor_name = _actor()
    row: dict[str, Any] = {
        "at": utcnow(), "user_id": user_id if user_id is not None else actor_id,
        "username": username if username is not None else actor_name, "ip": _ip(),
        "kind": kind, "result": result,
        "summary": (summary or "")[:_TEXT_MAX] or None,
        "changes": json.dumps(changes, ensure_ascii=False) if changes else None,
        "resource": resource, "resource_label": resource_label, "record_id": record_id,
        "street_id": None, "community_id": None, "grid_id": None, "partner_unit_id": None,
    }
    if obj is not None:
        row["resource"], row["resource_label"] = _resource(type(obj))
        pk = inspect(type(obj)).primary_key_from_instance(obj)  # set once flushed
        row["record_id"] = pk[0] if pk and isinstance(pk[0], int) else record_id
        if summary is None:
            row["summary"] = str(obj)[:_TEXT_MAX]
        place = place if place is not None else place_of(obj)
    row.update(place or {})
    return row


def record(kind: str, obj: Any = None, *, session: Session | None = None,
           commit: bool = False, **fields: Any) -> None:
    """Write one entry about ``obj`` (or about nothing: a login) in ``session``'s
    transaction (the app's session by default); ``commit`` commits it at once."""
    from app.extensions import db

    session = session or db.session
    session.execute(insert(AuditEntry.__table__), [_row(kind, obj, **fields)])
    if commit:
        session.commit()


# --- the flush hook -----------------------------------------------------------------------

def _audited(obj: Any) -> bool:
    model = type(obj)
    if getattr(model, "__audited__", None) is not None:
        return bool(model.__audited__)
    return model.__tablename__ in ("ab_user", "ab_role")


def _user_kind(obj: Any, changes: dict[str, Any]) -> str:
    if set(changes) & _POWER:
        return "permission"
    if set(changes) & _SECRET:
        return "password"
    return "update"


def _state_changes(session: Session) -> list[dict[str, Any]]:
    """One "transition" entry per state change written in this flush."""
    from models.meta import registry
    from models.workflow import StateChange

    changes = [obj for obj in session.new if isinstance(obj, StateChange)]
    if not changes:  # most flushes: no registry walk
        return []
    models = {m.__resource__: m for m in registry()}
    rows = []
    for change in changes:
        model = models.get(change.resource)
        item = session.identity_map.get(
            inspect(model).identity_key_from_primary_key((change.record_id,))) \
            if model is not None else None
        summary = f"{change.transition_label}：{change.from_label or ''} → {change.to_label}"
        rows.append(_row("transition", item, summary=summary,
                         resource=change.resource, record_id=change.record_id,
                         resource_label=str(model.__label__) if model else change.resource))
        if item is not None:
            rows[-1]["summary"] = f"{item}：{summary}"[:_TEXT_MAX]
    return rows


def _after_flush(session: Session, flush_context: Any) -> None:
    rows = _state_changes(session)
    for kind, objects in (("create", session.new), ("update", session.dirty),
                          ("delete", session.deleted)):
        for obj in objects:
            if not _audited(obj):
                continue
            if kind == "update" and not session.is_modified(obj):
                continue
            changes = _changes(obj, kind)
            if kind == "update" and not changes:
                continue
            if kind == "update" and type(obj).__tablename__ in ("ab_user", "ab_role"):
                kind_here = _user_kind(obj, changes)
            else:
                kind_here = kind
            override = session.info.get("tx_audit_kind")
            rows.append(_row(override or kind_here, obj, changes=changes))
    if rows:
        session.connection().execute(insert(AuditEntry.__table__), rows)


def install() -> None:
    """Write the audit entries of every flush, on every ORM session (once)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


# --- display ------------------------------------------------------------------------------

def format_changes(value: str | None) -> Markup:
    """The changed fields of an entry, one per line: 标签：旧 → 新."""
    if not value:
        return Markup("")
    try:
        changes = json.loads(value)
    except ValueError:
        return Markup("{}").format(value)
    labels = _labels()
    lines = [Markup("{}：{} → {}").format(labels.get(key, key), _cell(before), _cell(after))
             for key, (before, after) in changes.items()]
    return Markup("<br>").join(lines)


def _cell(value: Any) -> str:
    from flask_babel import gettext as _

    if value is None or value == "":
        return "—"
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    return str(value)


def _labels() -> dict[str, str]:
    """Column key → label, over every record type (first label wins)."""
    from app.security_views import USER_LABELS
    from models.meta import registry

    labels: dict[str, str] = {key: str(label) for key, label in USER_LABELS.items()}
    for model in registry():
        mapper = inspect(model)
        for column in mapper.columns:
            if "label" in column.info:
                labels.setdefault(mapper.get_property_by_column(column).key,
                                  str(column.info["label"]))
    return labels
