"""The base classes every generated view and API derives from.

They add what FAB lacks, once for all models: friendly database errors that keep the
user's input, uniqueness checked before writing, a server-side search for relation
selects, and Chinese messages for API validation errors.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import abort, flash, g, has_request_context, redirect, request
from flask_appbuilder import ModelRestApi, ModelView
from flask_appbuilder import expose as expose_page
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import String, cast, inspect, or_, select
from wtforms import HiddenField

from app import personal, recycle
from app.integrity import (
    EditConflict,
    UserFacingError,
    check_version,
    unique_conflicts,
)
from app.scoping import ScopeViolation
from app.workflow import check_editable
from views.api_messages import translate_errors
from views.fields import RemoteFilterField
from views.list_count import ListCount
from views.permissions import READ

CHOICES_PAGE = 20


class PortalModelView(ListCount, ModelView):
    """A generated CRUD screen. A failed save shows the form again, with the input kept."""

    show_template = "tongxin/show.html"

    @property  # type: ignore[override]
    def _filters(self) -> Any:
        """This request's search filters. FAB keeps one ``Filters`` per view and fills it
        from each request's arguments: with threaded workers two requests would share it
        and apply each other's search. Each request gets its own."""
        if not has_request_context():
            return self._tx_filters
        mine: dict[int, Any] = g.setdefault("tx_view_filters", {})
        if id(self) not in mine:  # FAB's, with lists of its own (the filters themselves
            mine[id(self)] = copy.copy(self._tx_filters)  # hold no request state)
            mine[id(self)].clear_filters()
        return mine[id(self)]

    @_filters.setter
    def _filters(self, value: Any) -> None:
        self._tx_filters = value  # FAB's, built at start-up: used outside requests only

    def _save(self, form: Any, item: Any, is_add: bool) -> bool:
        session = self.datamodel.session
        conflicts = unique_conflicts(session, item)
        if conflicts:
            session.rollback()
            for field, message in conflicts.items():
                if field in form:
                    form[field].errors = [*form[field].errors, message]
                else:
                    flash(message, "danger")
            return False
        try:
            if is_add:
                self.pre_add(item)
                self.datamodel.add(item)
                self.post_add(item)
            else:
                check_editable(item)
                self.pre_update(item)
                self.datamodel.edit(item)
                self.post_update(item)
        except UserFacingError as err:
            session.rollback()
            flash(str(err), "danger")
            return False
        flash(self.add_row_message if is_add else self.edit_row_message, "success")
        return True

    def _add(self) -> Any:
        form = self.add_form.refresh()
        if request.method == "POST":
            if form.validate():
                self.process_form(form, True)
                item = self.datamodel.obj()
                form.populate_obj(item)
                if self._save(form, item, is_add=True):
                    return None
        else:
            self.update_redirect()
        return self._get_add_widget(form=form, exclude_cols=[])

    def _edit(self, pk: Any) -> Any:
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        pk = self.datamodel.get_pk_value(item)
        if request.method == "POST":
            form = self.edit_form.refresh(request.form)
            form._id = pk
            for name in personal.sensitive_columns(self.datamodel.obj):
                if name in form and "*" in str(form[name].data or ""):  # left as masked
                    form[name].data = getattr(item, name)
            if form.validate():
                self.process_form(form, False)
                version = form._fields.pop("version", None)  # checked, never written
                try:
                    check_version(item, version.data if version is not None else None)
                except EditConflict as err:  # the input stays in the form
                    flash(str(err), "danger")
                else:
                    form.populate_obj(item)
                    if self._save(form, item, is_add=False):
                        return None
                if version is not None:
                    form._fields["version"] = version
        else:
            form = self.edit_form.refresh(obj=item)
            self.prefill_form(form, pk)
            for name, kind in personal.sensitive_columns(self.datamodel.obj).items():
                if name in form:  # the form never shows personal data in full
                    form[name].data = personal.mask(kind, form[name].data)
            self.update_redirect()
        return self._get_edit_widget(form=form, exclude_cols=[])

    def _init_forms(self) -> None:
        """The edit form carries the record's version (see :func:`check_version`)."""
        super()._init_forms()
        if hasattr(self.datamodel.obj, "version"):
            self.edit_form = type(self.edit_form.__name__, (self.edit_form,),
                                  {"version": HiddenField()})

    def _get_search_widget(self, form: Any = None, exclude_cols: Any = None,
                           widgets: Any = None) -> Any:
        """The search form offers no relation filter the user could not search: one
        whose related records they may not read (the server search would refuse them),
        unless the page's address already applies it."""
        widgets = super()._get_search_widget(form=form, exclude_cols=exclude_cols,
                                             widgets=widgets)
        if form is not None:
            args = widgets["search"].template_args
            args["include_cols"] = [col for col in args["include_cols"]
                                    if self._may_search(form[col])]
        return widgets

    def _may_search(self, field: Any) -> bool:
        if not isinstance(field, RemoteFilterField) or field.named_keys():
            return True
        return bool(self.appbuilder.sm.has_access(f"can_{READ}", field.resource))

    def _delete(self, pk: Any) -> None:
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        try:
            check_editable(item)
            self.pre_delete(item)
            self.datamodel.delete(item)
            self.post_delete(item)
        except UserFacingError as err:
            self.datamodel.session.rollback()
            flash(str(err), "danger")
        else:
            flash(_("Moved to the recycle bin: it can be restored under Settings → Recycle "
                    "bin.") if recycle.recyclable(self.datamodel.obj)
                  else self.delete_row_message, "success")
        self.update_redirect()


    @expose_page("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name: str, pk: Any) -> Any:
        """A row action: an unknown action or a row out of sight is a 404."""
        if name not in self.actions or self.datamodel.get(pk) is None:
            abort(404)
        return super().action(name, pk)

    @expose_page("/action_post", methods=["POST"])
    def action_post(self) -> Any:
        """A bulk action: unknown action → 404; rows out of sight are left out."""
        name = request.form.get("action", "")
        if name not in self.actions:
            abort(404)
        permission = self.get_action_permission_name(name)
        if not self.appbuilder.sm.has_access(permission, self.class_permission_name):
            abort(403)
        items = [self.datamodel.get(self._deserialize_pk_if_composite(pk))
                 for pk in request.form.getlist("rowid")]
        items = [item for item in items if item is not None]
        if not items:
            flash(_("No record selected."), "warning")
            return redirect(self.get_redirect())
        return self.actions[name].func(items)


def _mask_row(model: type, row: dict[str, Any]) -> None:
    for key, kind in personal.sensitive_columns(model).items():
        if row.get(key):
            row[key] = personal.mask(kind, row[key])


def _fresh(schema: Any) -> Any:
    """A new instance of FAB's schema for one request: marshmallow-sqlalchemy keeps the
    instance being loaded on the schema object, which concurrent requests would share
    (one request's values landing on another's row)."""
    return type(schema)()


def _tagged(response: Any, item: Any) -> Any:
    """Give ``response`` the ETag of ``item``'s version."""
    if item is not None and hasattr(item, "version"):
        response.set_etag(str(item.version))
    return response


def _matches(item: Any, if_match: str | None) -> bool:
    """Whether an ``If-Match`` header (absent: yes) names ``item``'s current version."""
    if if_match is None or not hasattr(item, "version"):
        return True
    tags = {tag.strip().removeprefix("W/").strip('"') for tag in if_match.split(",")}
    return "*" in tags or str(item.version) in tags


class PortalModelApi(ModelRestApi):
    """A generated REST resource with Chinese errors and a ``choices`` search."""

    allow_browser_login = True

    def _unprocessable(self, messages: Any) -> Any:
        return self.response_422(message=translate_errors(messages))

    def _get_field_info(self, field: Any, filter_rel_field: Any, page: Any = None,
                        page_size: Any = None) -> Any:
        # FAB translates a missing description with gettext(""), which returns the header
        # of the message catalogue: an absent description stays empty instead.
        info = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        if not self.description_columns.get(field.name):
            info["description"] = ""
        return info

    def _unknown_relations(self, item: Any) -> dict[str, list[str]]:
        """Related rows the request names that do not exist, or that the user may not see.

        marshmallow-sqlalchemy turns an unknown key into a NEW related object; the API only
        ever refers to existing rows, so such an object is an error, never an insert.
        """
        errors: dict[str, list[str]] = {}
        with self.datamodel.session.no_autoflush:
            values = {rel: getattr(item, rel.key) for rel in inspect(type(item)).relationships}
        for rel, value in values.items():
            related = value if rel.uselist else [value] if value is not None else []
            if any(inspect(obj).transient or inspect(obj).pending for obj in related):
                errors[rel.key] = [_("The chosen record does not exist or is not visible "
                                     "to you.")]
        return errors

    def pre_get(self, data: dict[str, Any]) -> None:
        """Personal data leaves the API masked, like on the screens."""
        _mask_row(self.datamodel.obj, data.get("result", {}))
        g.tx_etag = data.get("result", {}).get("version")

    def pre_get_list(self, data: dict[str, Any]) -> None:
        for row in data.get("result", []):
            _mask_row(self.datamodel.obj, row)

    def _write(self, item: Any, is_add: bool) -> Any:
        session = self.datamodel.session
        unknown = {**self._unknown_relations(item),
                   **{k: [v] for k, v in personal.errors(item).items()}}
        if unknown:
            session.rollback()
            return self.response_422(message=unknown)
        conflicts = unique_conflicts(session, item)
        if conflicts:
            session.rollback()
            return self.response_422(message={k: [v] for k, v in conflicts.items()})
        try:
            if is_add:
                self.pre_add(item)
                self.datamodel.add(item)
                self.post_add(item)
            else:
                check_editable(item)
                self.pre_update(item)
                self.datamodel.edit(item)
                self.post_update(item)
        except ScopeViolation as err:
            session.rollback()
            return self.response(403, message=str(err))
        except EditConflict as err:
            session.rollback()
            return self.response(409, message=str(err))
        except UserFacingError as err:
            session.rollback()
            return self.response_422(message=str(err))
        body = (self.add_model_schema if is_add else self.edit_model_schema).dump(item)
        _mask_row(type(item), body)
        response = self.response(201 if is_add else 200, result=body,
                                 id=self.datamodel.get_pk_value(item))
        return _tagged(response, item)

    def get_headless(self, pk: Any, **kwargs: Any) -> Any:
        """One record, with its version as the ``ETag`` (send it back in ``If-Match``)."""
        response = super().get_headless(pk, **kwargs)
        if response.status_code == 200 and g.get("tx_etag") is not None:
            response.set_etag(str(g.tx_etag))  # the version of the row just sent
        return response

    def post_headless(self) -> Any:
        if not request.is_json:
            return self.response_400(message=_("The request body must be JSON."))
        try:
            item = _fresh(self.add_model_schema).load(request.json)
        except ValidationError as err:
            return self._unprocessable(err.messages)
        return self._write(item, is_add=True)

    def put_headless(self, pk: Any) -> Any:
        item = self.datamodel.get(pk, self._base_filters)
        if not request.is_json:
            return self.response_400(message=_("The request body must be JSON."))
        if not item:
            return self.response_404()
        if not _matches(item, request.headers.get("If-Match")):
            return self.response(409, message=str(EditConflict()))
        try:
            if self.datamodel.is_pk_composite():
                raise ValidationError({"pk": [_("Composite keys cannot be changed.")]})
            _fresh(self.edit_model_schema).load(request.json, instance=item)
        except ValidationError as err:
            self.datamodel.session.rollback()
            return self._unprocessable(err.messages)
        return self._write(item, is_add=False)

    def delete_headless(self, pk: Any) -> Any:
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            return self.response_404()
        try:
            check_editable(item)
            self.pre_delete(item)
            self.datamodel.delete(item)
            self.post_delete(item)
        except UserFacingError as err:
            self.datamodel.session.rollback()
            return self.response_422(message=str(err))
        return self.response(200, message=_("Deleted"))

    @expose("/choices/", methods=["GET"])
    @protect()
    @safe
    @permission_name("choices")
    def choices(self) -> Any:
        """Rows of this resource matching ``?q=`` (select2's format), for relation selects.

        ``?kind=`` narrows a dictionary to one kind, its entries in use (all of them with
        ``&inactive=1``, for a search form). Rows come through the ORM session,
        so the reader's scope applies as everywhere else.
        """
        model = self.datamodel.obj
        term = (request.args.get("q") or "").strip()
        try:
            page = max(int(request.args.get("page", 1)), 1)
        except ValueError:
            page = 1
        title = getattr(model, model.__title_column__, None)
        stmt = select(model)
        kind = request.args.get("kind")
        if kind and hasattr(model, "kind"):
            stmt = stmt.where(model.kind == kind)
            if request.args.get("inactive") != "1":  # a search form finds retired ones too
                stmt = stmt.where(model.active.is_(True))
        if term:
            conds = [title.contains(term, autoescape=True)] if title is not None else []
            if term.isdigit():
                conds.append(cast(model.id, String) == term)
            stmt = stmt.where(or_(*conds))
        order = title if title is not None else model.id
        stmt = stmt.order_by(order).offset((page - 1) * CHOICES_PAGE).limit(CHOICES_PAGE + 1)
        rows = list(self.datamodel.session.scalars(stmt))
        results = [{"id": self.datamodel.get_pk_value(r), "text": str(r)}
                   for r in rows[:CHOICES_PAGE]]
        return self.response(200, results=results, pagination={"more": len(rows) > CHOICES_PAGE})
