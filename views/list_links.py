"""Links to a generated list page with its search filters already set: the same
``_flt_<n>_<column>=<value>`` arguments FAB's search form sends, so the user lands on the
list with the filters shown and can change them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from flask import current_app
from flask_appbuilder import ModelView
from flask_appbuilder.models.filters import BaseFilter

from models.meta import PortalModel

#: one condition: (column or relation, FAB filter class, value)
Condition = tuple[str, type[BaseFilter], Any]


def _view_of(model: type) -> ModelView | None:
    for view in current_app.appbuilder.baseviews:  # type: ignore[attr-defined]
        if isinstance(view, ModelView) and view.datamodel.obj is model:
            return view
    return None


def filter_index(model: type, column: str, kind: type[BaseFilter]) -> int | None:
    """Position of the filter ``kind`` among those FAB's search form offers on ``column``."""
    view = _view_of(model)
    if view is None:
        return None
    offered = view._filters.get_search_filters().get(column, [])
    return next((i for i, f in enumerate(offered) if type(f) is kind), None)


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def filtered_list_url(model: type[PortalModel], conditions: Sequence[Condition]) -> str | None:
    """The list of ``model`` filtered by ``conditions``; None when its search form cannot
    express one of them (then no link is better than a link to the wrong rows)."""
    args = []
    for column, kind, value in conditions:
        index = filter_index(model, column, kind)
        if index is None:
            return None
        args.append((f"_flt_{index}_{column}", _text(value)))
    query = f"?{urlencode(args)}" if args else ""
    return f"/{model.__resource__}/list/{query}"
