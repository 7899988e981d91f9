"""志愿服务: teams, volunteers and their skills, activities, sign-ups and approved hours.

Approved hours earn points in the same ledger as the co-building cycle
(``models.points.PointsEntry``), held by the volunteer instead of a unit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.meta import PortalModel, col
from models.mixins import AuditMixin, CommunityKey, GridKey, StreetKey, VersionMixin
from models.residents import GENDERS
from models.roles import REVIEWERS, SOCIAL, STAFF
from models.stats import Stat
from models.workflow import NOTE_OPTIONAL, NOTE_REQUIRED, Transition, Workflow

ORGANISERS = (*STAFF, SOCIAL)


class VolunteerTeam(CommunityKey, StreetKey, AuditMixin, VersionMixin, PortalModel):
    """志愿服务队: 党员先锋, 巾帼宣讲, 应急救援…"""

    __tablename__ = "volunteer_team"
    __label__ = _l("Volunteer team")
    __resource__ = "volunteerteam"
    __natural_key__ = ("community", "name")
    __menu_group__ = "volunteers"
    __icon__ = "fa-users"
    __menu_order__ = 10
    __list_columns__ = ("name", "community", "leader", "founded_on")
    __search_columns__ = ("name", "community")
    __form_columns__ = ("name", "community", "leader", "founded_on", "description")
    __scope_keys__ = ("street_id", "community_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), info=col(_l("Name")))
    leader: Mapped[str | None] = mapped_column(String(50), info=col(_l("Team leader")))
    founded_on: Mapped[dt.date | None] = mapped_column(Date, info=col(_l("Founded on")))
    description: Mapped[str | None] = mapped_column(Text, info=col(_l("Description")))


class Volunteer(GridKey, CommunityKey, StreetKey, AuditMixin, VersionMixin, PortalModel):
    """志愿者: a resident who volunteers, with skills (专长) to match to needs."""

    __tablename__ = "volunteer"
    __label__ = _l("Volunteer")
    __resource__ = "volunteer"
    __staff_only__ = True
    __menu_group__ = "volunteers"
    __icon__ = "fa-user-check"
    __menu_order__ = 20
    __list_columns__ = ("name", "team", "skills", "party_member", "phone", "total_hours",
                        "community")
    __search_columns__ = ("name", "team", "skills", "party_member", "community")
    __form_columns__ = ("name", "gender", "phone", "id_number", "community", "grid", "team",
                        "skills", "party_member", "employer", "joined_on")
    __scope_keys__ = ("street_id", "community_id", "grid_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), info=col(_l("Full name")))
    gender: Mapped[str | None] = mapped_column(String(10),
                                               info=col(_l("Sex"), choices=GENDERS))
    phone: Mapped[str | None] = mapped_column(String(40),
                                              info=col(_l("Phone"), sensitive="phone"))
    id_number: Mapped[str | None] = mapped_column(
        String(18), info=col(_l("ID number"), sensitive="id_number"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer_team.id"), index=True,
                                                info=col(_l("Team")))
    team: Mapped[VolunteerTeam | None] = relationship(info=col(_l("Team")))
    skills: Mapped[str | None] = mapped_column(String(200), info=col(_l("Skills")))
    party_member: Mapped[bool] = mapped_column(Boolean, default=False,
                                               info=col(_l("Party member")))
    employer: Mapped[str | None] = mapped_column(String(100), info=col(_l("Workplace")))
    joined_on: Mapped[dt.date | None] = mapped_column(Date, info=col(_l("Joined on")))
    total_hours: Mapped[Decimal] = mapped_column(Numeric(8, 1), default=0,
                                                 info=col(_l("Approved hours")))


class VolunteerActivity(CommunityKey, StreetKey, AuditMixin, VersionMixin, PortalModel):
    """志愿活动: what, when, where, how many volunteers and which skills are wanted."""

    __tablename__ = "volunteer_activity"
    __label__ = _l("Volunteer activity")
    __resource__ = "volunteeractivity"
    __menu_group__ = "volunteers"
    __icon__ = "fa-calendar-check"
    __menu_order__ = 30
    __title_column__ = "title"
    __attachments__ = True
    __list_columns__ = ("title", "starts_at", "place", "team", "needed", "hours", "community")
    __search_columns__ = ("title", "team", "community", "place")
    __form_columns__ = ("title", "community", "team", "starts_at", "place", "needed",
                        "hours", "skills_wanted", "description")
    __order__ = ("starts_at", "desc")
    __scope_keys__ = ("street_id", "community_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120), info=col(_l("Activity")))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer_team.id"), index=True,
                                                info=col(_l("Team")))
    team: Mapped[VolunteerTeam | None] = relationship(info=col(_l("Team")))
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True,
                                                   info=col(_l("Starts at")))
    place: Mapped[str | None] = mapped_column(String(120), info=col(_l("Place")))
    needed: Mapped[int | None] = mapped_column(Integer, info=col(_l("Volunteers needed")))
    hours: Mapped[Decimal | None] = mapped_column(Numeric(5, 1),
                                                  info=col(_l("Planned hours")))
    skills_wanted: Mapped[str | None] = mapped_column(String(200),
                                                      info=col(_l("Skills wanted")))
    description: Mapped[str | None] = mapped_column(Text, info=col(_l("Description")))


HOURS_FLOW = Workflow(
    states={
        "signed_up": _l("Signed up"),
        "pending": _l("Hours awaiting approval"),
        "approved": _l("Hours approved"),
        "rejected": _l("Hours not approved"),
    },
    initial="signed_up",
    editable=("signed_up", "pending", "rejected"),
    transitions=(
        Transition("submit", _l("Submit attendance and hours"), ("signed_up", "rejected"),
                   "pending", ORGANISERS, effect="app.affairs:check_hours"),
        Transition("approve", _l("Approve hours"), ("pending",), "approved", REVIEWERS,
                   note=NOTE_OPTIONAL, effect="app.affairs:approve_hours", style="success"),
        Transition("reject", _l("Do not approve"), ("pending",), "rejected", REVIEWERS,
                   note=NOTE_REQUIRED, style="warning"),
    ),
)


class VolunteerService(CommunityKey, StreetKey, AuditMixin, VersionMixin, PortalModel):
    """报名与服务时长: one volunteer at one activity — sign-up, attendance, hours."""

    __tablename__ = "volunteer_service"
    __table_args__ = (UniqueConstraint("activity_id", "volunteer_id",
                                       name="uq_volunteer_service_once"),)
    __label__ = _l("Volunteer hours")
    __resource__ = "volunteerservice"
    __staff_only__ = True
    __menu_group__ = "volunteers"
    __icon__ = "fa-clock"
    __menu_order__ = 40
    __title_column__ = "volunteer"
    __workflow__ = HOURS_FLOW
    __scope_parent__ = "activity"
    __list_columns__ = ("activity", "volunteer", "attended", "hours", "status", "points")
    __search_columns__ = ("activity", "volunteer", "community", "status", "attended",
                          "approved_at")
    __stats__ = (Stat("hours", _l("Volunteer hours approved"), "approved_at",
                      measure="hours", where={"status": "approved"}, unit=_l("hours")),)
    __form_columns__ = ("activity", "volunteer", "attended", "hours", "note")
    __scope_keys__ = ("street_id", "community_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("volunteer_activity.id"), index=True,
                                             info=col(_l("Activity")))
    activity: Mapped[VolunteerActivity] = relationship(info=col(_l("Activity")))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"), index=True,
                                              info=col(_l("Volunteer")))
    volunteer: Mapped[Volunteer] = relationship(info=col(_l("Volunteer")))
    attended: Mapped[bool] = mapped_column(Boolean, default=False, info=col(_l("Attended")))
    hours: Mapped[Decimal | None] = mapped_column(Numeric(5, 1), info=col(_l("Hours")))
    points: Mapped[int | None] = mapped_column(Integer, info=col(_l("Points earned")))
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True,
                                                            info=col(_l("Approved at")))
    note: Mapped[str | None] = mapped_column(String(300), info=col(_l("Note")))
    status: Mapped[str] = mapped_column(String(20), default="signed_up", index=True,
                                        info=col(_l("Status"), choices=HOURS_FLOW.states))
