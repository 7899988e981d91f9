"""回收站 screens: the generated read-only list and detail of ``RecycleItem``, with the
deleted record's fields on the detail page and the buttons 恢复 and 彻底删除.

``POST /recycle/restore/<id>``: the item must be in the user's scope (else 404) and the
user must hold the delete permission of the record's type (else 403).
``POST /recycle/purge/<id>`` and ``POST /recycle/purge-expired``: 系统管理员 only.
The rules themselves live in ``app.recycle``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import AppBuilder, BaseView, ModelView, expose
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from app import recycle, snapshots
from app.clock import today
from app.extensions import db
from app.integrity import UserFacingError
from models.recycle import RecycleItem
from views.generator import _format_due as format_due

RESOURCE = RecycleItem.__resource__


def format_expiry(value: dt.date | None) -> Any:
    """The last day a record can be restored, with the days left (flagged when over)."""
    if value is None:
        return ""
    left = (value - today()).days + 1
    if left <= 0:
        return format_due(value)
    return Markup('{} <span class="label label-info tx-days-left">{}</span>').format(
        format_date(value, "yyyy-MM-dd"), _("Days left: %(days)d", days=left))


def _sm() -> Any:
    return current_app.appbuilder.sm  # type: ignore[attr-defined]


def _generated(model: type) -> ModelView | None:
    """The generated screen of ``model``: its fields, labels and formatters."""
    return next((v for v in current_app.appbuilder.baseviews  # type: ignore[attr-defined]
                 if isinstance(v, ModelView) and getattr(v.datamodel, "obj", None) is model),
                None)


def _title(model: type, pk: Any) -> str:
    """The name of a related row as the user may see it, else its number."""
    found = db.session.get(model, pk) if pk is not None else None
    return str(found) if found is not None else f"#{pk}"


def _fields(node: dict[str, Any]) -> list[tuple[str, Any]]:
    """(label, shown value) of a snapshot row, as the record's own detail page shows
    them: same fields, same formatting, personal data masked."""
    table = snapshots.table_of(node["table"])
    mapper = snapshots.mapper_of(table)
    view = _generated(mapper.class_) if mapper is not None else None
    if view is None:
        return []
    row = snapshots.typed_row(table, node["row"])
    keys = {p.key: p.columns[0].name for p in mapper.column_attrs}
    out = []
    for name in view.show_columns:
        rel = mapper.relationships.get(name)
        if rel is not None and rel.secondary is not None:
            other = next(fk for fk in rel.secondary.foreign_keys
                         if fk.column.table is not table)
            value: Any = [_title(rel.mapper.class_, link[other.parent.name])
                          for link in node["links"].get(rel.secondary.name, [])]
        elif rel is not None:
            value = _title(rel.mapper.class_, row.get(next(iter(rel.local_columns)).name))
        else:
            value = row.get(keys.get(name, name))
            formatter = view.formatters_columns.get(name)
            value = formatter(value) if formatter else value
        out.append((view.label_columns.get(name, name), value))
    return out


def _transient(node: dict[str, Any]) -> Any:
    """An unsaved copy of a snapshot row, to name it."""
    table = snapshots.table_of(node["table"])
    mapper = snapshots.mapper_of(table)
    assert mapper is not None  # rows deleted with a record are records themselves
    obj = mapper.class_()
    row = snapshots.typed_row(table, node["row"])
    for prop in mapper.column_attrs:
        if prop.columns[0].name in row:
            setattr(obj, prop.key, row[prop.columns[0].name])
    return obj


def page_context(pk: Any) -> dict[str, Any] | None:
    """What the detail page of bin item ``pk`` shows besides its own columns."""
    item = db.session.get(RecycleItem, int(pk)) if pk is not None else None
    root = recycle.snapshot(db.session, item) if item is not None else None
    if item is None or root is None:
        return None
    sm, viewing_as = _sm(), g.get("tx_view_as") is not None
    may_delete = sm.has_access("can_delete", item.resource)
    expired = recycle.expired(item)
    why_not = None
    if not may_delete:
        why_not = _("Only users who may delete %(kind)s can restore it.",
                    kind=item.resource_label)
    elif expired:
        why_not = _("The time to restore this record has ended.")
    nodes = list(snapshots.walk(root))
    return {
        "fields": _fields(root),
        "children": [(str(type(c).__label__), str(c)) for c in map(_transient, nodes[1:])],
        "files": sum(len(n["files"]) for n in nodes),
        "can_restore": may_delete and not expired and not viewing_as,
        "why_not": why_not,
        "can_purge": sm.is_admin(current_user) and not viewing_as,
        "restore_url": url_for("RecycleView.restore", item_id=item.id),
        "purge_url": url_for("RecycleView.purge", item_id=item.id),
    }


def list_context() -> dict[str, Any]:
    """What the bin's list page shows above the rows."""
    admin = _sm().is_admin(current_user) and g.get("tx_view_as") is None
    return {"days": recycle.keep_days(), "can_purge": admin,
            "purge_url": url_for("RecycleView.purge_expired"),
            "expired": len(recycle.all_expired(db.session)) if admin else 0}


def _item(item_id: int) -> RecycleItem:
    """The bin item as the user sees it: 404 out of scope, 403 without the bin."""
    if g.get("tongxin_user_id") is None:
        appbuilder = current_app.appbuilder  # type: ignore[attr-defined]
        abort(redirect(appbuilder.get_url_for_login_with(request.url)))
    if not _sm().has_access("can_read", RESOURCE):
        abort(403)
    item = db.session.scalar(select(RecycleItem).where(RecycleItem.id == item_id))
    if item is None:
        abort(404)
    return item


def _list_url() -> str:
    return url_for("RecycleItemView.list")


class RecycleView(BaseView):
    """The buttons of the bin: restore, purge, purge what has expired."""

    route_base = "/recycle"
    default_view = "purge_expired"

    @expose("/restore/<int:item_id>", methods=["POST"])
    def restore(self, item_id: int) -> Any:
        item = _item(item_id)
        if not _sm().has_access("can_delete", item.resource):
            abort(403)
        resource, label = item.resource, item.label
        try:
            record, skipped = recycle.restore(db.session, item)
            pk = record.id
            db.session.commit()
        except UserFacingError as err:
            db.session.rollback()
            flash(_("Not restored: %(reason)s", reason=str(err)), "danger")
            return redirect(url_for("RecycleItemView.show", pk=item_id))
        link = Markup('<a class="tx-restored" href="{}">{}</a>').format(
            f"{request.script_root}/{resource}/show/{pk}", label)
        flash(Markup(_("%(record)s has been restored.")) % {"record": link}, "success")
        if skipped:
            flash(_("Links to records that no longer exist were left out: %(count)d.",
                    count=skipped), "warning")
        return redirect(_list_url())

    @expose("/purge/<int:item_id>", methods=["POST"])
    def purge(self, item_id: int) -> Any:
        item = _item(item_id)
        if not _sm().is_admin(current_user):
            abort(403)
        label = item.label
        recycle.purge(db.session, item)
        db.session.commit()
        flash(_("%(record)s has been deleted permanently.", record=label), "success")
        return redirect(_list_url())

    @expose("/purge-expired", methods=["POST"])
    def purge_expired(self) -> Any:
        if g.get("tongxin_user_id") is None or not _sm().is_admin(current_user):
            abort(403)
        items = recycle.all_expired(db.session)
        for item in items:
            recycle.purge(db.session, item)
        db.session.commit()
        flash(_("Expired records deleted permanently: %(count)d.",
                count=len(items)), "success")
        return redirect(_list_url())


def register_recycle(appbuilder: AppBuilder) -> None:
    """The buttons' routes, and the bin's pages on its generated screen."""
    appbuilder.add_view_no_menu(RecycleView())
    view = _generated(RecycleItem)
    if view is not None:
        view.show_template = "tongxin/recycle_show.html"
        view.list_template = "tongxin/recycle_list.html"
    current_app.jinja_env.globals["tx_recycle"] = page_context
    current_app.jinja_env.globals["tx_recycle_list"] = list_context
