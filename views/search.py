"""Substring search that scales, for Chinese text too: the search form's "contains" on a
column marked ``fulltext`` (``models.meta.col``) goes through a trigram index.

On SQLite the index is an FTS5 table with the trigram tokenizer beside the column's table
(``<table>_<column>_fts``, kept current by triggers; migration ``e1f0c3a20001``); words
of three characters or more are looked up there. On PostgreSQL the column has a
``pg_trgm`` GIN index, which serves FAB's ``ILIKE '%…%'`` as it is (CJK needs a database
whose ``LC_CTYPE`` is a UTF-8 one, such as ``C.UTF-8``). One or two characters cannot
use a trigram: those searches scan, as before, and still find every row.

A word found in many rows is looked up the other way round for the page's rows
(:func:`in_list_order`): SQLite reads the scope's rows in the list's order, through the
index of that order, and keeps those that hold the word, instead of sorting every match
to show 20 (the count still goes through FTS5).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask_appbuilder.models.sqla.filters import (
    FilterContains,
    SQLAFilterConverter,
    get_field_setup_query,
)
from sqlalchemy import bindparam, inspect, literal_column, select, table, text

#: the shortest word a trigram index can look up
TRIGRAM = 3
#: matches per row shown from which a page's rows are read in the list's order: that
#: read then passes over about 1 row in ``WALK_RATIO`` of the scope, or fewer
WALK_RATIO = 50

_walking: ContextVar[bool] = ContextVar("tx_search_walk", default=False)


def _order_indexed(model: type, column: str) -> bool:
    """Whether an index of ``model``'s table can give its rows ordered by ``column``
    (the key, or the first or second column of an index: after a scope's key)."""
    table_: Any = inspect(model).local_table
    found = table_.columns.get(column)
    if found is None:
        return False
    return found.primary_key or any(found in list(index.columns)[:2]
                                    for index in table_.indexes)


@contextmanager
def in_list_order(model: type, order_column: str, matches: int,
                  rows_needed: int) -> Iterator[None]:
    """Within: the word is checked on the rows read in the list's order, rather than
    looked up first, when ``matches`` (counted) is at least :data:`WALK_RATIO` × the rows
    the page needs (a common word: its rows come early in any order) and an index gives
    that order. A rare word, or an order no index gives, keeps the lookup first."""
    walk = matches >= WALK_RATIO * rows_needed and _order_indexed(model, order_column)
    token = _walking.set(walk)
    try:
        yield
    finally:
        _walking.reset(token)


def is_fulltext(model: type, column: str) -> bool:
    """Whether ``model.column`` is searched through a trigram index."""
    found = inspect(model).columns.get(column)
    return found is not None and bool(found.info.get("fulltext"))


def fts_table(table_name: str, column: str) -> str:
    """The FTS5 table that indexes ``table_name.column`` on SQLite."""
    return f"{table_name}_{column}_fts"


class FilterSubstring(FilterContains):
    """包含 on a ``fulltext`` column: FTS5 on SQLite for words of three characters or more
    (unless :func:`in_list_order` says to check the rows read); otherwise ``ILIKE``
    (served by the ``pg_trgm`` index on PostgreSQL). Both look up the words as typed,
    without the spaces around them; ``%`` and ``_`` are plain characters."""

    def apply(self, query: Any, value: Any) -> Any:
        word = str(value or "").strip()
        if (len(word) < TRIGRAM or _walking.get()
                or query.session.get_bind().dialect.name != "sqlite"):
            # the same words as the index looks up: % and _ are characters, not wildcards
            query, field = get_field_setup_query(query, self.model, self.column_name)
            literal = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            return query.filter(field.ilike(f"%{literal}%", escape="\\"))
        name = fts_table(self.model.__tablename__, self.column_name)
        phrase = '"' + word.replace('"', '""') + '"'  # the word as it is, not FTS syntax
        found = select(literal_column("rowid")).select_from(table(name)).where(
            text(f'"{name}" MATCH :phrase').bindparams(
                bindparam("phrase", phrase, unique=True)))
        mapper: Any = inspect(self.model)
        pk = getattr(self.model, mapper.get_property_by_column(mapper.primary_key[0]).key)
        return query.filter(pk.in_(found))


class PortalFilterConverter(SQLAFilterConverter):
    """FAB's filters of a column, with "contains" through the index on ``fulltext`` ones
    (same place in the list, so search addresses do not change). Each interface's are
    made once: FAB makes the filters of every column three times per list page, and
    a filter keeps nothing of the request (only its column and model)."""

    def convert(self, col_name: str) -> Any:
        made = self.datamodel.__dict__.setdefault("_tx_filters", {})
        if col_name not in made:
            made[col_name] = self._convert(col_name)
        filters = made[col_name]
        return list(filters) if filters else filters  # FAB may add to the list it gets

    def _convert(self, col_name: str) -> Any:
        filters = super().convert(col_name)
        if not filters or not is_fulltext(self.datamodel.obj, col_name):
            return filters
        return [FilterSubstring(col_name, self.datamodel) if type(f) is FilterContains else f
                for f in filters]
