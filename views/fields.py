"""Form fields: relations as a select that searches on the server as the user types (in
the add and edit forms and in a list's search form); local date and time."""

from __future__ import annotations

import re
from typing import Any

from flask import request
from flask_appbuilder.fieldwidgets import DateTimePickerWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone, to_utc
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from sqlalchemy import select
from wtforms import DateTimeField, Field, SelectField
from wtforms.validators import ValidationError

from app.bad_input import MAX_ID


class RemoteSelectWidget:
    """``<select>`` that asks ``endpoint`` for matching rows (select2 with ajax)."""

    def __init__(self, endpoint: str, multiple: bool = False) -> None:
        self.endpoint = endpoint
        self.multiple = multiple

    def __call__(self, field: RemoteSelectField, **kwargs: Any) -> Markup:
        attrs = {
            "id": field.id, "name": field.name, "class": "form-control tx-remote-select",
            "data-endpoint": self.endpoint, "data-placeholder": _("Type to search"),
            "style": "width:100%",
        }
        attrs.update({k: v for k, v in kwargs.items() if k not in ("class",)})
        if self.multiple:
            attrs["multiple"] = "multiple"
        html = ["<select"]
        html += [f' {k}="{escape(v)}"' for k, v in attrs.items()]
        html.append(">")
        if not self.multiple:
            html.append('<option value=""></option>')
        for obj in field.selected_objects():
            html.append(f'<option value="{escape(field.pk_of(obj))}" selected>'
                        f"{escape(str(obj))}</option>")
        html.append("</select>")
        return Markup("".join(html))


class RemoteSelectField(Field):
    """A relation to one row (or many with ``multiple``), chosen by a server-side search.

    The chosen primary keys are loaded through the ORM session, so a key the user may not
    see (or that does not exist) is refused like a wrong choice.
    """

    def __init__(self, label: Any = None, validators: Any = None, *, interface: Any,
                 endpoint: str, multiple: bool = False, **kwargs: Any) -> None:
        super().__init__(label, validators, widget=RemoteSelectWidget(endpoint, multiple),
                         **kwargs)
        self.interface = interface  # SQLAInterface of the related model
        self.multiple = multiple
        self._invalid = False

    def pk_of(self, obj: Any) -> Any:
        return self.interface.get_pk_value(obj)

    def selected_objects(self) -> list[Any]:
        if self.data is None:
            return []
        return list(self.data) if self.multiple else [self.data]

    def _value(self) -> str:
        return ",".join(str(self.pk_of(o)) for o in self.selected_objects())

    def process_formdata(self, valuelist: list[str]) -> None:
        keys = [v for v in valuelist if v not in ("", None)]
        objects = []
        for key in keys:
            obj = self.interface.get(key) if str(key).isdigit() else None
            if obj is None:
                self._invalid = True
            else:
                objects.append(obj)
        self.data = objects if self.multiple else (objects[0] if objects else None)

    def pre_validate(self, form: Any) -> None:
        if self._invalid:
            raise ValidationError(_("Not a valid choice"))


class RemoteFilterWidget:
    """The value of a relation filter in a list's search form: a ``<select>`` that asks
    ``endpoint`` as the user types, holding no rows but those the page's filters name.

    FAB's ``ab_filters.js`` copies this HTML into each filter row the user adds, and for
    each active filter of the page sets the copy's value: so every copy holds the rows
    the active filters name (their labels), none selected. No ``id``: the copies are
    many."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def __call__(self, field: RemoteFilterField, **kwargs: Any) -> Markup:
        attrs = {"name": field.name, "class": "form-control tx-remote-select",
                 "data-endpoint": self.endpoint, "data-placeholder": _("Type to search"),
                 "style": "width:100%"}
        html = ["<select"]
        html += [f' {k}="{escape(v)}"' for k, v in attrs.items()]
        html.append('><option value=""></option>')
        for key, label in field.named_rows():
            html.append(f'<option value="{escape(key)}">{escape(label)}</option>')
        html.append("</select>")
        return Markup("".join(html))


class RemoteFilterField(Field):
    """A relation in a list's search form (FAB's relation filters: the value is the id of
    the related row, ``_flt_<n>_<column>=<id>``). Rendering it reads no rows but those
    this request's filters name, in one query through the ORM session: a row the user
    may not see keeps its bare ``#id``."""

    def __init__(self, label: Any = None, validators: Any = None, *, interface: Any,
                 endpoint: str, resource: str, **kwargs: Any) -> None:
        super().__init__(label, validators, widget=RemoteFilterWidget(endpoint), **kwargs)
        self.interface = interface  # SQLAInterface of the related model
        self.resource = resource  # whose read permission the search needs

    def named_keys(self) -> list[str]:
        """The ids this request's filters give this column (FAB's ``_flt_<digit>_``)."""
        pattern = re.compile(rf"_flt_\d_{re.escape(self.name)}")
        keys = [value for arg in request.args if pattern.fullmatch(arg)
                for value in request.args.getlist(arg)]
        return [key for key in dict.fromkeys(keys)
                if re.fullmatch(r"[0-9]{1,10}", key) and int(key) <= MAX_ID]

    def named_rows(self) -> list[tuple[str, str]]:
        """(id, label) of each row the filters name."""
        keys = self.named_keys()
        if not keys:
            return []
        found = {str(self.interface.get_pk_value(obj)): str(obj) for obj in
                 self.interface.session.scalars(select(self.interface.obj).where(
                     self.interface.get_pk().in_([int(key) for key in keys])))}
        return [(key, found.get(key, f"#{key}")) for key in keys]


class LocalDateTimeField(DateTimeField):
    """A date and time typed in the portal's time zone (2026-11-25 09:30), kept in UTC
    like every other time the portal stores."""

    widget = DateTimePickerWidget()

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("invalid_value_message",
                          _l("Please enter a date and time such as 2026-11-25 09:30."))
        super().__init__(label, validators, format=["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"],
                         **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = to_utc(self.data)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return to_user_timezone(self.data).strftime("%Y-%m-%d %H:%M") if self.data else ""


class ChoiceField(SelectField):
    """A select of fixed choices; for a column that may stay empty, an empty answer is
    kept as nothing (None) instead of being refused."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and valuelist[0] in ("", None):
            self.data = None
            return
        super().process_formdata(valuelist)

    def pre_validate(self, form: Any) -> None:
        if self.data is None:
            return  # DataRequired, on a column that must be filled, says so
        super().pre_validate(form)


class CsrfForm(FlaskForm):
    """No fields: the CSRF token of a POST (honours ``WTF_CSRF_ENABLED``)."""
