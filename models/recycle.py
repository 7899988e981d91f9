"""回收站: what a delete keeps, so that staff can undo it within ``TONGXIN_RECYCLE_DAYS``.

A delete moves the row out of its table (``app.recycle``): one :class:`RecycleItem` says
what was deleted, when, by whom and where; :data:`recycle_snapshot` holds the row's values,
its many-to-many links and the rows deleted with it, as JSON. The snapshot is a table no
class maps, so no generated screen, API or export can show it unmasked; the detail page
shows it through ``app.recycle``. The scope columns copy the place of the deleted row, so
the bin is searched through the same scope criteria as every list. No foreign keys: an
item outlives the rows and users it names.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.meta import PortalModel, col
from models.mixins import PlaceCopy, utcnow


class RecycleItem(PlaceCopy, PortalModel):
    """回收站: one deleted record (with the rows deleted along with it)."""

    __tablename__ = "recycle_item"
    __label__ = _l("Recycle bin")
    __resource__ = "recycleitem"
    __menu_group__ = "settings"
    __icon__ = "fa-trash-restore"
    __menu_order__ = 880
    __title_column__ = "label"
    __readonly__ = True
    __audited__ = False
    __list_columns__ = ("deleted_at", "deleted_by_name", "resource_label", "label",
                        "expires_on")
    #: what the detail page and the API show (never a form: the bin is read-only)
    __form_columns__ = ("resource_label", "label", "record_id", "deleted_at",
                        "deleted_by_name")
    __search_columns__ = ("resource_label", "label", "deleted_by_name", "deleted_at")
    __order__ = ("deleted_at", "desc")
    __table_args__ = (Index("ix_recycle_item_record", "resource", "record_id"),)


    id: Mapped[int] = mapped_column(primary_key=True)
    resource: Mapped[str] = mapped_column(String(40), info=col(_l("Record type code")))
    resource_label: Mapped[str] = mapped_column(String(60), info=col(_l("Record type")))
    record_id: Mapped[int] = mapped_column(Integer, info=col(_l("Record number")))
    label: Mapped[str] = mapped_column(String(300), info=col(_l("Deleted record")))
    deleted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True,
                                                    info=col(_l("Deleted on")))
    deleted_by_id: Mapped[int | None] = mapped_column(Integer,
                                                      info=col(_l("Deleted by (id)")))
    deleted_by_name: Mapped[str | None] = mapped_column(String(128),
                                                        info=col(_l("Deleted by")))
    #: the last day it can be restored (the portal's calendar); shown with the days left
    expires_on: Mapped[dt.date] = mapped_column(
        Date, default=lambda: utcnow().date(), index=True,  # set by app.recycle
        info=col(_l("Restorable until"), due=True, formatter="views.recycle:format_expiry"))


#: JSON of the deleted rows (see ``app.recycle``), one per item; read and written with Core.
recycle_snapshot = Table(
    "recycle_snapshot",
    PortalModel.metadata,
    Column("item_id", ForeignKey("recycle_item.id", ondelete="CASCADE"), primary_key=True),
    Column("data", Text, nullable=False),
)
