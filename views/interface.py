"""The data interface of every generated screen: FAB's SQLAlchemy interface, with the
portal's failure messages, deletes into the recycle bin and lists that load what they
show in one query per relation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from app import recycle
from app.integrity import friendly_db_error
from views.search import PortalFilterConverter


class PortalInterface(SQLAInterface):
    """FAB's SQLAlchemy interface, raising :class:`UserFacingError` on database failures;
    a list page loads the relations it shows with its rows (no query per row)."""

    filter_converter_class = PortalFilterConverter

    def __init__(self, obj: type, session: Any = None,
                 list_relations: Sequence[str] = ()) -> None:
        super().__init__(obj, session)
        self.list_relations = tuple(list_relations)

    def query(self, filters: Any = None, order_column: str = "", order_direction: str = "",
              page: int | None = None, page_size: int | None = None,
              select_columns: list[str] | None = None,
              outer_default_load: bool = False) -> tuple[int, list[Any]]:
        count, rows = super().query(filters, order_column, order_direction, page, page_size,
                                    select_columns, outer_default_load)
        if rows and self.list_relations and not select_columns:  # the page, not the API
            self._load_relations(rows)
        return count, rows

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
