"""The co-building cycle: demand list → claim → project → work log → review."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.dictionary import DictItem
from models.meta import PortalModel, col
from models.mixins import AuditMixin, CommunityKey, GridKey, StreetKey, UnitKey, VersionMixin
from models.roles import REVIEWERS, STAFF, UNIT
from models.stats import Stat
from models.workflow import NOTE_OPTIONAL, NOTE_REQUIRED, Transition, Workflow

DEMAND_SOURCES = {
    "visit": _l("Home visit"),
    "hotline": _l("Hotline"),
    "wechat": _l("WeChat group"),
    "wishwall": _l("Wish wall"),
    "meeting": _l("Meeting resolution"),
    "other": _l("Other"),
}
URGENCY = {"normal": _l("Normal"), "urgent": _l("Urgent"), "critical": _l("Very urgent")}
RESOURCE_KINDS = {
    "venue": _l("Venue"),
    "volunteers": _l("Volunteers"),
    "expertise": _l("Professional service"),
    "funds": _l("Funds"),
    "goods": _l("Goods"),
}

DEMAND_FLOW = Workflow(
    states={
        "draft": _l("Draft"),
        "published": _l("Published"),
        "claimed": _l("Claimed"),
        "in_progress": _l("In progress"),
        "completed": _l("Completed"),
        "evaluated": _l("Evaluated"),
        "closed": _l("Closed"),
    },
    initial="draft",
    editable=("draft", "published"),
    stamps={"published": "published_on", "claimed": "claimed_on",
            "completed": "completed_on"},
    transitions=(
        Transition("publish", _l("Publish"), ("draft",), "published", STAFF),
        Transition("claim", _l("Claim"), ("published",), "claimed", (UNIT,),
                   confirm=_l("Claim this demand for your unit?"),
                   effect="app.cobuild:claim_demand",
                   taken=_l("This demand has already been claimed.")),
        Transition("start", _l("Start service"), ("claimed",), "in_progress", (UNIT, *STAFF)),
        Transition("complete", _l("Mark completed"), ("in_progress",), "completed",
                   (UNIT, *STAFF), note=NOTE_OPTIONAL),
        Transition("evaluate", _l("Evaluate"), ("completed",), "evaluated", REVIEWERS,
                   note=NOTE_OPTIONAL, rating=True),
        Transition("close", _l("Close"), ("draft", "published"), "closed", STAFF,
                   note=NOTE_REQUIRED, style="default"),
    ),
)

LOG_FLOW = Workflow(
    states={"pending": _l("Awaiting review"), "approved": _l("Approved"),
            "returned": _l("Returned")},
    initial="pending",
    editable=("pending", "returned"),
    transitions=(
        Transition("approve", _l("Approve"), ("pending",), "approved", REVIEWERS,
                   note=NOTE_OPTIONAL, rating=True, effect="app.cobuild:review_log",
                   style="success"),
        Transition("return", _l("Return"), ("pending",), "returned", REVIEWERS,
                   note=NOTE_REQUIRED, effect="app.cobuild:review_log", style="warning"),
        Transition("resubmit", _l("Resubmit"), ("returned",), "pending", (UNIT,)),
    ),
)


def _category(kind: str = "demand_category") -> Mapped[DictItem | None]:
    return relationship(DictItem, info=col(_l("Category"), dict_kind=kind))


class Demand(UnitKey, GridKey, CommunityKey, StreetKey, AuditMixin, VersionMixin, PortalModel):
    """需求: what residents need, published by the community for units to claim."""

    __tablename__ = "demand"
    __label__ = _l("Demand")
    __resource__ = "demand"
    __menu_group__ = "cobuild"
    __icon__ = "fa-clipboard-list"
    __menu_order__ = 10
    __title_column__ = "title"
    __workflow__ = DEMAND_FLOW
    __shared_with_units__ = ("published",)
    __matches__ = ("resource", "category")  # 三单: resources offered in its category
    __list_columns__ = ("title", "category", "community", "urgency", "wanted_by", "status",
                        "partner_unit")
    __search_columns__ = ("title", "category", "community", "status", "urgency", "source",
                          "partner_unit", "published_on", "claimed_on", "completed_on")
    __stats__ = (
        Stat("published", _l("Demands published"), "published_on", unit=_l("items"),
             by="category"),
        Stat("claimed", _l("Demands claimed"), "claimed_on", unit=_l("items"), by="category"),
        Stat("completed", _l("Demands completed"), "completed_on", unit=_l("items"),
             by="category", rate_of="published", rate_label=_l("Completion rate")),
    )
    __form_columns__ = ("title", "category", "description", "community", "grid", "source",
                        "urgency", "beneficiaries", "wanted_by")
    __scope_keys__ = ("street_id", "community_id", "grid_id", "partner_unit_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120), info=col(_l("Title"), fulltext=True))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("dict_item.id"), index=True,
                                                    info=col(_l("Category")))
    category: Mapped[DictItem | None] = _category()
    description: Mapped[str | None] = mapped_column(Text, info=col(_l("Description")))
    source: Mapped[str] = mapped_column(String(20), default="visit",
                                        info=col(_l("Source"), choices=DEMAND_SOURCES))
    urgency: Mapped[str] = mapped_column(String(20), default="normal",
                                         info=col(_l("Urgency"), choices=URGENCY))
    beneficiaries: Mapped[int | None] = mapped_column(
        Integer, info=col(_l("Expected beneficiaries")))
    wanted_by: Mapped[dt.date | None] = mapped_column(Date, info=col(_l("Wanted by")))
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True,
                                        info=col(_l("Status"), choices=DEMAND_FLOW.states))
    published_on: Mapped[dt.date | None] = mapped_column(Date, index=True,
                                                        info=col(_l("Published on")))
    claimed_on: Mapped[dt.date | None] = mapped_column(Date, index=True,
                                                      info=col(_l("Claimed on")))
    completed_on: Mapped[dt.date | None] = mapped_column(Date, index=True,
                                                        info=col(_l("Completed on")))


OFFER_FLOW = Workflow(
    states={"offered": _l("Offered"), "accepted": _l("Accepted"),
            "declined": _l("Declined"), "withdrawn": _l("Withdrawn")},
    initial="offered",
    editable=("offered",),
    transitions=(
        Transition("accept", _l("Accept this offer"), ("offered",), "accepted", REVIEWERS,
                   confirm=_l("Give the demand to this unit? Other offers are declined."),
                   effect="app.cobuild:accept_offer", style="success",
                   taken=_l("This demand has already been claimed.")),
        Transition("decline", _l("Decline"), ("offered",), "declined", REVIEWERS,
                   note=NOTE_OPTIONAL, style="default"),
        Transition("withdraw", _l("Withdraw"), ("offered",), "withdrawn", (UNIT,),
                   style="default"),
    ),
)


class DemandOffer(UnitKey, CommunityKey, StreetKey, AuditMixin, VersionMixin, PortalModel):
    """报名: a unit offers to serve a published demand; the community picks one offer."""

    __tablename__ = "demand_offer"
    __label__ = _l("Offer to serve")
    __resource__ = "demandoffer"
    __menu_group__ = "cobuild"
    __icon__ = "fa-hand-paper"
    __menu_order__ = 15
    __title_column__ = "plan"
    __workflow__ = OFFER_FLOW
    __scope_parent__ = "demand"
    __list_columns__ = ("demand", "partner_unit", "plan", "status", "created_on")
    __search_columns__ = ("demand", "partner_unit", "status")
    __form_columns__ = ("demand", "plan")
    __scope_keys__ = ("street_id", "community_id", "partner_unit_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demand.id"), index=True,
                                           info=col(_l("Demand")))
    demand: Mapped[Demand] = relationship(info=col(_l("Demand")))
    plan: Mapped[str] = mapped_column(String(300), info=col(_l("How we would serve")))
    status: Mapped[str] = mapped_column(String(20), default="offered", index=True,
                                        info=col(_l("Status"), choices=OFFER_FLOW.states))


class Resource(UnitKey, AuditMixin, VersionMixin, PortalModel):
    """资源: what a partner unit offers — a venue, volunteers, expertise, money, goods."""

    __tablename__ = "resource"
    __label__ = _l("Resource")
    __resource__ = "resource"
    __natural_key__ = ("partner_unit", "name")
    __menu_group__ = "cobuild"
    __icon__ = "fa-box-open"
    __menu_order__ = 20
    __list_columns__ = ("name", "kind", "category", "partner_unit", "capacity", "availability")
    __search_columns__ = ("name", "kind", "category", "partner_unit")
    __form_columns__ = ("name", "kind", "category", "partner_unit", "capacity",
                        "availability", "description")
    __scope_keys__ = ("partner_unit_id",)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), info=col(_l("Name")))
    kind: Mapped[str] = mapped_column(String(20), default="volunteers",
                                      info=col(_l("Kind of resource"), choices=RESOURCE_KINDS))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("dict_item.id"), index=True,
                                                    info=col(_l("Category")))
    category: Mapped[DictItem | None] = _category()
    capacity: Mapped[str | None] = mapped_column(String(120), info=col(_l("Capacity")))
    availability: Mapped[str | None] = mapped_column(String(200),
                                                     info=col(_l("Availability")))
    description: Mapped[str | None] = mapped_column(Text, info=col(_l("Description")))


class Project(UnitKey, CommunityKey, StreetKey, AuditMixin, VersionMixin, PortalModel):
    """共建项目: a claimed demand or a street-wide task, owned by one partner unit."""

    __tablename__ = "project"
    __label__ = _l("Co-building project")
    __resource__ = "project"
    __menu_group__ = "cobuild"
    __icon__ = "fa-hands-helping"
    __menu_order__ = 30
    __list_columns__ = ("name", "partner_unit", "community", "start_date", "end_date",
                        "budget")
    __search_columns__ = ("name", "partner_unit", "community")
    __form_columns__ = ("name", "demand", "partner_unit", "community", "responsible",
                        "phone", "start_date", "end_date", "budget", "description")
    __scope_keys__ = ("street_id", "community_id", "partner_unit_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), info=col(_l("Name"), fulltext=True))
    demand_id: Mapped[int | None] = mapped_column(ForeignKey("demand.id"), index=True,
                                                  info=col(_l("Demand")))
    demand: Mapped[Demand | None] = relationship(info=col(_l("Demand")))
    responsible: Mapped[str | None] = mapped_column(String(50),
                                                    info=col(_l("Person responsible")))
    phone: Mapped[str | None] = mapped_column(String(40),
                                              info=col(_l("Phone"), sensitive="phone"))
    start_date: Mapped[dt.date | None] = mapped_column(Date, info=col(_l("Start date")))
    end_date: Mapped[dt.date | None] = mapped_column(Date, info=col(_l("End date")))
    budget: Mapped[Decimal | None] = mapped_column(Numeric(12, 2),
                                                   info=col(_l("Budget (yuan)")))
    description: Mapped[str | None] = mapped_column(Text, info=col(_l("Description")))


class WorkLog(UnitKey, CommunityKey, StreetKey, AuditMixin, VersionMixin, PortalModel):
    """服务记录: one visit or session of work on a project, reviewed by the community."""

    __tablename__ = "work_log"
    __label__ = _l("Work log")
    __resource__ = "worklog"
    __menu_group__ = "cobuild"
    __icon__ = "fa-clipboard-check"
    __menu_order__ = 40
    __title_column__ = "summary"
    __workflow__ = LOG_FLOW
    __attachments__ = True  # photos of the work
    __scope_parent__ = "project"
    __list_columns__ = ("work_date", "summary", "project", "partner_unit", "hours",
                        "beneficiaries", "status")
    __search_columns__ = ("summary", "project", "partner_unit", "community", "status",
                          "work_date")
    __stats__ = (
        Stat("logs", _l("Approved work logs"), "work_date", where={"status": "approved"},
             unit=_l("logs")),
        Stat("hours", _l("Hours of service"), "work_date", measure="hours",
             where={"status": "approved"}, unit=_l("hours")),
        Stat("beneficiaries", _l("Beneficiaries served"), "work_date",
             measure="beneficiaries", where={"status": "approved"}, unit=_l("people")),
    )
    __form_columns__ = ("project", "work_date", "hours", "people_sent", "beneficiaries",
                        "summary", "content")
    __order__ = ("work_date", "desc")
    __scope_keys__ = ("street_id", "community_id", "partner_unit_id")
    #: the dashboard's month figures read these alone (index-only range scans), whatever
    #: the viewer's place: a street, a community or a unit; and a scoped list reads its
    #: page in order from them (date, then id: the list's order with its tie-breaker)
    __table_args__ = tuple(
        Index(f"ix_work_log_{key}_month", f"{key}_id", "work_date", "id", "status", *others,
              "hours", "beneficiaries")
        for key, others in (("street", ("community_id",)), ("community", ("street_id",)),
                            ("partner_unit", ("street_id", "community_id"))))

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True,
                                            info=col(_l("Project")))
    project: Mapped[Project] = relationship(info=col(_l("Project")))
    work_date: Mapped[dt.date] = mapped_column(Date, index=True, info=col(_l("Date")))
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 1), info=col(_l("Hours")))
    people_sent: Mapped[int] = mapped_column(Integer, default=1, info=col(_l("People sent")))
    beneficiaries: Mapped[int] = mapped_column(Integer, default=0,
                                               info=col(_l("Beneficiaries served")))
    summary: Mapped[str] = mapped_column(String(120), info=col(_l("Summary"), fulltext=True))
    content: Mapped[str | None] = mapped_column(Text, info=col(_l("What was done")))
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True,
                                        info=col(_l("Status"), choices=LOG_FLOW.states))


class Review(UnitKey, CommunityKey, StreetKey, PortalModel):
    """评价: the community's verdict on a work log (通过 / 退回), with a rating."""

    __tablename__ = "review"
    __label__ = _l("Review")
    __resource__ = "review"
    __menu_group__ = "cobuild"
    __icon__ = "fa-star"
    __menu_order__ = 50
    __title_column__ = "result"
    __readonly__ = True
    __scope_parent__ = "work_log"
    __list_columns__ = ("work_log", "result", "rating", "reason", "reviewer", "reviewed_on")
    __search_columns__ = ("result", "partner_unit")
    __scope_keys__ = ("street_id", "community_id", "partner_unit_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    work_log_id: Mapped[int] = mapped_column(ForeignKey("work_log.id"), index=True,
                                             info=col(_l("Work log")))
    work_log: Mapped[WorkLog] = relationship(info=col(_l("Work log")))
    result: Mapped[str] = mapped_column(String(20), info=col(
        _l("Result"), choices={"approved": _l("Approved"), "returned": _l("Returned")}))
    rating: Mapped[int | None] = mapped_column(Integer, info=col(_l("Rating")))
    reason: Mapped[str | None] = mapped_column(Text, info=col(_l("Reason")))
    reviewer: Mapped[str | None] = mapped_column(String(128), info=col(_l("Reviewer")))
    reviewed_on: Mapped[dt.datetime | None] = mapped_column(info=col(_l("Reviewed on")))
