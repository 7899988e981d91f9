"""What the co-building transitions do besides changing a state (their ``effect``)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask_babel import gettext as _
from sqlalchemy import update

from app.clock import today
from app.extensions import db
from app.workflow import TransitionLost, TransitionRefused, record
from models.cobuild import Demand, DemandOffer, Project, Review, WorkLog
from models.mixins import utcnow


def writer_unit(user: Any) -> int:
    """The partner unit the user acts for (its scope has exactly one)."""
    scope = g.get("tx_scope")
    units = sorted(scope.unit_ids) if scope is not None else []
    if len(units) != 1:
        raise TransitionRefused(_("Only an account bound to a partner unit can do this."))
    return units[0]


def _project_for(demand: Demand, unit_id: int, responsible: str) -> None:
    db.session.add(Project(
        name=demand.title, demand=demand, partner_unit_id=unit_id,
        community_id=demand.community_id, street_id=demand.street_id,
        responsible=responsible[:50] or None,
        start_date=today()))


def claim_demand(demand: Demand, user: Any, **_ignored: Any) -> None:
    """认领: the demand becomes the unit's, and the unit gets a project for it."""
    unit_id = writer_unit(user)
    demand.partner_unit_id = unit_id
    _project_for(demand, unit_id, f"{user.first_name}{user.last_name}")


def accept_offer(offer: DemandOffer, user: Any, **_ignored: Any) -> None:
    """采纳报名: the demand goes to the offering unit (as if it had claimed it, and only
    if nobody claimed it first); the demand's other offers are declined."""
    demand = offer.demand
    taken = db.session.execute(
        update(Demand).where(Demand.id == demand.id, Demand.status == "published").values(
            status="claimed", partner_unit_id=offer.partner_unit_id,
            version=Demand.version + 1),
        execution_options={"synchronize_session": False})
    if taken.rowcount != 1:
        raise TransitionLost(_("This demand has already been claimed."))
    db.session.refresh(demand)
    _project_for(demand, offer.partner_unit_id, offer.partner_unit.contact_person or "")
    record(demand, "claim", "published", "claimed", user,
           note=_("Offer of %(unit)s accepted", unit=offer.partner_unit))
    db.session.execute(
        update(DemandOffer).where(DemandOffer.demand_id == demand.id,
                                  DemandOffer.id != offer.id,
                                  DemandOffer.status == "offered").values(status="declined"),
        execution_options={"synchronize_session": False})


def review_log(log: WorkLog, user: Any, note: str | None = None,
               rating: int | None = None, **_ignored: Any) -> None:
    """通过 / 退回: the community's verdict is kept as a review of the log."""
    db.session.add(Review(work_log=log, result=log.status, rating=rating, reason=note,
                          reviewer=f"{user.first_name} {user.last_name}".strip()[:128],
                          reviewed_on=utcnow()))
    if log.status == "approved":
        from app import points

        points.credit_for_log(log)
