"""Capped record counts for the list pages: a count that costs the same on a table of a
thousand rows as on one of a million.

A list page shows 20 rows but FAB counts every row its search and the user's scope let
through (``count(*)`` over the whole set, which grows with the table). The pages count at
most :func:`cap` + 1 rows instead (``SELECT count(*) FROM (SELECT 1 … LIMIT cap+1)``):
below the cap the count is exact; at cap + 1 the page says "10,000+ records". Since
FAB computes the page links from the count, cap + 1 still offers the next page, and the
cap follows the page being read (:data:`PAGES_AHEAD` pages beyond it are always counted).

The REST API keeps FAB's exact count: only requests served by an HTML model view (a
``ModelView``: its list, and the related lists of its show and edit pages) are capped.

A substring search on PostgreSQL shows its rows first and its count after
(:func:`count_later`): the trigram index only finds candidates, so each match is checked in
the table, and counting 10,000 of them takes 30 ms or more where the page's 20 rows take
2. The page then reads one row more than it shows; when more rows follow, its count is a
:class:`PendingCount` and the browser asks the list's ``list/count/`` address for the capped
count (``views.list_count``, ``app/static/js/list_count.js``). On SQLite the FTS5 index
counts the matches by itself: the count stays on the page.
"""

from __future__ import annotations

from typing import Any, cast

from flask import has_request_context, request
from flask_appbuilder.baseviews import BaseModelView
from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy import Select, func, literal_column, select
from sqlalchemy.orm import Query, Session

from app.bad_input import answering_view
from views.search import FilterSubstring

#: rows counted at most on any list page, before :data:`PAGES_AHEAD`
COUNT_CAP = 10_000
#: pages beyond the one being read that are always reachable (counted exactly)
PAGES_AHEAD = 10


class CappedCount(int):
    """The count of a list that has more than :attr:`cap` rows. Its value is ``cap + 1``,
    so FAB's pagination offers a page beyond the cap; templates test ``count.capped``
    (a plain ``int`` has no such attribute: undefined, false)."""

    capped = True

    @property
    def cap(self) -> int:
        return int(self) - 1

    @property
    def shown(self) -> str:
        """The cap as the reader's locale writes numbers (``10,000``)."""
        return format_number(self.cap)

    @property
    def text(self) -> str:
        """What the list header says: "10,000+ 条"."""
        return _("%(count)s+ records", count=self.shown)

    @property
    def title(self) -> str:
        """Its tooltip: why the count stops there."""
        return _("Records are counted up to %(count)s only, so that the list opens "
                 "quickly; the following pages are still there.", count=self.shown)


class PendingCount(int):
    """The count of a list page that left its counting to a second request
    (:func:`count_later`). Its value is the rows up to this page's end plus one, since more
    follow: FAB's pagination offers the next page. Templates test ``count.pending``."""

    pending = True


def count_later(session: Session, filters: Any) -> bool:
    """Whether this list page leaves its count to a second request: a substring search
    (:class:`views.search.FilterSubstring`) on PostgreSQL, on the list page itself."""
    if session.get_bind().dialect.name == "sqlite" or not has_request_context():
        return False
    view = answering_view()
    if request.endpoint != f"{getattr(view, 'endpoint', None)}.list" \
            or not hasattr(view, "list_count"):  # its count has an address to come from
        return False
    return any(isinstance(flt, FilterSubstring) and _words(value)
               for flt, value in zip(filters.filters, filters.values, strict=False))


def _words(value: Any) -> bool:
    """Whether a filter's value (FAB keeps a list: the address may repeat an argument)
    holds anything but blanks."""
    values = value if isinstance(value, list | tuple) else [value]
    return any(str(item or "").strip() for item in values)


def cap(page: int | None, page_size: int) -> int:
    """The most rows counted for ``page`` (0-based) of ``page_size`` rows."""
    return max(COUNT_CAP, ((page or 0) + PAGES_AHEAD) * page_size)


def capped_here(page_size: int | None, select_columns: Any) -> bool:
    """Whether a list query counts up to a cap: a paginated query of whole rows (the API's
    ``get_list`` selects columns) in a request answered by an HTML model view — not by the
    REST API, whose other paginated queries (FAB's ``related`` endpoint) take whole rows
    too."""
    if not page_size or select_columns or not has_request_context():
        return False
    return isinstance(answering_view(), BaseModelView)


def capped_count(session: Session, query: Query[Any], limit: int) -> int:
    """The rows of ``query`` (filtered, not ordered) counted up to ``limit`` + 1, in one
    statement; a :class:`CappedCount` when there are more than ``limit``.

    The inner select keeps the model's table as its FROM (``maintain_column_froms``), so
    it stays an ORM select of the model: the session's scope criteria apply inside it.
    """
    rows = cast(Select[Any], query.statement)
    inner = (rows.with_only_columns(literal_column("1"), maintain_column_froms=True)
             .order_by(None).limit(limit + 1).subquery())
    count = session.execute(select(func.count()).select_from(inner)).scalar_one()
    return CappedCount(count) if count > limit else count
