"""The ``list/count/`` address of every generated list: the capped count of the list with
the search, page and page size in its address, for a page that showed its rows first
(``views.counting.count_later``; ``app/static/js/list_count.js`` asks for it and redraws
the page links). The same permission as the list (``can_read``), the same filters, base
filters and scope, so it counts exactly the rows the list would show."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args, get_page_args, get_page_size_args

from views.counting import CappedCount


class ListCount:
    """Mixin of ``views.base.PortalModelView``: the ``list/count/`` address."""

    @expose("/list/count/")
    @has_access
    def list_count(self) -> Any:
        """``{"count", "pages", "page", "text", "title"}``: the capped count, the pages it
        makes, the page being read (0-based) and the words the list header shows."""
        view: Any = self
        name = type(self).__name__
        page = get_page_args().get(name) or 0
        page_size = get_page_size_args().get(name) or view.page_size
        get_filter_args(view._filters)
        filters = view._filters.get_joined_filters(view._base_filters)
        count = view.datamodel.capped_count(filters, page, page_size)
        capped = isinstance(count, CappedCount)  # its words as the list header's
        return jsonify(count=int(count), page=page, pages=-(-int(count) // page_size),
                       text=count.text if capped else str(int(count)),
                       title=count.title if capped else "")
