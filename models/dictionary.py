"""Dictionaries (代码表): code lists such as partner-unit types, editable in the UI."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.meta import PortalModel, col
from models.mixins import AuditMixin, VersionMixin

#: The kinds of dictionary; a relationship names its kind in ``info["dict_kind"]``.
DICT_KINDS = {
    "unit_type": _l("Partner unit type"),
    "org_grade": _l("Social organisation grade"),
    "demand_category": _l("Demand category"),
    "request_category": _l("Request category"),
    "dispute_type": _l("Dispute type"),
}


class DictItem(AuditMixin, VersionMixin, PortalModel):
    """One entry of a dictionary, e.g. 学校 in the kind 共建单位类型."""

    __tablename__ = "dict_item"
    __table_args__ = (UniqueConstraint("kind", "name", name="uq_dict_item_kind_name"),)
    __label__ = _l("Dictionary entry")
    __resource__ = "dictitem"
    __natural_key__ = ("kind", "name")
    __menu_group__ = "settings"
    __icon__ = "fa-book"
    __list_columns__ = ("kind", "name", "code", "sort_order", "active")
    __search_columns__ = ("kind", "name", "code", "active")
    __form_columns__ = ("kind", "name", "code", "sort_order", "active", "note")
    __order__ = ("sort_order", "asc")

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(
        String(40), index=True, info=col(_l("Dictionary"), choices=DICT_KINDS)
    )
    name: Mapped[str] = mapped_column(String(100), info=col(_l("Name")))
    code: Mapped[str | None] = mapped_column(String(40), info=col(_l("Code")))
    sort_order: Mapped[int] = mapped_column(Integer, default=0, info=col(_l("Sort order")))
    active: Mapped[bool] = mapped_column(Boolean, default=True, info=col(_l("In use")))
    note: Mapped[str | None] = mapped_column(String(500), info=col(_l("Note")))
