"""What a sheet's columns mean for a generated model: label, header synonyms, how a cell
is read, whether it must be filled — read from the model's metadata, like its screens."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import to_utc
from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric, inspect

from app.excel import cells
from app.personal import error as personal_error
from app.personal import sensitive_columns

#: the id column: an exported sheet carries it, so a re-import updates the same rows
ID_LABEL = _l("Number")
#: what the template's hint and example rows start with (the importer skips them)
INSTRUCTIONS, EXAMPLE = _l("Instructions: "), _l("Example: ")
#: header synonyms every column of a kind of personal data answers to
SYNONYMS = {"phone": ("手机", "手机号", "手机号码", "联系电话", "电话", "电话号码", "联系方式"),
            "id_number": ("身份证", "身份证号", "身份证号码", "证件号码", "公民身份号码")}
#: how many rows may hold one value of a list cell, and what separates them
LIST_SEPARATORS = ("、", ",", "，", ";", "；", "/")


@dataclass
class Field:
    """One importable column."""

    key: str
    label: str
    kind: str  # text | int | decimal | date | datetime | bool | choice | relation | relations
    required: bool = False
    choices: dict[Any, Any] = field(default_factory=dict)
    target: type | None = None  # the related model of a relation
    dict_kind: str | None = None  # a dictionary relation's kind
    sensitive: str | None = None  # phone | id_number
    places: int | None = None  # decimals of a number
    synonyms: tuple[str, ...] = ()

    def keys(self) -> set[str]:
        """Every header text (normalised) that names this column."""
        return {cells.header_key(text) for text in (self.label, self.key, *self.synonyms)}

    def hint(self) -> str:
        """The template's hint for the column (required, format, allowed values)."""
        need = str(_l("Required")) if self.required else str(_l("Optional"))
        how = {
            "int": _l("a whole number"), "decimal": _l("a number"),
            "date": _l("a date such as 2026-11-25"),
            "datetime": _l("a date and time such as 2026-11-25 09:30"),
            "bool": _l("是 or 否"), "choice": _l("pick from the list"),
            "relation": _l("the name, as shown in the portal"),
            "relations": _l("names, separated by 、"),
        }.get(self.kind)
        if self.sensitive == "phone":
            how = _l("a mobile or landline number")
        elif self.sensitive == "id_number":
            how = _l("an 18-digit ID number")
        return need + (f"；{how}" if how else "")


def fields_of(spec: Any) -> list[Field]:
    """The importable columns of a generated model: its form's fields."""
    mapper: Any = inspect(spec.model)
    sensitive = sensitive_columns(spec.model)
    out = []
    for key in spec.form_columns:
        label = str(spec.labels.get(key, key))
        if key in spec.relations:
            rel = spec.relations[key]
            required = not rel.uselist and any(not c.nullable for c in rel.local_columns)
            out.append(Field(key, label, "relations" if rel.uselist else "relation",
                             required, target=rel.mapper.class_,
                             dict_kind=rel.info.get("dict_kind")))
            continue
        column = mapper.columns[key]
        required = not column.nullable and column.default is None
        kind = _kind(column.type)
        if key in spec.choices:
            kind = "choice"
        out.append(Field(key, label, kind, required, choices=spec.choices.get(key, {}),
                         sensitive=sensitive.get(key),
                         places=getattr(column.type, "scale", None),
                         synonyms=(*column.info.get("synonyms", ()),
                                   *SYNONYMS.get(sensitive.get(key) or "", ()))))
    return out


def _kind(kind: Any) -> str:
    if isinstance(kind, Boolean):
        return "bool"
    if isinstance(kind, DateTime):
        return "datetime"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, Integer):
        return "int"
    if isinstance(kind, Numeric):
        return "decimal"
    return "text"


def read(fld: Field, value: Any) -> Any:
    """The cell's value for ``fld`` (not yet resolved for relations: their names);
    raise :class:`cells.CellError` with a message for the user."""
    if fld.kind == "int":
        return cells.parse_int(value)
    if fld.kind == "decimal":
        return cells.parse_decimal(value, fld.places)
    if fld.kind == "date":
        return cells.parse_date(value)
    if fld.kind == "datetime":
        moment = cells.parse_datetime(value)
        return to_utc(moment) if isinstance(moment, dt.datetime) else moment
    if fld.kind == "bool":
        return cells.parse_bool(value)
    if fld.kind == "text" and not fld.sensitive:
        return cells.free_text(cells.restore(value))
    # names and labels as typed (NFKC would turn Chinese punctuation into ASCII);
    # numbers, codes and personal numbers normalised (full-width digits, spaces)
    names = fld.kind in ("choice", "relation", "relations")
    text = (cells.free_text if names else cells.clean_text)(cells.restore(value))
    if text is None:
        return None
    if fld.kind == "choice":
        for key, label in fld.choices.items():
            if text in (str(label), str(key)):
                return key
        raise cells.CellError(_l("“%(value)s” is not one of the allowed values: %(allowed)s",
                                 value=text, allowed="、".join(map(str, fld.choices.values()))))
    if fld.kind == "relations":
        return split(text)
    if fld.sensitive and "*" not in text:  # a masked number (exported) is checked later
        message = personal_error(fld.sensitive, text)
        if message:
            raise cells.CellError(message)
    return text


def split(text: str) -> list[str]:
    """The names of a list cell (甲、乙，丙)."""
    for sep in LIST_SEPARATORS[1:]:
        text = text.replace(sep, LIST_SEPARATORS[0])
    return [part.strip() for part in text.split(LIST_SEPARATORS[0]) if part.strip()]

