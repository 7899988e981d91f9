"""Residents' personal data (个人信息): ID numbers and phone numbers, validated on every
path and masked everywhere unless a permitted user reveals one record, with a reason.

A column opts in through its metadata: ``col(label, sensitive="phone")`` or
``sensitive="id_number"``. The generator, the API and the flush guard all call this
module; nothing else knows the formats.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.integrity import UserFacingError

PHONE, ID_NUMBER = "phone", "id_number"
KINDS = (PHONE, ID_NUMBER)

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")
_ID18 = re.compile(r"\d{17}[\dX]")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def normalise(value: str) -> str:
    """Half-width digits, no spaces, upper-case X."""
    table = {ord("０") + i: ord("0") + i for i in range(10)}
    table.update({ord("Ｘ"): ord("X"), ord("ｘ"): ord("X"), ord("－"): ord("-")})
    return re.sub(r"\s+", "", value.translate(table)).upper()


def id_number_error(value: str) -> str | None:
    """Why ``value`` is not a valid 18-digit ID number (GB 11643), or None."""
    value = normalise(value)
    if re.fullmatch(r"\d{15}", value):
        return _("15-digit ID numbers are no longer valid: please enter the 18-digit number.")
    if not _ID18.fullmatch(value):
        return _("An ID number has 18 characters: 17 digits and a digit or X.")
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return _("The birth date inside this ID number does not exist.")
    total = sum(int(d) * w for d, w in zip(value[:17], _WEIGHTS, strict=True))
    if _CHECK[total % 11] != value[17]:
        return _("The check digit of this ID number is wrong: please check the number.")
    return None


def id_number_facts(value: str) -> tuple[dt.date, str]:
    """Birth date and sex ("male" / "female") of a valid ID number."""
    value = normalise(value)
    born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    return born, "male" if int(value[16]) % 2 else "female"


def phone_error(value: str) -> str | None:
    """Why ``value`` is not a mainland mobile or landline number, or None."""
    value = normalise(value)
    if _MOBILE.fullmatch(value) or _LANDLINE.fullmatch(value):
        return None
    return _("Please enter an 11-digit mobile number or a landline such as 0472-4123456.")


def error(kind: str, value: Any) -> str | None:
    """Why ``value`` is not valid for a column of ``kind`` (empty values are fine)."""
    if value in (None, ""):
        return None
    return id_number_error(str(value)) if kind == ID_NUMBER else phone_error(str(value))


def mask(kind: str, value: Any) -> str:
    """``110***********1234`` for an ID number, ``138****5678`` for a phone number."""
    if value in (None, ""):
        return ""
    text = str(value)
    if kind == ID_NUMBER:
        return text[:3] + "*" * max(len(text) - 7, 0) + text[-4:] if len(text) > 7 else "****"
    if len(text) >= 7:
        return text[:3] + "*" * (len(text) - 7) + text[-4:]
    return "****"


def sensitive_columns(model: type) -> dict[str, str]:
    """Attribute name → kind of every sensitive column of ``model``."""
    mapper = inspect(model)
    out = {}
    for column in mapper.columns:
        kind = column.info.get("sensitive")
        if kind in KINDS:
            out[mapper.get_property_by_column(column).key] = kind
    return out


def errors(item: Any) -> dict[str, str]:
    """Field → message for every sensitive value of ``item`` that is not valid."""
    found = {}
    for name, kind in sensitive_columns(type(item)).items():
        message = error(kind, getattr(item, name))
        if message:
            found[name] = message
    return found


def _normalise_on_flush(session: Session, flush_context: Any, instances: Any) -> None:
    """Last line on every path (forms, API, imports): store normalised, valid values."""
    for obj in list(session.new) + list(session.dirty):
        columns = sensitive_columns(type(obj))
        for name, kind in columns.items():
            value = getattr(obj, name)
            if value in (None, ""):
                continue
            message = error(kind, value)
            if message:
                raise UserFacingError(message)
            if normalise(str(value)) != value:
                setattr(obj, name, normalise(str(value)))


def install() -> None:
    """Validate and normalise sensitive values on every session (once)."""
    if not event.contains(Session, "before_flush", _normalise_on_flush):
        event.listen(Session, "before_flush", _normalise_on_flush)
