"""查看完整个人信息: a permitted user reveals one record's personal data, giving a reason;
every reveal is logged. Partner-unit roles never hold the permission."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, g, request
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app import audit, personal
from app.extensions import db
from models.personal import PersonalDataAccess

VIEW = "PersonalDataView"
PERMISSION = "can_reveal"


class RevealForm(FlaskForm):
    """Why the full data is needed (kept in the log)."""

    reason = StringField(_l("Reason for viewing the full personal data"),
                         validators=[DataRequired(), Length(max=300)])


def _record(resource: str, pk: int) -> Any:
    """The record, through the scoped session (404 when out of sight or not sensitive)."""
    import models

    model = next((m for m in models.registry() if m.__resource__ == resource), None)
    if model is None or not personal.sensitive_columns(model):
        abort(404)
    item = db.session.get(model, pk)
    if item is None:
        abort(404)
    return item


def may_reveal() -> bool:
    """Whether the current user holds 查看完整个人信息 (never while viewing as someone)."""
    sm = current_app.appbuilder.sm  # type: ignore[attr-defined]
    return g.get("tx_view_as") is None and sm.has_access(PERMISSION, VIEW)


class PersonalDataView(BaseView):
    """``/personal/reveal/<resource>/<pk>``: a reason, then the record's data in full."""

    route_base = "/personal"
    default_view = "reveal"

    @expose("/reveal/<resource>/<int:pk>", methods=["GET", "POST"])
    @has_access
    def reveal(self, resource: str, pk: int) -> Any:
        item = _record(resource, pk)
        form = RevealForm()
        shown = None
        if request.method == "POST" and form.validate():
            db.session.add(PersonalDataAccess(
                actor_id=current_user.id, actor_name=current_user.username,
                resource=resource, record_id=pk, reason=form.reason.data.strip()))
            audit.record("reveal", item, summary=form.reason.data.strip())
            db.session.commit()
            labels = {c.key: c.info.get("label", c.key)
                      for c in type(item).__table__.columns}  # type: ignore[attr-defined]
            shown = [(labels.get(name, name), getattr(item, name))
                     for name in personal.sensitive_columns(type(item))]
            flash(_("This viewing has been logged."), "info")
        return self.render_template("tongxin/reveal.html", form=form, item=item, shown=shown,
                                    title=_("Full personal data: %(record)s", record=item))


def reveal_url() -> str | None:
    """On a detail page of a record with personal data: the reveal link, if allowed."""
    from flask import url_for

    pk = (request.view_args or {}).get("pk")
    view_name = (request.endpoint or "").split(".")[0]
    view = next((v for v in current_app.appbuilder.baseviews  # type: ignore[attr-defined]
                 if type(v).__name__ == view_name and hasattr(v, "datamodel")), None)
    if view is None or pk is None or not may_reveal():
        return None
    model = view.datamodel.obj
    if not personal.sensitive_columns(model) or not hasattr(model, "__resource__"):
        return None
    return url_for(f"{VIEW}.reveal", resource=model.__resource__, pk=pk)
