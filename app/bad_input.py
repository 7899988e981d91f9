"""Arguments no page can use are refused before any query runs (never a 500).

FAB turns a list's ``page_…``/``psize_…`` arguments into integers without a check, and
passes a record id from the address straight to the database: ``psize_…=abc`` or a page
or id beyond what a database integer holds made it fail, and on PostgreSQL a text id
(``/street/show/abc``) aborts the transaction. FAB's row action (``…/action/<name>/<pk>``)
calls an action meant for several rows with one. A search on a related record looks the
value up as it is (``_flt_0_community=abc`` failed on PostgreSQL), and a list of values
where one is expected failed too. Here such a request is answered first: a paging or
search argument no query can use is a 400, an id that cannot exist or a row action the
view has not is a 404, and an API ``q`` that is not rison (or JSON), asks for an
impossible page or search, is a 400 in Chinese.
"""

from __future__ import annotations

import json
import re
from typing import Any

import prison
from flask import Flask, abort, current_app, request
from flask_appbuilder.models.filters import FilterRelation
from flask_babel import gettext as _
from sqlalchemy import inspect

#: largest id of an ``Integer`` primary key (PostgreSQL ``integer``)
MAX_ID = 2**31 - 1
#: largest page number or page size anyone may ask for
MAX_PAGING = 1_000_000
#: FAB reads every argument containing ``page_`` or ``psize_`` as a number
_PAGING_ARG = re.compile(r"page_|psize_")
_DIGITS = re.compile(r"\d{1,7}")
_ID = re.compile(r"\d{1,10}")
#: a list page's search argument: ``_flt_<operation>_<column>`` (FAB reads one digit)
_SEARCH_ARG = re.compile(r"_flt_(\d)_(.+)")
#: the operations that take several values
_MANY = ("in", "not_in")


def answering_view() -> Any:
    """The FAB view or API answering this request (None for plain routes)."""
    views = current_app.extensions.setdefault("tx_views_by_blueprint", {})
    if not views:
        for view in current_app.appbuilder.baseviews:  # type: ignore[attr-defined]
            if getattr(view, "blueprint", None) is not None:
                views[view.blueprint.name] = view
    return views.get(request.blueprint)


def _integer_key() -> bool:
    """Whether this request's view shows a model with one integer primary key."""
    model = getattr(getattr(answering_view(), "datamodel", None), "obj", None)
    keys = inspect(model).primary_key if isinstance(model, type) else ()
    return len(keys) == 1 and keys[0].type.python_type is int


def _bad_row_action() -> bool:
    """A row action (``…/action/<name>/<pk>``) the view does not offer for one row."""
    if not (request.endpoint or "").endswith(".action"):
        return False
    action = getattr(answering_view(), "actions", {}).get((request.view_args or {}).get("name"))
    return action is None or not action.single


def _bad_id(name: str, value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return not 0 <= value <= MAX_ID
    if name == "pk" and isinstance(value, str) and _integer_key():
        return not (_ID.fullmatch(value) and int(value) <= MAX_ID)
    return False


def _is_id(value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return 0 <= value <= MAX_ID
    return isinstance(value, str) and bool(_ID.fullmatch(value)) and int(value) <= MAX_ID


def _bad_value(search: Any, value: Any) -> bool:
    """A search value its operation cannot use: a related record named by anything but
    an id (FAB looks it up as it is), several values where one is expected, or text with
    a NUL character (no database stores one)."""
    if isinstance(value, str) and "\x00" in value:
        return True
    if isinstance(search, FilterRelation):
        return not all(_is_id(v) for v in (value if isinstance(value, list) else [value]))
    return isinstance(value, list | dict) and search.arg_name not in _MANY


def _searches() -> dict[str, list[Any]]:
    """The searches this request's list or API offers, by column."""
    filters = getattr(answering_view(), "_filters", None)
    return filters.get_search_filters() if filters is not None else {}


def _bad_page_search() -> bool:
    searches = None
    for key, value in request.args.items(multi=True):
        match = _SEARCH_ARG.fullmatch(key)
        if match is None:
            continue
        searches = _searches() if searches is None else searches
        options = searches.get(match[2], [])
        if int(match[1]) < len(options) and _bad_value(options[int(match[1])], value):
            return True
    return False


def _bad_api_search(args: dict[str, Any]) -> bool:
    items = args.get("filters")
    searches = _searches()
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            search = next((s for s in searches.get(item.get("col"), [])
                           if s.arg_name == item.get("opr")), None)
            if search is not None and _bad_value(search, item.get("value")):
                return True
    return False


def _bad_paging(value: Any) -> bool:
    return not (isinstance(value, int) and not isinstance(value, bool)
                and 0 <= value <= MAX_PAGING)


def _q_refusal() -> Any:
    """The 400 answer to an API ``q`` that cannot be read, else None."""
    text = request.args.get("q")
    if not text:
        return None
    try:
        args = prison.loads(text)
    except Exception:  # noqa: BLE001  (prison raises several kinds, even RecursionError)
        args = None
        if current_app.config.get("FAB_API_ALLOW_JSON_QS", True):
            try:
                args = json.loads(text)
            except ValueError:
                args = None
        if args is None:
            return {"message": _("The q argument is not valid.")}, 400
    if not isinstance(args, dict):
        return None  # FAB refuses it
    if any(_bad_paging(args[key]) for key in ("page", "page_size") if key in args):
        return {"message": _("The page number or page size is not valid.")}, 400
    if _bad_api_search(args):
        return {"message": _("The list cannot be searched with this value.")}, 400
    return None


def _refuse_impossible_input() -> Any:
    if any(_bad_id(name, value) for name, value in (request.view_args or {}).items()) \
            or _bad_row_action():
        abort(404)
    if any(_PAGING_ARG.search(key) and not _DIGITS.fullmatch(value)
           for key, value in request.args.items(multi=True)) or _bad_page_search():
        abort(400)
    if request.path.startswith("/api/"):
        return _q_refusal()
    return None


def install(app: Flask) -> None:
    """Check the arguments of every request of ``app`` before its view runs."""
    app.before_request(_refuse_impossible_input)
