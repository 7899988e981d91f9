"""联席会议 / 议事会: meetings, who attended, what was decided — and what follows from it."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Date, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.cobuild import Demand
from models.meta import PortalModel, col
from models.mixins import AuditMixin, CommunityKey, StreetKey, UnitKey, VersionMixin
from models.org import PartnerUnit
from models.roles import STAFF, UNIT
from models.workflow import NOTE_OPTIONAL, Transition, Workflow

MEETING_KINDS = {
    "joint": _l("Joint meeting"),
    "council": _l("Deliberation council"),
    "representatives": _l("Residents' representatives meeting"),
    "hearing": _l("Hearing"),
}

meeting_units = Table(
    "meeting_unit",
    PortalModel.metadata,
    Column("meeting_id", ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True),
    Column("partner_unit_id", ForeignKey("partner_unit.id", ondelete="CASCADE"),
           primary_key=True, index=True),
)


class Meeting(CommunityKey, StreetKey, AuditMixin, VersionMixin, PortalModel):
    """联席会议 / 议事会: date, attending units and people, topics, minutes."""

    __tablename__ = "meeting"
    __label__ = _l("Meeting")
    __resource__ = "meeting"
    __menu_group__ = "affairs"
    __icon__ = "fa-users-cog"
    __menu_order__ = 40
    __title_column__ = "title"
    __attachments__ = True  # sign-in sheet, photos
    __list_columns__ = ("title", "kind", "held_on", "place", "community", "units")
    __search_columns__ = ("title", "kind", "community", "held_on")
    __form_columns__ = ("title", "kind", "held_on", "place", "community", "host", "units",
                        "attendees", "topics", "minutes")
    __order__ = ("held_on", "desc")
    __scope_keys__ = ("street_id", "community_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120), info=col(_l("Title")))
    kind: Mapped[str] = mapped_column(String(20), default="joint",
                                      info=col(_l("Kind of meeting"), choices=MEETING_KINDS))
    held_on: Mapped[dt.date] = mapped_column(Date, index=True, info=col(_l("Held on")))
    place: Mapped[str | None] = mapped_column(String(120), info=col(_l("Place")))
    host: Mapped[str | None] = mapped_column(String(50), info=col(_l("Chaired by")))
    units: Mapped[list[PartnerUnit]] = relationship(secondary=meeting_units,
                                                    info=col(_l("Attending units")))
    attendees: Mapped[str | None] = mapped_column(Text, info=col(_l("Attending people")))
    topics: Mapped[str] = mapped_column(Text, info=col(_l("Topics")))
    minutes: Mapped[str | None] = mapped_column(Text, info=col(_l("Minutes")))


RESOLUTION_FLOW = Workflow(
    states={"open": _l("To carry out"), "following": _l("Followed up as a demand"),
            "done": _l("Carried out")},
    initial="open",
    editable=("open", "following"),
    transitions=(
        Transition("to_demand", _l("Create a follow-up demand"), ("open",), "following",
                   STAFF, confirm=_l("Create a draft demand from this resolution?"),
                   effect="app.affairs:resolution_to_demand"),
        Transition("finish", _l("Mark carried out"), ("open", "following"), "done",
                   (UNIT, *STAFF), note=NOTE_OPTIONAL, style="success"),
    ),
)


class Resolution(UnitKey, CommunityKey, StreetKey, AuditMixin, VersionMixin, PortalModel):
    """决议事项: one decision of a meeting, who carries it out and by when."""

    __tablename__ = "resolution"
    __label__ = _l("Resolution")
    __resource__ = "resolution"
    __menu_group__ = "affairs"
    __icon__ = "fa-gavel"
    __menu_order__ = 50
    __title_column__ = "content"
    __workflow__ = RESOLUTION_FLOW
    __scope_parent__ = "meeting"
    __list_columns__ = ("content", "meeting", "responsible", "partner_unit", "due_on",
                        "status", "demand")
    __search_columns__ = ("meeting", "status", "partner_unit", "due_on")
    __form_columns__ = ("meeting", "content", "responsible", "partner_unit", "due_on")
    __order__ = ("due_on", "asc")
    __scope_keys__ = ("street_id", "community_id", "partner_unit_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True,
                                            info=col(_l("Meeting")))
    meeting: Mapped[Meeting] = relationship(info=col(_l("Meeting")))
    content: Mapped[str] = mapped_column(String(300), info=col(_l("Resolution")))
    responsible: Mapped[str | None] = mapped_column(String(50),
                                                    info=col(_l("Person responsible")))
    due_on: Mapped[dt.date | None] = mapped_column(Date, info=col(_l("Due on")))
    demand_id: Mapped[int | None] = mapped_column(ForeignKey("demand.id"), index=True,
                                                  info=col(_l("Follow-up demand")))
    demand: Mapped[Demand | None] = relationship(info=col(_l("Follow-up demand")))
    status: Mapped[str] = mapped_column(String(20), default="open", index=True,
                                        info=col(_l("Status"), choices=RESOLUTION_FLOW.states))
