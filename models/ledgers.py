"""社区台账: resident conventions, livelihood projects, trainings, hazard inspections, fees."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.meta import PortalModel, col
from models.mixins import AuditMixin, CommunityKey, GridKey, StreetKey, VersionMixin


class Convention(CommunityKey, StreetKey, AuditMixin, VersionMixin, PortalModel):
    """居民公约: rules the residents agreed on, when and how."""

    __tablename__ = "convention"
    __label__ = _l("Resident convention")
    __resource__ = "convention"
    __menu_group__ = "ledgers"
    __icon__ = "fa-scroll"
    __menu_order__ = 10
    __title_column__ = "title"
    __attachments__ = True
    __list_columns__ = ("title", "community", "adopted_on", "votes_for", "in_force")
    __search_columns__ = ("title", "community", "in_force")
    __form_columns__ = ("title", "community", "adopted_on", "votes_for", "in_force",
                        "content")
    __scope_keys__ = ("street_id", "community_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120), info=col(_l("Title")))
    adopted_on: Mapped[dt.date | None] = mapped_column(Date, info=col(_l("Adopted on")))
    votes_for: Mapped[int | None] = mapped_column(Integer,
                                                  info=col(_l("Households voting for")))
    in_force: Mapped[bool] = mapped_column(Boolean, default=True, info=col(_l("In force")))
    content: Mapped[str] = mapped_column(Text, info=col(_l("Text")))


LIVELIHOOD_STAGES = {
    "proposed": _l("Proposed"),
    "approved": _l("Approved"),
    "underway": _l("Underway"),
    "done": _l("Completed"),
}


class LivelihoodProject(CommunityKey, StreetKey, AuditMixin, VersionMixin, PortalModel):
    """民生实事项目: a project decided for residents (四议一审两公开), its money and progress."""

    __tablename__ = "livelihood_project"
    __label__ = _l("Livelihood project")
    __resource__ = "livelihoodproject"
    __menu_group__ = "ledgers"
    __icon__ = "fa-tools"
    __menu_order__ = 20
    __attachments__ = True
    __list_columns__ = ("name", "community", "year", "budget", "stage", "progress",
                        "end_date")
    __search_columns__ = ("name", "community", "year", "stage")
    __form_columns__ = ("name", "community", "year", "budget", "funding", "undertaker",
                        "start_date", "end_date", "stage", "progress", "beneficiaries",
                        "description")
    __scope_keys__ = ("street_id", "community_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), info=col(_l("Name")))
    year: Mapped[int] = mapped_column(Integer, info=col(_l("Year")))
    budget: Mapped[Decimal | None] = mapped_column(Numeric(12, 2),
                                                   info=col(_l("Budget (yuan)")))
    funding: Mapped[str | None] = mapped_column(String(100), info=col(_l("Source of funds")))
    undertaker: Mapped[str | None] = mapped_column(String(100), info=col(_l("Carried out by")))
    start_date: Mapped[dt.date | None] = mapped_column(Date, info=col(_l("Start date")))
    end_date: Mapped[dt.date | None] = mapped_column(Date, info=col(_l("End date")))
    stage: Mapped[str] = mapped_column(String(20), default="proposed",
                                       info=col(_l("Stage"), choices=LIVELIHOOD_STAGES))
    progress: Mapped[int] = mapped_column(Integer, default=0, info=col(_l("Progress (%)")))
    beneficiaries: Mapped[int | None] = mapped_column(Integer,
                                                      info=col(_l("Residents benefiting")))
    description: Mapped[str | None] = mapped_column(Text, info=col(_l("Description")))


class Training(CommunityKey, StreetKey, AuditMixin, VersionMixin, PortalModel):
    """培训: a training with its hours and attendees."""

    __tablename__ = "training"
    __label__ = _l("Training")
    __resource__ = "training"
    __menu_group__ = "ledgers"
    __icon__ = "fa-chalkboard-teacher"
    __menu_order__ = 30
    __title_column__ = "title"
    __attachments__ = True
    __list_columns__ = ("title", "held_on", "hours", "trainer", "attendee_count", "community")
    __search_columns__ = ("title", "community", "held_on")
    __form_columns__ = ("title", "community", "held_on", "hours", "trainer",
                        "attendee_count", "attendees", "content")
    __order__ = ("held_on", "desc")
    __scope_keys__ = ("street_id", "community_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120), info=col(_l("Title")))
    held_on: Mapped[dt.date] = mapped_column(Date, info=col(_l("Held on")))
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 1), info=col(_l("Hours")))
    trainer: Mapped[str | None] = mapped_column(String(80), info=col(_l("Trainer")))
    attendee_count: Mapped[int] = mapped_column(Integer, default=0,
                                                info=col(_l("Number of attendees")))
    attendees: Mapped[str | None] = mapped_column(Text, info=col(_l("Attendees")))
    content: Mapped[str | None] = mapped_column(Text, info=col(_l("Content")))


HAZARD_KINDS = {
    "fire": _l("Fire safety"),
    "gas": _l("Gas"),
    "electric": _l("Electricity"),
    "corridor": _l("Blocked corridor or exit"),
    "building": _l("Building or falling objects"),
    "other": _l("Other"),
}
HAZARD_STATES = {"none": _l("No hazard found"), "pending": _l("To be fixed"),
                 "fixed": _l("Fixed")}


class HazardInspection(GridKey, CommunityKey, StreetKey, AuditMixin, VersionMixin,
                       PortalModel):
    """安全隐患排查 (敲门行动): a door-to-door check, what was found and whether it was fixed."""

    __tablename__ = "hazard_inspection"
    __label__ = _l("Hazard inspection")
    __resource__ = "hazardinspection"
    __menu_group__ = "ledgers"
    __icon__ = "fa-fire-extinguisher"
    __menu_order__ = 40
    __title_column__ = "address"
    __attachments__ = True
    __list_columns__ = ("inspected_on", "address", "grid", "kind", "state", "fix_by",
                        "inspector")
    __search_columns__ = ("address", "grid", "kind", "state", "inspected_on")
    __form_columns__ = ("grid", "address", "inspected_on", "inspector", "kind", "state",
                        "finding", "measures", "fix_by", "fixed_on")
    __order__ = ("inspected_on", "desc")
    __scope_keys__ = ("street_id", "community_id", "grid_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(160), info=col(_l("Address")))
    inspected_on: Mapped[dt.date] = mapped_column(Date, index=True,
                                                  info=col(_l("Inspected on")))
    inspector: Mapped[str] = mapped_column(String(50), info=col(_l("Inspector")))
    kind: Mapped[str] = mapped_column(String(20), default="fire",
                                      info=col(_l("Kind of hazard"), choices=HAZARD_KINDS))
    state: Mapped[str] = mapped_column(String(20), default="none",
                                       info=col(_l("Outcome"), choices=HAZARD_STATES))
    finding: Mapped[str | None] = mapped_column(Text, info=col(_l("What was found")))
    measures: Mapped[str | None] = mapped_column(Text, info=col(_l("Measures")))
    fix_by: Mapped[dt.date | None] = mapped_column(Date, info=col(_l("Fix by")))
    fixed_on: Mapped[dt.date | None] = mapped_column(Date, info=col(_l("Fixed on")))


FEE_KINDS = {"income": _l("Income"), "expense": _l("Expense")}


class FeeEntry(CommunityKey, StreetKey, AuditMixin, VersionMixin, PortalModel):
    """费用公开: one income or expense of a residents' fund (e.g. the parking group's),
    published for residents to read on the community's public page."""

    __tablename__ = "fee_entry"
    __label__ = _l("Public fee ledger")
    __resource__ = "feeentry"
    __menu_group__ = "ledgers"
    __icon__ = "fa-receipt"
    __menu_order__ = 50
    __title_column__ = "item"
    __attachments__ = True  # receipts
    __list_columns__ = ("occurred_on", "fund", "item", "kind", "amount", "handler",
                        "published", "community")
    __search_columns__ = ("fund", "item", "kind", "community", "published", "occurred_on")
    __form_columns__ = ("community", "fund", "occurred_on", "kind", "item", "amount",
                        "handler", "published", "note")
    __order__ = ("occurred_on", "desc")
    __scope_keys__ = ("street_id", "community_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    fund: Mapped[str] = mapped_column(String(80), index=True, info=col(_l("Fund")))
    occurred_on: Mapped[dt.date] = mapped_column(Date, index=True, info=col(_l("Date")))
    kind: Mapped[str] = mapped_column(String(10), default="expense",
                                      info=col(_l("Income or expense"), choices=FEE_KINDS))
    item: Mapped[str] = mapped_column(String(120), info=col(_l("Particulars")))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), info=col(_l("Amount (yuan)")))
    handler: Mapped[str | None] = mapped_column(String(50), info=col(_l("Handled by")))
    published: Mapped[bool] = mapped_column(Boolean, default=True,
                                            info=col(_l("Shown to residents")))
    note: Mapped[str | None] = mapped_column(String(300), info=col(_l("Note")))
