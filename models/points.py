"""Points (积分): rules, the append-only ledger, balances, the points shop.

A balance belongs to a partner unit (co-building work) or to a volunteer (approved
volunteer hours); both are kept in the same ledger.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from models.dictionary import DictItem
from models.meta import PortalModel, col
from models.mixins import AuditMixin, StreetKey, UnitKey, VersionMixin, utcnow

RULE_TARGETS = {"worklog": _l("Approved work log"),
                "volunteer": _l("Approved volunteer hours")}


class PointsRule(AuditMixin, VersionMixin, PortalModel):
    """积分规则: points for an approved work log (by demand category) or for approved
    volunteer hours — data, not code."""

    __tablename__ = "points_rule"
    __label__ = _l("Points rule")
    __resource__ = "pointsrule"
    __natural_key__ = ("name",)
    __menu_group__ = "points"
    __icon__ = "fa-balance-scale"
    __menu_order__ = 30
    __title_column__ = "name"
    __list_columns__ = ("name", "applies_to", "category", "per_log", "per_hour", "cap",
                        "active")
    __search_columns__ = ("name", "applies_to", "category", "active")
    __form_columns__ = ("name", "applies_to", "category", "per_log", "per_hour", "cap",
                        "active", "note")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True, info=col(_l("Name")))
    applies_to: Mapped[str] = mapped_column(String(20), default="worklog",
                                            info=col(_l("Earned for"), choices=RULE_TARGETS))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("dict_item.id"), unique=True,
                                                    info=col(_l("Category")))
    category: Mapped[DictItem | None] = relationship(
        info=col(_l("Category"), dict_kind="demand_category"))
    per_log: Mapped[int] = mapped_column(Integer, default=0,
                                         info=col(_l("Points per record")))
    per_hour: Mapped[int] = mapped_column(Integer, default=0, info=col(_l("Points per hour")))
    cap: Mapped[int] = mapped_column(Integer, default=100, info=col(_l("Cap per record")))
    active: Mapped[bool] = mapped_column(Boolean, default=True, info=col(_l("In use")))
    note: Mapped[str | None] = mapped_column(String(300), info=col(_l("Note")))


def _volunteer_key() -> tuple[Any, Any]:
    """``volunteer_id`` and ``volunteer``: the volunteer holding the points (else a unit)."""

    def fk(cls: type) -> Mapped[int | None]:
        return mapped_column(Integer, ForeignKey("volunteer.id"), index=True,
                             info=col(_l("Volunteer")))

    def rel(cls: type) -> Mapped[Any]:
        return relationship("Volunteer", info=col(_l("Volunteer")))

    return declared_attr(fk), declared_attr(rel)


class PointsEntry(UnitKey, StreetKey, PortalModel):
    """积分流水: one credit or debit of a unit's or a volunteer's points. Never updated
    or deleted."""

    __tablename__ = "points_entry"
    __label__ = _l("Points ledger")
    __resource__ = "pointsentry"
    __menu_group__ = "points"
    __icon__ = "fa-coins"
    __menu_order__ = 10
    __title_column__ = "reason"
    __readonly__ = True
    __append_only__ = True
    __list_columns__ = ("at", "partner_unit", "volunteer", "points", "balance", "reason")
    __search_columns__ = ("partner_unit", "volunteer", "reason", "points", "at")
    __order__ = ("id", "desc")
    __scope_keys__ = ("street_id", "partner_unit_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id, volunteer = _volunteer_key()
    points: Mapped[int] = mapped_column(Integer, info=col(_l("Points")))
    balance: Mapped[int] = mapped_column(Integer, info=col(_l("Balance after")))
    reason: Mapped[str] = mapped_column(String(200), info=col(_l("Reason")))
    source: Mapped[str | None] = mapped_column(String(40), info=col(_l("Source record type")))
    source_id: Mapped[int | None] = mapped_column(Integer, info=col(_l("Source record")))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True,
                                            info=col(_l("Time")))


class PointsAccount(UnitKey, PortalModel):
    """A unit's or a volunteer's current balance, kept with every ledger row (for atomic
    redemptions)."""

    __tablename__ = "points_account"
    __label__ = _l("Points balance")
    __resource__ = "pointsaccount"
    __menu_group__ = "points"
    __icon__ = "fa-wallet"
    __menu_order__ = 20
    __title_column__ = "balance"
    __readonly__ = True
    __list_columns__ = ("partner_unit", "volunteer", "balance")
    __search_columns__ = ("partner_unit", "volunteer")
    __order__ = ("balance", "desc")
    __table_args__ = (UniqueConstraint("partner_unit_id", name="uq_points_account_unit"),
                      UniqueConstraint("volunteer_id", name="uq_points_account_volunteer"))
    __scope_keys__ = ("partner_unit_id",)

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id, volunteer = _volunteer_key()
    balance: Mapped[int] = mapped_column(Integer, default=0, info=col(_l("Balance")))


class ShopItem(StreetKey, AuditMixin, VersionMixin, PortalModel):
    """积分商品: goods in a street's points shop (积分超市), with stock."""

    __tablename__ = "shop_item"
    __label__ = _l("Points shop item")
    __resource__ = "shopitem"
    __natural_key__ = ("street", "name")
    __menu_group__ = "points"
    __icon__ = "fa-gift"
    __menu_order__ = 40
    __list_columns__ = ("name", "street", "cost", "stock", "active")
    __search_columns__ = ("name", "street", "active")
    __form_columns__ = ("name", "street", "cost", "stock", "active", "description")
    __scope_keys__ = ("street_id",)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), info=col(_l("Name")))
    cost: Mapped[int] = mapped_column(Integer, info=col(_l("Points needed")))
    stock: Mapped[int] = mapped_column(Integer, default=0, info=col(_l("Stock")))
    active: Mapped[bool] = mapped_column(Boolean, default=True, info=col(_l("On sale")))
    description: Mapped[str | None] = mapped_column(Text, info=col(_l("Description")))


class Redemption(UnitKey, StreetKey, PortalModel):
    """兑换记录: a unit — or a volunteer, recorded by staff — exchanges points for goods;
    balance and stock checked atomically."""

    __tablename__ = "redemption"
    __label__ = _l("Redemption")
    __resource__ = "redemption"
    __menu_group__ = "points"
    __icon__ = "fa-exchange-alt"
    __menu_order__ = 50
    __title_column__ = "item"
    __list_columns__ = ("at", "partner_unit", "volunteer", "item", "quantity", "points")
    __search_columns__ = ("partner_unit", "volunteer", "item")
    __form_columns__ = ("item", "quantity", "volunteer", "note")
    __order__ = ("id", "desc")
    __scope_keys__ = ("street_id", "partner_unit_id")
    __scope_parent__ = "item"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id, volunteer = _volunteer_key()
    item_id: Mapped[int] = mapped_column(ForeignKey("shop_item.id"), index=True,
                                         info=col(_l("Item")))
    item: Mapped[ShopItem] = relationship(info=col(_l("Item")))
    quantity: Mapped[int] = mapped_column(Integer, default=1, info=col(_l("Quantity")))
    points: Mapped[int] = mapped_column(Integer, default=0, info=col(_l("Points spent")))
    note: Mapped[str | None] = mapped_column(String(200), info=col(_l("Note")))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, info=col(_l("Time")))
