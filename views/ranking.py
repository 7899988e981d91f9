"""积分排行: partner units ranked by points earned, per community or street and period.

Read through the ORM session like every list, so each viewer ranks only the units and
ledger rows of its own scope.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import request
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from models.mixins import utcnow
from models.org import Community, PartnerUnit, unit_community
from models.points import PointsEntry

#: the ranking's menu entry (also the name of its menu permission)
RANKING_MENU = "PointsRanking"

PERIODS = {"month": _l("This month"), "year": _l("This year"), "all": _l("All time")}


def period_start(period: str, today: dt.date) -> dt.datetime | None:
    """Where a period begins (UTC midnight), or None for all time."""
    if period == "month":
        return dt.datetime(today.year, today.month, 1)
    if period == "year":
        return dt.datetime(today.year, 1, 1)
    return None


def ranking(period: str, community_id: int | None, limit: int = 100,
            between: tuple[dt.datetime, dt.datetime] | None = None) -> list[dict[str, Any]]:
    """Units by points earned (credits only) in the period — or ``between`` two UTC
    moments (exclusive), e.g. a month of the dashboard — best first."""
    earned = func.sum(PointsEntry.points).label("earned")
    stmt = (select(PartnerUnit.id, PartnerUnit.name, earned, func.count().label("entries"))
            .join(PointsEntry, PointsEntry.partner_unit_id == PartnerUnit.id)
            .where(PointsEntry.points > 0)
            .group_by(PartnerUnit.id, PartnerUnit.name)
            .order_by(earned.desc(), PartnerUnit.name).limit(limit))
    if between is not None:
        stmt = stmt.where(PointsEntry.at > between[0], PointsEntry.at < between[1])
    elif (start := period_start(period, utcnow().date())) is not None:
        stmt = stmt.where(PointsEntry.at >= start)
    if community_id is not None:
        stmt = stmt.where(PartnerUnit.id.in_(select(unit_community.c.partner_unit_id).where(
            unit_community.c.community_id == community_id)))
    return [{"rank": i, "unit_id": row.id, "name": row.name, "points": int(row.earned),
             "entries": row.entries} for i, row in enumerate(db.session.execute(stmt), 1)]


class RankingView(BaseView):
    """The ranking page, with a period and an optional community."""

    route_base = "/ranking"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self) -> Any:
        period = request.args.get("period", "month")
        if period not in PERIODS:
            period = "month"
        try:
            community_id = int(request.args["community"]) if request.args.get("community") \
                else None
        except ValueError:
            community_id = None
        communities = list(db.session.scalars(select(Community).order_by(Community.name)))
        if community_id not in {c.id for c in communities}:
            community_id = None
        return self.render_template(
            "tongxin/ranking.html", title=_l("Points ranking of partner units"),
            rows=ranking(period, community_id), periods=PERIODS, period=period,
            communities=communities, community_id=community_id)
