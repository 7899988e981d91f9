"""矛盾纠纷: a dispute, its mediation (jointly with 司法所 / 派出所) and its result."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.dictionary import DictItem
from models.meta import PortalModel, col
from models.mixins import AuditMixin, CommunityKey, GridKey, StreetKey, VersionMixin
from models.roles import SOCIAL, STAFF
from models.stats import Stat
from models.workflow import NOTE_REQUIRED, Transition, Workflow

MEDIATORS = (*STAFF, SOCIAL)

DISPUTE_FLOW = Workflow(
    states={
        "received": _l("Received"),
        "mediating": _l("Mediating"),
        "settled": _l("Settled"),
        "unsettled": _l("Not settled"),
    },
    initial="received",
    editable=("received", "mediating"),
    transitions=(
        Transition("mediate", _l("Start mediation"), ("received",), "mediating", MEDIATORS),
        Transition("settle", _l("Settled"), ("received", "mediating"), "settled", MEDIATORS,
                   note=NOTE_REQUIRED, effect="app.affairs:close_dispute", style="success"),
        Transition("fail", _l("Not settled"), ("received", "mediating"), "unsettled",
                   MEDIATORS, note=NOTE_REQUIRED, effect="app.affairs:close_dispute",
                   style="warning"),
    ),
)


class Dispute(GridKey, CommunityKey, StreetKey, AuditMixin, VersionMixin, PortalModel):
    """矛盾纠纷: who, about what, who mediates (with whom), and how it ended."""

    __tablename__ = "dispute"
    __label__ = _l("Dispute")
    __resource__ = "dispute"
    __staff_only__ = True
    __menu_group__ = "affairs"
    __icon__ = "fa-balance-scale-left"
    __menu_order__ = 30
    __title_column__ = "title"
    __workflow__ = DISPUTE_FLOW
    __list_columns__ = ("title", "kind", "grid", "received_on", "mediator", "with_judicial",
                        "with_police", "status")
    __search_columns__ = ("title", "kind", "grid", "community", "status", "received_on",
                          "closed_on")
    __stats__ = (Stat("settled", _l("Disputes settled"), "closed_on",
                      where={"status": "settled"}, unit=_l("items"), by="kind"),)
    __form_columns__ = ("title", "kind", "parties", "description", "grid", "received_on",
                        "mediator", "with_judicial", "with_police")
    __order__ = ("received_on", "desc")
    __scope_keys__ = ("street_id", "community_id", "grid_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120), info=col(_l("Summary"), fulltext=True))
    kind_id: Mapped[int | None] = mapped_column(ForeignKey("dict_item.id"), index=True,
                                                info=col(_l("Type of dispute")))
    kind: Mapped[DictItem | None] = relationship(
        info=col(_l("Type of dispute"), dict_kind="dispute_type"))
    parties: Mapped[str] = mapped_column(String(200), info=col(_l("Parties")))
    description: Mapped[str | None] = mapped_column(Text, info=col(_l("What happened")))
    received_on: Mapped[dt.date] = mapped_column(Date, index=True,
                                                 info=col(_l("Received on")))
    mediator: Mapped[str | None] = mapped_column(String(50), info=col(_l("Mediator")))
    with_judicial: Mapped[bool] = mapped_column(
        Boolean, default=False, info=col(_l("Jointly with the judicial office")))
    with_police: Mapped[bool] = mapped_column(
        Boolean, default=False, info=col(_l("Jointly with the police station")))
    result: Mapped[str | None] = mapped_column(Text, info=col(_l("Result")))
    closed_on: Mapped[dt.date | None] = mapped_column(Date, index=True,
                                                      info=col(_l("Closed on")))
    status: Mapped[str] = mapped_column(String(20), default="received", index=True,
                                        info=col(_l("Status"), choices=DISPUTE_FLOW.states))
