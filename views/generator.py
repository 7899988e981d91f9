"""The generator: model metadata → a FAB ModelView, a ModelRestApi and a menu entry.

Adding a record type means writing one model class (see ``models.meta``); this module
turns its declarations into screens and an API. Nothing here names a particular model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from flask import current_app
from flask_appbuilder import AppBuilder
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import Boolean, Date, DateTime, inspect
from sqlalchemy.orm import RelationshipProperty
from wtforms import BooleanField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional, ValidationError

from app.clock import today
from app.personal import error as personal_error
from app.personal import mask, sensitive_columns
from models.meta import MENU_GROUPS, PortalModel
from views.base import PortalModelApi, PortalModelView
from views.excel import ExcelApiMixin, ExcelViewMixin
from views.excel_import import ImportViewMixin
from views.fields import (
    ChoiceField,
    LocalDateTimeField,
    RemoteFilterField,
    RemoteSelectField,
)
from views.interface import PortalInterface
from views.permissions import METHOD_PERMISSIONS, READ
from views.workflow import WorkflowApiMixin, WorkflowViewMixin

#: Columns every model has that the generated forms never show.
SYSTEM_COLUMNS = ("id", "version", "created_by_id", "changed_by_id", "created_on", "changed_on")

MENU_ICONS = {"cobuild": "fa-hands-helping", "affairs": "fa-comments",
              "residents": "fa-house-user", "volunteers": "fa-hand-holding-heart",
              "ledgers": "fa-book-open", "points": "fa-coins", "org": "fa-sitemap",
              "settings": "fa-cogs"}


@dataclass
class ModelSpec:
    """What the generator needs to know about one model, read from its metadata."""

    model: type[PortalModel]
    labels: dict[str, Any] = field(default_factory=dict)
    relations: dict[str, RelationshipProperty[Any]] = field(default_factory=dict)
    choices: dict[str, dict[str, Any]] = field(default_factory=dict)
    flags: dict[str, bool] = field(default_factory=dict)  # boolean column → its default
    times: dict[str, bool] = field(default_factory=dict)  # date-time column → nullable

    @property
    def resource(self) -> str:
        return self.model.__resource__ or self.model.__name__.lower()

    @property
    def form_columns(self) -> list[str]:
        declared = list(self.model.__form_columns__)
        if declared:
            return declared
        fks = {c.name for r in self.relations.values() for c in r.local_columns}
        return [n for n in self.labels if n not in SYSTEM_COLUMNS and n not in fks]

    @property
    def show_columns(self) -> list[str]:
        """The form's fields, then the list's, then every other labelled column the
        system fills (a result, a time to close…), then the time stamps."""
        stamps = [c for c in ("created_on", "changed_on") if c in self.labels]
        shown = [*self.form_columns,
                 *(c for c in self.model.__list_columns__ if c not in self.form_columns)]
        fks = {c.name for r in self.relations.values() for c in r.local_columns}
        rest = [n for n in self.labels if n not in shown and n not in fks
                and n not in SYSTEM_COLUMNS and n not in self.relations]
        return [*shown, *rest, *stamps]


def describe(model: type[PortalModel]) -> ModelSpec:
    """Read a model's labels, relations and choices from its metadata."""
    spec = ModelSpec(model)
    mapper = inspect(model)
    for column in mapper.columns:
        info = column.info
        if "label" in info:
            key = mapper.get_property_by_column(column).key
            spec.labels[key] = info["label"]
            if "choices" in info:
                spec.choices[key] = info["choices"]
            if isinstance(column.type, Boolean):
                default = column.default.arg if column.default is not None else False
                spec.flags[key] = bool(default) if not callable(default) else False
            if isinstance(column.type, DateTime):
                spec.times[key] = bool(column.nullable)
    for rel in mapper.relationships:
        if "label" in rel.info:
            spec.labels[rel.key] = rel.info["label"]
            spec.relations[rel.key] = rel
    return spec


def choices_url(model: type[PortalModel], kind: str | None = None,
                inactive: bool = False) -> str:
    """Where a relation select searches rows of ``model`` (``kind`` for dictionaries;
    ``inactive``: with the entries no longer in use, to search records that have one)."""
    url = f"/api/v1/{model.__resource__}/choices/"
    if not kind:
        return url
    return f"{url}?kind={kind}&inactive=1" if inactive else f"{url}?kind={kind}"


def _relation_field(spec: ModelSpec, name: str) -> RemoteSelectField:
    rel = spec.relations[name]
    required = not rel.uselist and any(not c.nullable for c in rel.local_columns)
    return RemoteSelectField(
        spec.labels[name],
        [DataRequired()] if required else [Optional()],
        interface=PortalInterface(rel.mapper.class_),
        endpoint=choices_url(rel.mapper.class_, rel.info.get("dict_kind")),
        multiple=rel.uselist,
    )


def _relation_filter(spec: ModelSpec, name: str) -> RemoteFilterField:
    """A relation in the list's search form: searched on the server, like in the forms,
    instead of FAB's select of every related row."""
    rel = spec.relations[name]
    model = rel.mapper.class_
    return RemoteFilterField(
        spec.labels[name], interface=PortalInterface(model), resource=model.__resource__,
        endpoint=choices_url(model, rel.info.get("dict_kind"), inactive=True))


def _choice_field(spec: ModelSpec, name: str) -> ChoiceField:
    """A select of the column's choices; an empty first option when it may stay empty."""
    required = not inspect(spec.model).columns[name].nullable
    options = [] if required else [SelectChoice("", "")]
    options += [SelectChoice(value, label) for value, label in spec.choices[name].items()]
    return ChoiceField(spec.labels[name], choices=options, widget=Select2Widget(),
                       validators=[DataRequired()] if required else [Optional()])


def _api_columns(spec: ModelSpec, columns: list[str]) -> list[str]:
    out = ["id"]
    for name in columns:
        rel = spec.relations.get(name)
        if rel is None:
            out.append(name)
        elif rel.viewonly:  # a name shown on the screens (FAB cannot join it in the API)
            out += [c.key for c in rel.local_columns if c.key not in out]
        else:
            title = rel.mapper.class_.__title_column__
            out += [f"{name}.id", f"{name}.{title}"]
    return out


def _format_bool(value: Any) -> str:
    return "" if value is None else _("Yes") if value else _("No")


def _format_due(value: Any) -> Any:
    """A due date; past ones highlighted as overdue."""
    if not value:
        return ""
    text = value.isoformat()
    if value < today():
        return Markup('<span class="label label-danger tx-overdue">{}</span> {}').format(
            _("Overdue"), text)
    return text


def _value_formatters(spec: ModelSpec) -> dict[str, Any]:
    """Dates as 2026-11-23, times as 2026-11-23 09:30 (local time), booleans as 是/否."""
    out: dict[str, Any] = {}
    mapper = inspect(spec.model)
    for column in mapper.columns:
        key = mapper.get_property_by_column(column).key
        if isinstance(column.type, DateTime):
            out[key] = lambda v: format_datetime(v, "yyyy-MM-dd HH:mm") if v else ""
        elif isinstance(column.type, Date) and column.info.get("due"):
            out[key] = _format_due
        elif isinstance(column.type, Date):
            out[key] = lambda v: v.isoformat() if v else ""  # 2026-11-23 in every language
        elif isinstance(column.type, Boolean):
            out[key] = _format_bool
    for key, kind in sensitive_columns(spec.model).items():  # personal data: always masked
        out[key] = lambda v, k=kind: mask(k, v)
    for column in mapper.columns:  # a column's own formatter ("module:function")
        if isinstance(column.info.get("formatter"), str):
            module, _sep, name = column.info["formatter"].partition(":")
            out[mapper.get_property_by_column(column).key] = getattr(import_module(module),
                                                                     name)
    return out


class _PersonalData:
    """WTForms validator: the field holds a valid phone or ID number (or nothing)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __call__(self, form: Any, field: Any) -> None:
        message = personal_error(self.kind, field.data)
        if message:
            raise ValidationError(message)


def build_view(spec: ModelSpec) -> type[PortalModelView]:
    """The ModelView class of one model."""
    model, label = spec.model, spec.model.__label__
    form_fields: dict[str, Any] = {}
    for name in spec.form_columns:
        if name in spec.relations:
            form_fields[name] = _relation_field(spec, name)
        elif name in spec.choices:
            form_fields[name] = _choice_field(spec, name)
        elif name in spec.flags:
            # an unticked box is a valid "no", never a missing answer
            form_fields[name] = BooleanField(spec.labels[name], validators=[Optional()],
                                             default=spec.flags[name])
        elif name in spec.times:
            form_fields[name] = LocalDateTimeField(
                spec.labels[name], validators=[Optional() if spec.times[name] else
                                               DataRequired()])
    formatters = {**_value_formatters(spec), **{
        name: (lambda value, c=choices: "" if value is None else str(c.get(value, value)))
        for name, choices in spec.choices.items()
    }}
    attrs: dict[str, Any] = {
        "tx_spec": spec,
        "datamodel": PortalInterface(model, list_relations=[
            c for c in model.__list_columns__ if c in spec.relations]),
        "route_base": f"/{spec.resource}",
        "class_permission_name": spec.resource,
        "method_permission_name": METHOD_PERMISSIONS,
        "label_columns": dict(spec.labels),
        "list_columns": list(model.__list_columns__),
        "search_columns": list(model.__search_columns__),
        "search_form_extra_fields": {name: _relation_filter(spec, name)
                                     for name in model.__search_columns__
                                     if name in spec.relations},
        "validators_columns": {key: [_PersonalData(kind)]
                               for key, kind in sensitive_columns(model).items()},
        "show_columns": spec.show_columns,
        "add_columns": spec.form_columns,
        "edit_columns": spec.form_columns,
        "order_columns": [c for c in model.__list_columns__ if c not in spec.relations],
        "base_order": model.__order__,
        "add_form_extra_fields": form_fields,
        "edit_form_extra_fields": form_fields,
        "formatters_columns": formatters,
        "page_size": current_app.config.get("TONGXIN_PAGE_SIZE", 20),
        "list_title": _l("%(label)s list", label=label),
        "show_title": _l("%(label)s details", label=label),
        "add_title": _l("Add %(label)s", label=label),
        "edit_title": _l("Edit %(label)s", label=label),
    }
    bases: tuple[type, ...] = (ExcelViewMixin, PortalModelView)
    if model.__workflow__ is not None:
        bases = (WorkflowViewMixin, ExcelViewMixin, PortalModelView)
        attrs["show_template"] = "tongxin/workflow_show.html"
    if model.__readonly__:
        attrs["base_permissions"] = [f"can_{READ}"]
    else:
        bases = (ImportViewMixin, *bases)
    return type(f"{model.__name__}View", bases, attrs)


def _api_labels(spec: ModelSpec) -> dict[str, Any]:
    """Labels of the API columns, including ``id`` and the ``relation.id/title`` pairs."""
    labels: dict[str, Any] = {"id": _l("ID"), **spec.labels}
    for name, rel in spec.relations.items():
        title = rel.mapper.class_.__title_column__
        labels[f"{name}.id"] = _l("%(label)s ID", label=spec.labels[name])
        labels[f"{name}.{title}"] = spec.labels[name]
    return labels


def build_api(spec: ModelSpec) -> type[PortalModelApi]:
    """The ModelRestApi class of one model, at ``/api/v1/<resource>/``."""
    model = spec.model
    attrs: dict[str, Any] = {
        "tx_spec": spec,
        "datamodel": PortalInterface(model),
        "resource_name": spec.resource,
        "class_permission_name": spec.resource,
        "method_permission_name": METHOD_PERMISSIONS,
        "label_columns": _api_labels(spec),
        "list_columns": _api_columns(spec, list(model.__list_columns__)),
        # the version travels with the record (and as its ETag: send it in If-Match)
        "show_columns": _api_columns(spec, spec.show_columns)
        + (["version"] if "version" in spec.labels else []),
        "add_columns": spec.form_columns,
        "edit_columns": spec.form_columns,
        "search_columns": list(model.__search_columns__),
        "order_columns": [c for c in model.__list_columns__ if c not in spec.relations],
        "base_order": model.__order__,
        "list_title": _l("%(label)s list", label=model.__label__),
        "show_title": _l("%(label)s details", label=model.__label__),
        "add_title": _l("Add %(label)s", label=model.__label__),
        "edit_title": _l("Edit %(label)s", label=model.__label__),
    }
    bases: tuple[type, ...] = (ExcelApiMixin, PortalModelApi)
    if model.__workflow__ is not None:
        bases = (WorkflowApiMixin, ExcelApiMixin, PortalModelApi)
    if model.__readonly__:
        attrs["base_permissions"] = [f"can_{READ}"]
    return type(f"{model.__name__}Api", bases, attrs)


def register(appbuilder: AppBuilder, model: type[PortalModel]) -> ModelSpec:
    """Add one model's screens, API and menu entry to ``appbuilder``."""
    spec = describe(model)
    group = model.__menu_group__
    appbuilder.add_view(
        build_view(spec),
        model.__name__,
        icon=model.__icon__,
        label=model.__label__,
        category=group,
        category_label=MENU_GROUPS[group],
        category_icon=MENU_ICONS.get(group, "fa-folder"),
    )
    appbuilder.add_api(build_api(spec))
    return spec
