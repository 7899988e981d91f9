"""Chinese (or English) text for the messages marshmallow and FAB's API write in English."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, request
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


#: FAB's own answers on a refused API request (its rison check, filters, order, JSON body,
#: sign-in) → ours. FAB repeats the refused input in some: it is never shown back.
_FAB = (
    (re.compile(r"Not a valid rison.*|Arguments are not correct", re.S),
     _l("The q argument is not valid.")),
    (re.compile(r"Filter column: .* not allowed to filter", re.S),
     _l("The list cannot be searched by this column.")),
    (re.compile(r"Invalid order by column: .*", re.S),
     _l("The list cannot be ordered by this column.")),
    (re.compile(r"ApplyFilterException.*", re.S),
     _l("The list cannot be searched with this value.")),
    (re.compile(r"\w+(Exception|Error)(: \w+)?"), _l("The q argument is not valid.")),
    (re.compile(r"Request (payload )?is not JSON|400 Bad Request: .*", re.S),
     _l("The request body must be JSON.")),
    (re.compile(r"Not authorized"),
     _l("Not signed in, or the user name or password is not correct.")),
    (re.compile(r"Forbidden"), _l("You do not have permission to do this.")),
    (re.compile(r"Not found"), _l("The page or record does not exist, or you may not see it.")),
    (re.compile(r"Fatal error"), _l("The system met an error. Please try again later; "
                                   "if it persists, tell the administrator.")),
)


def fab_message(text: str) -> str:
    """Our text for one of FAB's English API messages (others unchanged)."""
    for pattern, ours in _FAB:
        if pattern.fullmatch(text):
            return str(ours)
    return text


def _translate_fab(response: Any) -> Any:
    if response.status_code >= 400 and response.is_json and request.path.startswith("/api/"):
        body = response.get_json(silent=True)
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            translated = fab_message(body["message"])
            if translated != body["message"]:
                response.set_data(json.dumps({**body, "message": translated}))
    return response


def install(app: Flask) -> None:
    """Every JSON error of the API speaks the user's language, FAB's own included."""
    app.after_request(_translate_fab)
