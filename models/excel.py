"""Excel in and out: the log of every export and every import batch (for undo)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.meta import PortalModel, col
from models.mixins import utcnow

EXPORT_STATES = {"running": _l("Running"), "done": _l("Done"), "failed": _l("Failed")}


class ExportJob(PortalModel):
    """导出记录: who exported which rows (filters, count), and the file while it is kept."""

    __tablename__ = "export_job"
    __label__ = _l("Export log")
    __resource__ = "exportjob"
    __menu_group__ = "settings"
    __icon__ = "fa-file-export"
    __menu_order__ = 910
    __title_column__ = "resource_label"
    __readonly__ = True
    __audited__ = False
    __list_columns__ = ("started_at", "username", "resource_label", "filters", "rows",
                        "status")
    __search_columns__ = ("username", "resource", "status")
    __order__ = ("id", "desc")

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True,
                                                info=col(_l("Operator id")))
    username: Mapped[str] = mapped_column(String(128), info=col(_l("Operator")))
    resource: Mapped[str] = mapped_column(String(40), index=True, info=col(_l("Record type")))
    resource_label: Mapped[str] = mapped_column(String(60), info=col(_l("Records")))
    filters: Mapped[str | None] = mapped_column(Text, info=col(_l("Filters")))
    rows: Mapped[int] = mapped_column(Integer, default=0, info=col(_l("Rows")))
    total: Mapped[int | None] = mapped_column(Integer, info=col(_l("Rows to export")))
    status: Mapped[str] = mapped_column(String(20), default="running",
                                        info=col(_l("Status"), choices=EXPORT_STATES))
    file_key: Mapped[str | None] = mapped_column(String(64), info=col(_l("File")))
    error: Mapped[str | None] = mapped_column(String(300), info=col(_l("Error")))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True,
                                                    info=col(_l("Started at")))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime,
                                                            info=col(_l("Finished at")))


IMPORT_STATES = {"committed": _l("Imported"), "undone": _l("Undone")}


class ImportBatch(PortalModel):
    """导入批次: what one committed import created and changed, so it can be undone."""

    __tablename__ = "import_batch"
    __label__ = _l("Import batch")
    __resource__ = "importbatch"
    __menu_group__ = "settings"
    __icon__ = "fa-file-import"
    __menu_order__ = 920
    __title_column__ = "file_name"
    __readonly__ = True
    __audited__ = False
    __list_columns__ = ("committed_at", "username", "resource_label", "file_name",
                        "created_count", "updated_count", "status")
    __search_columns__ = ("username", "resource", "status")
    __order__ = ("id", "desc")

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True,
                                                info=col(_l("Operator id")))
    username: Mapped[str] = mapped_column(String(128), info=col(_l("Operator")))
    resource: Mapped[str] = mapped_column(String(40), index=True, info=col(_l("Record type")))
    resource_label: Mapped[str] = mapped_column(String(60), info=col(_l("Records")))
    file_name: Mapped[str] = mapped_column(String(200), info=col(_l("File")))
    created_count: Mapped[int] = mapped_column(Integer, default=0, info=col(_l("Created")))
    updated_count: Mapped[int] = mapped_column(Integer, default=0, info=col(_l("Updated")))
    #: ids of the rows the batch created, and the former values of the rows it changed
    created_ids: Mapped[list[Any]] = mapped_column(JSON, default=list,
                                                   info=col(_l("Records created")))
    previous: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict,
                                                     info=col(_l("Former values")))
    status: Mapped[str] = mapped_column(String(20), default="committed",
                                        info=col(_l("Status"), choices=IMPORT_STATES))
    committed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True,
                                                      info=col(_l("Imported at")))
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime,
                                                          info=col(_l("Undone at")))
