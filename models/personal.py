"""The log of every reveal of personal data: who, when, which record, why. Append-only."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.meta import PortalModel, col
from models.mixins import utcnow


class PersonalDataAccess(PortalModel):
    """查看完整个人信息的记录."""

    __tablename__ = "personal_data_access"
    __label__ = _l("Personal data reveal log")
    __resource__ = "personaldataaccess"
    __menu_group__ = "settings"
    __icon__ = "fa-user-shield"
    __menu_order__ = 910
    __title_column__ = "reason"
    __readonly__ = True
    __append_only__ = True
    __audited__ = False
    __list_columns__ = ("at", "actor_name", "resource", "record_id", "reason")
    __search_columns__ = ("actor_name", "resource", "record_id")
    __order__ = ("id", "desc")

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, info=col(_l("Operator id")))
    actor_name: Mapped[str] = mapped_column(String(128), info=col(_l("Operator")))
    resource: Mapped[str] = mapped_column(String(40), index=True, info=col(_l("Record type")))
    record_id: Mapped[int] = mapped_column(Integer, index=True, info=col(_l("Record number")))
    reason: Mapped[str] = mapped_column(String(300), info=col(_l("Reason")))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True,
                                            info=col(_l("Time")))
