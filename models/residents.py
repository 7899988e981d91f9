"""Residents (户 / 五色户卡): households, their members, tags for special groups and visits."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.meta import PortalModel, col
from models.mixins import AuditMixin, CommunityKey, GridKey, StreetKey, VersionMixin
from models.stats import CURRENT, OVERDUE, Stat

GENDERS = {"male": _l("Male"), "female": _l("Female")}

household_tags = Table(
    "household_tag_link",
    PortalModel.metadata,
    Column("household_id", ForeignKey("household.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("household_tag.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class HouseholdTag(AuditMixin, VersionMixin, PortalModel):
    """五色户卡的标签: a special group (高龄, 独居…), its colour and how often to visit."""

    __tablename__ = "household_tag"
    __label__ = _l("Household tag")
    __resource__ = "householdtag"
    __natural_key__ = ("name",)
    __menu_group__ = "settings"
    __icon__ = "fa-tags"
    __menu_order__ = 60
    __list_columns__ = ("name", "colour", "visit_every_days", "protected")
    __search_columns__ = ("name",)
    __form_columns__ = ("name", "colour", "visit_every_days", "protected", "note")
    __order__ = ("name", "asc")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True, info=col(_l("Name")))
    colour: Mapped[str] = mapped_column(String(20), default="红", info=col(_l("Colour")))
    visit_every_days: Mapped[int] = mapped_column(Integer, default=30,
                                                  info=col(_l("Visit every (days)")))
    protected: Mapped[bool] = mapped_column(Boolean, default=False,
                                            info=col(_l("Sensitive group")))
    note: Mapped[str | None] = mapped_column(String(300), info=col(_l("Note")))


class Household(GridKey, CommunityKey, StreetKey, AuditMixin, VersionMixin, PortalModel):
    """户: one household of a grid, with its tags and the date its next visit is due."""

    __tablename__ = "household"
    __label__ = _l("Household")
    __resource__ = "household"
    __natural_key__ = ("compound", "building", "unit_no", "room")
    __staff_only__ = True
    __menu_group__ = "residents"
    __icon__ = "fa-house-user"
    __menu_order__ = 10
    __title_column__ = "address"
    __list_columns__ = ("address", "head_name", "phone", "grid", "tags", "last_visit_on",
                        "next_visit_due")
    __search_columns__ = ("address", "head_name", "grid", "community", "tags",
                          "next_visit_due")
    __stats__ = (
        Stat("overdue", _l("Households overdue for a visit"), "next_visit_due",
             when=OVERDUE, unit=_l("households")),
        Stat("on_record", _l("Households on record"), when=CURRENT, unit=_l("households"),
             by="tags", sensitive="protected"),
    )
    __form_columns__ = ("grid", "compound", "building", "unit_no", "room", "head_name",
                        "phone", "tags", "note")
    __order__ = ("next_visit_due", "asc")
    __scope_keys__ = ("street_id", "community_id", "grid_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    compound: Mapped[str | None] = mapped_column(String(60), info=col(_l("Compound")))
    building: Mapped[str] = mapped_column(String(20), info=col(_l("Building")))
    unit_no: Mapped[str | None] = mapped_column(String(20), info=col(_l("Entrance")))
    room: Mapped[str] = mapped_column(String(20), info=col(_l("Room")))
    address: Mapped[str] = mapped_column(String(160), default="", info=col(_l("Address")))
    head_name: Mapped[str] = mapped_column(String(50), info=col(_l("Head of household")))
    phone: Mapped[str | None] = mapped_column(String(40),
                                              info=col(_l("Phone"), sensitive="phone"))
    tags: Mapped[list[HouseholdTag]] = relationship(secondary=household_tags,
                                                    info=col(_l("Tags")))
    last_visit_on: Mapped[dt.date | None] = mapped_column(Date, info=col(_l("Last visit")))
    next_visit_due: Mapped[dt.date | None] = mapped_column(Date, index=True,
                                                           info=col(_l("Next visit due"), due=True))
    note: Mapped[str | None] = mapped_column(Text, info=col(_l("Note")))


class Member(GridKey, CommunityKey, StreetKey, AuditMixin, VersionMixin, PortalModel):
    """户成员: a person of a household; birth date and sex follow the ID number."""

    __tablename__ = "household_member"
    __label__ = _l("Household member")
    __resource__ = "member"
    __natural_key__ = ("household", "name")
    __staff_only__ = True
    __menu_group__ = "residents"
    __icon__ = "fa-user"
    __menu_order__ = 20
    __scope_parent__ = "household"
    __list_columns__ = ("name", "household", "relation", "gender", "birth_date", "id_number",
                        "phone")
    __search_columns__ = ("name", "household", "relation")
    __form_columns__ = ("household", "name", "relation", "id_number", "phone", "gender",
                        "birth_date")
    __scope_keys__ = ("street_id", "community_id", "grid_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"),
                                              index=True, info=col(_l("Household")))
    household: Mapped[Household] = relationship(info=col(_l("Household")))
    name: Mapped[str] = mapped_column(String(50), info=col(_l("Full name")))
    relation: Mapped[str | None] = mapped_column(String(20),
                                                 info=col(_l("Relation to the head")))
    id_number: Mapped[str | None] = mapped_column(
        String(18), info=col(_l("ID number"), sensitive="id_number"))
    phone: Mapped[str | None] = mapped_column(String(40),
                                              info=col(_l("Phone"), sensitive="phone"))
    gender: Mapped[str | None] = mapped_column(String(10),
                                               info=col(_l("Sex"), choices=GENDERS))
    birth_date: Mapped[dt.date | None] = mapped_column(Date, info=col(_l("Birth date")))


class Visit(GridKey, CommunityKey, StreetKey, AuditMixin, VersionMixin, PortalModel):
    """探访: a visit to a household — health, money, safety, needs — and what follows."""

    __tablename__ = "visit"
    __label__ = _l("Visit")
    __resource__ = "visit"
    __staff_only__ = True
    __menu_group__ = "residents"
    __icon__ = "fa-door-open"
    __menu_order__ = 30
    __title_column__ = "visited_on"
    __scope_parent__ = "household"
    __list_columns__ = ("visited_on", "household", "visitor", "needs", "follow_up")
    __search_columns__ = ("household", "visitor", "visited_on")
    __form_columns__ = ("household", "visited_on", "visitor", "health", "money", "safety",
                        "needs", "follow_up")
    __order__ = ("visited_on", "desc")
    __scope_keys__ = ("street_id", "community_id", "grid_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"),
                                              index=True, info=col(_l("Household")))
    household: Mapped[Household] = relationship(info=col(_l("Household")))
    visited_on: Mapped[dt.date] = mapped_column(Date, index=True, info=col(_l("Visit date")))
    visitor: Mapped[str] = mapped_column(String(50), info=col(_l("Visitor")))
    health: Mapped[str | None] = mapped_column(String(300), info=col(_l("Health")))
    money: Mapped[str | None] = mapped_column(String(300), info=col(_l("Livelihood")))
    safety: Mapped[str | None] = mapped_column(String(300), info=col(_l("Safety")))
    needs: Mapped[str | None] = mapped_column(String(300), info=col(_l("Needs")))
    follow_up: Mapped[str | None] = mapped_column(String(300), info=col(_l("Follow-up")))
