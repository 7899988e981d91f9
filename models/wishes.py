"""微心愿: a resident's small wish, claimed by a unit or a party member, fulfilled, thanked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.meta import PortalModel, col
from models.mixins import AuditMixin, CommunityKey, GridKey, StreetKey, UnitKey, VersionMixin
from models.roles import STAFF, UNIT
from models.stats import Stat
from models.workflow import NOTE_OPTIONAL, NOTE_REQUIRED, Transition, Workflow

WISH_FLOW = Workflow(
    states={
        "collected": _l("Collected"),
        "published": _l("Published"),
        "claimed": _l("Claimed"),
        "fulfilled": _l("Fulfilled"),
        "thanked": _l("Thanked"),
        "withdrawn": _l("Withdrawn"),
    },
    initial="collected",
    editable=("collected", "published"),
    transitions=(
        Transition("publish", _l("Publish"), ("collected",), "published", STAFF),
        Transition("claim", _l("Claim"), ("published",), "claimed", (UNIT,),
                   confirm=_l("Claim this wish for your unit?"),
                   effect="app.affairs:claim_wish",
                   taken=_l("This wish has already been claimed.")),
        Transition("member_claim", _l("Claimed by a party member"), ("published",),
                   "claimed", STAFF, note=NOTE_REQUIRED, effect="app.affairs:member_claim",
                   style="default", taken=_l("This wish has already been claimed.")),
        Transition("fulfil", _l("Mark fulfilled"), ("claimed",), "fulfilled", (UNIT, *STAFF),
                   note=NOTE_OPTIONAL, effect="app.affairs:fulfil_wish", style="success"),
        Transition("thank", _l("Send thanks"), ("fulfilled",), "thanked", STAFF,
                   note=NOTE_OPTIONAL, effect="app.affairs:thank_wish", style="success"),
        Transition("withdraw", _l("Withdraw"), ("collected", "published"), "withdrawn",
                   STAFF, note=NOTE_REQUIRED, style="default"),
    ),
)


class MicroWish(UnitKey, GridKey, CommunityKey, StreetKey, AuditMixin, VersionMixin,
                PortalModel):
    """微心愿: collected by the community, published, claimed, fulfilled with a photo."""

    __tablename__ = "micro_wish"
    __label__ = _l("Micro-wish")
    __resource__ = "microwish"
    __menu_group__ = "affairs"
    __icon__ = "fa-heart"
    __menu_order__ = 20
    __title_column__ = "title"
    __workflow__ = WISH_FLOW
    __shared_with_units__ = ("published",)
    __attachments__ = True  # the photo of the fulfilled wish
    __list_columns__ = ("title", "wisher", "community", "value", "wanted_by", "status",
                        "partner_unit", "claimant")
    __search_columns__ = ("title", "community", "status", "partner_unit", "fulfilled_on")
    __stats__ = (Stat("fulfilled", _l("Micro-wishes fulfilled"), "fulfilled_on",
                      unit=_l("items")),)
    __form_columns__ = ("title", "story", "wisher", "wisher_phone", "grid", "value",
                        "wanted_by")
    __scope_keys__ = ("street_id", "community_id", "grid_id", "partner_unit_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120), info=col(_l("Wish"), fulltext=True))
    story: Mapped[str | None] = mapped_column(Text, info=col(_l("Background")))
    wisher: Mapped[str] = mapped_column(String(50), info=col(_l("Wished by")))
    wisher_phone: Mapped[str | None] = mapped_column(
        String(40), info=col(_l("Phone"), sensitive="phone"))
    value: Mapped[Decimal | None] = mapped_column(Numeric(10, 2),
                                                  info=col(_l("Estimated value (yuan)")))
    wanted_by: Mapped[dt.date | None] = mapped_column(Date, info=col(_l("Wanted by")))
    claimant: Mapped[str | None] = mapped_column(String(80),
                                                 info=col(_l("Party member who claimed")))
    fulfilled_on: Mapped[dt.date | None] = mapped_column(Date, index=True,
                                                         info=col(_l("Fulfilled on")))
    thanks: Mapped[str | None] = mapped_column(Text, info=col(_l("Thanks")))
    status: Mapped[str] = mapped_column(String(20), default="collected", index=True,
                                        info=col(_l("Status"), choices=WISH_FLOW.states))
