"""Values in and out of spreadsheet cells: formula-safe text on export, and forgiving
parsing on import (full-width characters, Excel's date serials, 是/否, float phone numbers).

Every parser returns None for an empty cell and raises :class:`CellError`, whose message is
written for community staff, for a value it cannot read.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

#: Text starting with one of these could run as a formula in Excel or WPS.
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
#: Excel serial numbers of 1900-01-01 and 9999-12-31 (1900 date system).
FIRST_SERIAL, LAST_SERIAL = 1, 2958465

NOT_DATE = _l("Please write the date like 2024-03-05.")
NOT_DATETIME = _l("Please write the date and time like 2024-03-05 09:30.")
NO_SUCH_DATE = _l("This date does not exist. Please check the year, month and day.")
NOT_INT = _l("Please enter a whole number, such as 12.")
NOT_NUMBER = _l("Please enter a number, such as 12.5.")
NOT_BOOL = _l("Please write 是 or 否.")

_INVISIBLE = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x1C), 0x7F,
                            0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF])
#: full-width digits, Latin letters and the ideographic space (typed by accident with a
#: Chinese input method) → ASCII; full-width punctuation is left as written
_WIDE = {**{code: code - 0xFEE0 for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B),
                                           *range(0xFF41, 0xFF5B))}, 0x3000: 0x20}
_DASHED = re.compile(r"(\d{4}) ?([-/.]) ?(\d{1,2}) ?\2 ?(\d{1,2})")
_CHINESE = re.compile(r"(\d{4}) ?年 ?(\d{1,2}) ?月 ?(\d{1,2}) ?[日号]?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_WITH_TIME = re.compile(r"(.*?)(?:[ T]+|(?<=[日号]))(\d{1,2}):(\d{2})(?::(\d{2}))?")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】")
_TRUE = frozenset({"是", "有", "√", "✓", "✔", "y", "yes", "true", "1"})
_FALSE = frozenset({"否", "无", "没有", "×", "✗", "✘", "n", "no", "false", "0"})


class CellError(ValueError):
    """A cell value that cannot be read; ``message`` tells the user what to write."""

    def __init__(self, message: str | LazyString) -> None:
        super().__init__(message)
        self.message = message


def neutralise(value: object) -> object:
    """``value`` for an exported cell: text that could run as a formula gets a leading
    apostrophe, so that Excel and WPS show it as text."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


def restore(value: object) -> object:
    """The inverse of :func:`neutralise`, for an imported cell."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(DANGEROUS):
        return value[1:]
    return value


def _float_text(value: float) -> str:
    """A float as Excel shows it (15 significant digits), never in scientific notation."""
    if not math.isfinite(value):
        return str(value)
    number = Decimal(format(value, ".15g"))
    if number == number.to_integral_value():
        return str(int(number))
    return format(number, "f")


def clean_text(value: object) -> str | None:
    """``value`` as tidy text: NFKC-normalised (half-width digits, letters and spaces),
    invisible characters removed, whitespace collapsed; None when empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float):
        text = _float_text(value)
    elif isinstance(value, Decimal):
        text = format(value, "f")
    elif isinstance(value, dt.datetime):
        text = value.strftime("%Y-%m-%d" if value.time() == dt.time() else "%Y-%m-%d %H:%M:%S")
    elif isinstance(value, dt.date | dt.time):
        text = value.isoformat()
    else:
        text = str(value)
    text = unicodedata.normalize("NFKC", text.translate(_INVISIBLE))
    return " ".join(text.split()) or None


def free_text(value: object) -> str | None:
    """``value`` as written text (names, notes, addresses): as typed — Chinese
    punctuation and line breaks kept — only invisible characters dropped and the ends
    trimmed; numbers as Excel shows them. None when empty."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.replace("\r\n", "\n").translate(_INVISIBLE).translate(_WIDE)
        return text.strip() or None
    return clean_text(value)


def _serial(value: float, message: LazyString) -> dt.datetime:
    """The date and time of an Excel serial number (1900 date system)."""
    if not FIRST_SERIAL <= value < LAST_SERIAL + 1:
        raise CellError(message)
    days = int(value)
    if days == 60:  # 1900-02-29: Excel's deliberate leap-year bug
        raise CellError(NO_SUCH_DATE)
    base = dt.datetime(1899, 12, 31 if days < 60 else 30)
    try:
        return base + dt.timedelta(days=days, seconds=round((value - days) * 86400))
    except OverflowError:
        raise CellError(message) from None


def _when(value: object, message: LazyString) -> dt.datetime | None:
    """A naive datetime from a cell (midnight when it holds a date only)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise CellError(message)
    if isinstance(value, int | float | Decimal):
        if not math.isfinite(value):
            raise CellError(message)
        if value == int(value) and 10000101 <= value <= 99991231:  # 20240305 typed as number
            return _when(str(int(value)), message)
        return _serial(float(value), message)
    text = clean_text(value)
    if text is None:
        return None
    clock = (0, 0, 0)
    timed = _WITH_TIME.fullmatch(text)
    if timed:
        text = timed.group(1)
        clock = (int(timed.group(2)), int(timed.group(3)), int(timed.group(4) or 0))
    found = _DASHED.fullmatch(text) or _CHINESE.fullmatch(text) or _COMPACT.fullmatch(text)
    if found is None:
        raise CellError(message)
    parts = [p for p in found.groups() if p.isdigit()]  # not the separator of _DASHED
    try:
        day = dt.date(*(int(p) for p in parts))
    except ValueError:
        raise CellError(NO_SUCH_DATE) from None
    try:
        return dt.datetime.combine(day, dt.time(*clock))
    except ValueError:
        raise CellError(message) from None


def parse_date(value: object) -> dt.date | None:
    """The date in a cell: a date, an Excel serial number, or text such as 2024-3-5,
    2024/3/5, 2024.3.5, 2024年3月5日 (or 号) and 20240305. A time of day is dropped."""
    when = _when(value, NOT_DATE)
    return None if when is None else when.date()


def parse_datetime(value: object) -> dt.datetime | None:
    """The naive date and time in a cell: as :func:`parse_date`, plus a time such as
    2024-03-05 09:30 or 2024/3/5 9:30:15, or the fraction of an Excel serial."""
    return _when(value, NOT_DATETIME)


def _decimal(value: object, message: LazyString) -> Decimal | None:
    """The exact number in a cell; floats are read as Excel shows them (15 digits)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError(message)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError(message)
        return Decimal(format(value, ".15g"))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise CellError(message)
        return value
    if not isinstance(value, str):
        raise CellError(message)
    text = clean_text(value)
    if text is None:
        return None
    text = text.replace("\u2212", "-")  # the minus sign some programs write
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    if len(text) > 40 or not _NUMBER.fullmatch(text):
        raise CellError(message)
    return Decimal(text)


def parse_int(value: object) -> int | None:
    """The whole number in a cell (12, 12.0, "１２", "1,200")."""
    number = _decimal(value, NOT_INT)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise CellError(NOT_INT)
    return int(number)


def parse_decimal(value: object, places: int | None = None) -> Decimal | None:
    """The number in a cell as a Decimal; with ``places``, it may have at most that many
    decimal places and comes back with exactly that many (12.5 → 12.50)."""
    number = _decimal(value, NOT_NUMBER)
    if number is None:
        return None
    exponent = number.as_tuple().exponent
    if places is None and isinstance(exponent, int) and exponent <= 0:
        return number
    step = Decimal(1).scaleb(-(places or 0))
    try:
        rounded = number.quantize(step)
    except InvalidOperation:
        raise CellError(NOT_NUMBER) from None
    if places is not None and rounded != number:
        if places == 0:
            raise CellError(NOT_INT)
        raise CellError(_l("Please enter a number with at most %(places)s decimal places.",
                           places=places))
    return rounded


def parse_bool(value: object) -> bool | None:
    """Yes or no from a cell: 是/否, 有/无, √/×, ✓, Y/N, yes/no, true/false, 1/0."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal) and value in (0, 1):
        return bool(value)
    if not isinstance(value, str):
        raise CellError(NOT_BOOL)
    text = clean_text(value)
    if text is None:
        return None
    key = text.lower()
    if key in _TRUE or key in _FALSE:
        return key in _TRUE
    raise CellError(NOT_BOOL)


def header_key(text: object) -> str:
    """A header cell for matching: no spaces, hints in brackets or the ``*`` of a required
    column, ASCII in lower case (" 手机号（必填）*" → "手机号")."""
    if text is None:
        return ""
    key = "".join((clean_text(text) or "").split())
    changed = 1
    while changed:  # inner brackets first: "(a(b))"
        key, changed = _BRACKETED.subn("", key)
    key = key.strip("*")
    return "".join(c.lower() if c.isascii() else c for c in key)
