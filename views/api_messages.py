"""Chinese (or English) text for the validation messages marshmallow writes in English."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

_EXACT = {
    "Missing data for required field.": _l("This field is required."),
    "Field may not be null.": _l("This field may not be empty."),
    "Not a valid integer.": _l("Please enter a whole number."),
    "Not a valid number.": _l("Please enter a number."),
    "Not a valid string.": _l("Please enter text."),
    "Not a valid boolean.": _l("Please enter true or false."),
    "Not a valid date.": _l("Please enter a date such as 2026-11-23."),
    "Not a valid datetime.": _l("Please enter a date and time such as 2026-11-23 09:30."),
    "Unknown field.": _l("Unknown field."),
    "Related object doesn't exist in DB": _l("The chosen record does not exist."),
    "Invalid input type.": _l("Invalid input type."),
}
_LENGTH = re.compile(r"Longer than maximum length (\d+)\.")


def _one(message: Any) -> Any:
    if isinstance(message, dict):
        return {k: _one(v) for k, v in message.items()}
    if isinstance(message, list):
        return [_one(m) for m in message]
    text = str(message)
    if text in _EXACT:
        return str(_EXACT[text])
    match = _LENGTH.fullmatch(text)
    if match:
        return _("At most %(n)s characters.", n=match.group(1))
    if text.startswith("Must be one of"):
        return _("Not a valid choice")
    return text


def translate_errors(messages: Any) -> Any:
    """The same structure as ``messages``, with every known English message translated."""
    return _one(messages)
