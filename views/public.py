"""费用公开 for residents: a community's published fee ledger, readable without an account.

``/public/fees/`` lists the communities that publish a ledger, ``/public/fees/<id>/`` shows
one community's published entries by fund with income, expense and balance. The page
reads outside any user's scope on purpose, and only what staff marked 向居民公示: the
fund, date, item, amount and who handled it — no other record type, no personal data.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import abort
from flask_appbuilder import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.scoping import system
from models.ledgers import FeeEntry
from models.org import Community

MENU_NAME = "PublicFees"
LABEL = _l("Residents' notice board")


@dataclass
class Fund:
    """One fund's published entries and totals."""

    name: str
    entries: list[FeeEntry] = field(default_factory=list)
    income: Decimal = Decimal(0)
    expense: Decimal = Decimal(0)

    @property
    def balance(self) -> Decimal:
        return self.income - self.expense


def funds_of(community_id: int) -> list[Fund]:
    """The community's published entries grouped by fund, newest first, with totals."""
    with system():
        rows = db.session.scalars(
            select(FeeEntry).where(FeeEntry.community_id == community_id,
                                   FeeEntry.published.is_(True))
            .order_by(FeeEntry.fund, FeeEntry.occurred_on.desc(), FeeEntry.id.desc())).all()
    funds: OrderedDict[str, Fund] = OrderedDict()
    for row in rows:
        fund = funds.setdefault(row.fund, Fund(row.fund))
        fund.entries.append(row)
        if row.kind == "income":
            fund.income += row.amount
        else:
            fund.expense += row.amount
    return list(funds.values())


class PublicFeesView(BaseView):
    """The residents' notice board of fees (no sign-in)."""

    route_base = "/public/fees"
    default_view = "index"

    @expose("/")
    def index(self) -> Any:
        with system():
            communities = db.session.scalars(
                select(Community).where(Community.id.in_(
                    select(FeeEntry.community_id).where(FeeEntry.published.is_(True))))
                .order_by(Community.name)).all()
        return self.render_template("tongxin/public_fees.html", communities=communities,
                                    community=None, funds=[], title=str(LABEL))

    @expose("/<int:community_id>/")
    def community(self, community_id: int) -> Any:
        with system():
            community = db.session.get(Community, community_id)
        if community is None:
            abort(404)
        return self.render_template(
            "tongxin/public_fees.html", communities=[], community=community,
            funds=funds_of(community_id),
            title=_("Fee ledger of %(community)s", community=community.name))
