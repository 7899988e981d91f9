"""What the co-building transitions do besides changing a state (their ``effect``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import g
from flask_babel import gettext as _
from flask_babel import to_user_timezone

from app.extensions import db
from app.workflow import TransitionRefused
from models.cobuild import Demand, Project, Review, WorkLog
from models.mixins import utcnow


def _writer_unit(user: Any) -> int:
    """The partner unit the user acts for (its scope has exactly one)."""
    scope = g.get("tx_scope")
    units = sorted(scope.unit_ids) if scope is not None else []
    if len(units) != 1:
        raise TransitionRefused(_("Only an account bound to a partner unit can do this."))
    return units[0]


def claim_demand(demand: Demand, user: Any, **_: Any) -> None:
    """认领: the demand becomes the unit's, and the unit gets a project for it."""
    unit_id = _writer_unit(user)
    demand.partner_unit_id = unit_id
    db.session.add(Project(
        name=demand.title, demand=demand, partner_unit_id=unit_id,
        community_id=demand.community_id, street_id=demand.street_id,
        responsible=f"{user.first_name}{user.last_name}"[:50],
        start_date=to_user_timezone(dt.datetime.now(dt.UTC)).date()))


def review_log(log: WorkLog, user: Any, note: str | None = None,
               rating: int | None = None, **_: Any) -> None:
    """通过 / 退回: the community's verdict is kept as a review of the log."""
    db.session.add(Review(work_log=log, result=log.status, rating=rating, reason=note,
                          reviewer=f"{user.first_name} {user.last_name}".strip()[:128],
                          reviewed_on=utcnow()))
    if log.status == "approved":
        from app import points

        points.credit_for_log(log)
