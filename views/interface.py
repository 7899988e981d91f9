"""The data interface of every generated screen: FAB's SQLAlchemy interface, with the
portal's failure messages, deletes into the recycle bin and lists that load what they
show in one query per relation and count their rows up to a cap."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload, selectinload

from app import recycle
from app.integrity import friendly_db_error
from views.counting import PendingCount, cap, capped_count, capped_here, count_later
from views.search import PortalFilterConverter, in_list_order


class PortalInterface(SQLAInterface):
    """FAB's SQLAlchemy interface, raising :class:`UserFacingError` on database failures;
    a list page loads the relations it shows with its rows (no query per row) and counts
    them up to a cap (``views.counting``)."""

    filter_converter_class = PortalFilterConverter

    def __init__(self, obj: type, session: Any = None,
                 list_relations: Sequence[str] = ()) -> None:
        super().__init__(obj, session)
        self.list_relations = tuple(list_relations)

    def query(self, filters: Any = None, order_column: str = "", order_direction: str = "",
              page: int | None = None, page_size: int | None = None,
              select_columns: list[str] | None = None,
              outer_default_load: bool = False) -> tuple[int, list[Any]]:
        if capped_here(page_size, select_columns):  # an HTML list page
            return self._capped_query(filters, order_column, order_direction, page,
                                      page_size or 0)
        count, rows = super().query(filters, order_column, order_direction, page,
                                    page_size, select_columns, outer_default_load)
        if rows and self.list_relations and not select_columns:  # the page, not the API
            self._load_relations(rows)
        return count, rows

    def _eager(self) -> list[Any]:
        """Loader options of the listed relations: a single row (many-to-one) joined into
        the rows' own query, a collection in one more query."""
        options = []
        for name in self.list_relations:
            attribute = getattr(self.obj, name)
            options.append(selectinload(attribute) if attribute.property.uselist
                           else joinedload(attribute))
        return options

    def _capped_query(self, filters: Any, order_column: str, order_direction: str,
                      page: int | None, page_size: int) -> tuple[int, list[Any]]:
        """FAB's :meth:`query` of whole rows, its count capped (``views.counting``): the
        same filters (FAB's count applies the "inner" ones, as its rows query does), no
        ORDER BY in the count; the rows come with the relations the list shows. A page
        that counts later (:func:`count_later`) reads one row more than it shows instead."""
        query = self.session.query(self.obj)
        later = count_later(self.session, filters)
        count = 0 if later else self.capped_count(filters, page, page_size)
        # the page's ids first (an index read, even far down the list), then those rows
        # with their relations: a join done for 20 rows, not for every row skipped
        pk = self.get_pk()
        with in_list_order(self.obj, order_column, count, ((page or 0) + 1) * page_size):
            ids = self.apply_all(self.session.query(pk), filters, order_column,
                                 order_direction, *((None, None) if later else (page, page_size)))
            if later:  # FAB's pagination, with one row more
                ids = ids.offset((page or 0) * page_size).limit(page_size + 1)
            page_ids = ids.subquery()
        rows = self.apply_order_by(
            query.options(*self._eager()).join(page_ids, pk == list(page_ids.c)[0]),
            order_column, order_direction, aliases_mapping={}, add_pk=True).all()
        if not later:
            return count, rows
        shown, before = rows[:page_size], (page or 0) * page_size
        if len(rows) > page_size:
            return PendingCount(before + page_size + 1), shown
        if shown or not page:  # the last page: the count is known
            return before + len(shown), shown
        return self.capped_count(filters, page, page_size), shown  # beyond the last page

    def capped_count(self, filters: Any, page: int | None, page_size: int) -> int:
        """The rows ``filters`` let through, counted up to the cap of ``page``."""
        counted = self._apply_inner_all(self.session.query(self.obj), filters,
                                        aliases_mapping={})
        return capped_count(self.session, counted, cap(page, page_size))

    def _load_relations(self, rows: list[Any]) -> None:
        """Load the listed relations of ``rows`` in one query each (``selectinload`` on
        the rows already read: it fills what they have not loaded yet)."""
        mapper: Any = inspect(self.obj)
        pk = getattr(self.obj, mapper.get_property_by_column(mapper.primary_key[0]).key)
        ids = [mapper.primary_key_from_instance(row)[0] for row in rows]
        options = [selectinload(getattr(self.obj, name)) for name in self.list_relations]
        self.session.scalars(select(self.obj).where(pk.in_(ids)).options(*options)).all()

    def add(self, item: Any, commit: bool = True) -> None:
        try:
            super().add(item, commit)
        except SQLAlchemyError as err:
            raise friendly_db_error(err) from None

    def edit(self, item: Any, commit: bool = True) -> None:
        try:
            super().edit(item, commit)
        except DatabaseException as err:
            raise friendly_db_error(err.__cause__ or SQLAlchemyError()) from None

    def delete(self, item: Any, commit: bool = True) -> None:
        """Move ``item`` into the recycle bin (``app.recycle``); a refused delete leaves
        nothing behind."""
        self.delete_all([item], commit)

    def delete_all(self, items: list[Any], commit: bool = True) -> None:
        try:
            for item in items:
                recycle.discard(self.session, item)
            if commit:
                self.session.commit()
        except SQLAlchemyError as err:
            self.session.rollback()
            raise friendly_db_error(err) from None
