"""群众诉求: a resident's request, dispatched (派单) to a person or unit, handled, visited back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.dictionary import DictItem
from models.meta import PortalModel, col
from models.mixins import (
    AuditMixin,
    CommunityKey,
    GridKey,
    StreetKey,
    UnitKey,
    VersionMixin,
    utcnow,
)
from models.roles import STAFF, UNIT
from models.stats import Stat
from models.workflow import NOTE_OPTIONAL, NOTE_REQUIRED, Transition, Workflow

REQUEST_SOURCES = {
    "hotline": _l("12345 hotline"),
    "phone": _l("Phone call"),
    "walk_in": _l("Walk-in"),
    "patrol": _l("Grid patrol"),
    "wechat": _l("WeChat group"),
    "other": _l("Other"),
}
SATISFACTION = {1: _l("Very dissatisfied"), 2: _l("Dissatisfied"), 3: _l("Fair"),
                4: _l("Satisfied"), 5: _l("Very satisfied")}

REQUEST_FLOW = Workflow(
    states={
        "received": _l("Received"),
        "assigned": _l("Dispatched"),
        "in_progress": _l("Being handled"),
        "resolved": _l("Resolved"),
        "closed": _l("Visited back"),
    },
    initial="received",
    editable=("received", "assigned", "in_progress"),
    transitions=(
        Transition("assign", _l("Dispatch"), ("received",), "assigned", STAFF,
                   note=NOTE_OPTIONAL, effect="app.affairs:check_assignee"),
        Transition("accept", _l("Take it on"), ("assigned",), "in_progress", (UNIT, *STAFF)),
        Transition("progress", _l("Add a progress note"), ("in_progress",), "in_progress",
                   (UNIT, *STAFF), note=NOTE_REQUIRED, style="default"),
        Transition("resolve", _l("Resolve"), ("in_progress",), "resolved", (UNIT, *STAFF),
                   note=NOTE_REQUIRED, effect="app.affairs:resolve_request",
                   style="success"),
        Transition("reopen", _l("Handle again"), ("resolved",), "in_progress", STAFF,
                   effect="app.affairs:reopen_request",
                   note=NOTE_REQUIRED, style="warning"),
        Transition("revisit", _l("Visit back"), ("resolved",), "closed", STAFF,
                   note=NOTE_OPTIONAL, rating=True, effect="app.affairs:revisit_request",
                   style="success"),
    ),
)


class ResidentRequest(UnitKey, GridKey, CommunityKey, StreetKey, AuditMixin, VersionMixin,
                      PortalModel):
    """群众诉求: what a resident asks for, from intake to the satisfaction visit."""

    __tablename__ = "resident_request"
    __label__ = _l("Resident request")
    __resource__ = "residentrequest"
    __menu_group__ = "affairs"
    __icon__ = "fa-bullhorn"
    __menu_order__ = 10
    __title_column__ = "subject"
    __workflow__ = REQUEST_FLOW
    __list_columns__ = ("subject", "category", "grid", "source", "received_at", "deadline",
                        "partner_unit", "assignee", "status")
    __search_columns__ = ("subject", "category", "grid", "community", "source", "status",
                          "partner_unit", "deadline", "received_at", "resolved_at")
    __stats__ = (
        Stat("received", _l("Requests received"), "received_at", unit=_l("items"),
             by="category"),
        Stat("resolved", _l("Requests resolved"), "resolved_at", unit=_l("items"),
             by="category"),
        Stat("hours_to_close", _l("Median time to resolve"), "resolved_at",
             measure="hours_to_close", median=True, unit=_l("hours"), trend=False),
    )
    __form_columns__ = ("subject", "content", "source", "category", "requester",
                        "requester_phone", "grid", "assignee", "partner_unit", "department",
                        "deadline")
    __order__ = ("received_at", "desc")
    __scope_keys__ = ("street_id", "community_id", "grid_id", "partner_unit_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(120),
                                         info=col(_l("Subject"), fulltext=True))
    content: Mapped[str | None] = mapped_column(Text, info=col(_l("What the resident asks")))
    source: Mapped[str] = mapped_column(String(20), default="walk_in",
                                        info=col(_l("Source"), choices=REQUEST_SOURCES))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("dict_item.id"), index=True,
                                                    info=col(_l("Category")))
    category: Mapped[DictItem | None] = relationship(
        info=col(_l("Category"), dict_kind="request_category"))
    requester: Mapped[str | None] = mapped_column(String(50), info=col(_l("Resident")))
    requester_phone: Mapped[str | None] = mapped_column(
        String(40), info=col(_l("Resident's phone"), sensitive="phone"))
    assignee: Mapped[str | None] = mapped_column(String(50),
                                                 info=col(_l("Person in charge")))
    department: Mapped[str | None] = mapped_column(
        String(60), info=col(_l("Department called in")))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True,
                                                     info=col(_l("Received at")))
    deadline: Mapped[dt.date | None] = mapped_column(Date, info=col(_l("Deadline")))
    result: Mapped[str | None] = mapped_column(Text, info=col(_l("Result")))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True,
                                                            info=col(_l("Resolved at")))
    hours_to_close: Mapped[Decimal | None] = mapped_column(
        Numeric(8, 1), info=col(_l("Hours to resolve")))
    satisfaction: Mapped[int | None] = mapped_column(
        Integer, info=col(_l("Satisfaction"), choices=SATISFACTION))
    satisfaction_note: Mapped[str | None] = mapped_column(
        Text, info=col(_l("Visit-back note")))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime,
                                                          info=col(_l("Visited back at")))
    status: Mapped[str] = mapped_column(String(20), default="received", index=True,
                                        info=col(_l("Status"), choices=REQUEST_FLOW.states))

