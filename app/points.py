"""Points: credited for approved work logs by rules kept as data, spent in the points shop.

Every change of a balance is one ledger row (``PointsEntry``, append-only) plus one
conditional UPDATE of the unit's ``PointsAccount``: ``balance = balance + n`` where a debit
also requires ``balance >= -n``. A redemption likewise takes stock with
``stock = stock - q WHERE stock >= q``. So under any number of concurrent redemptions no
balance goes negative and no stock below zero: the database decides, row by row.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.integrity import UserFacingError
from app.scoping import system
from models.cobuild import WorkLog
from models.points import PointsAccount, PointsEntry, PointsRule, Redemption, ShopItem
from models.volunteers import VolunteerService

ACCOUNTS = PointsAccount.__table__
ITEMS = ShopItem.__table__


class NotEnough(UserFacingError):
    """Not enough points or stock; nothing was changed."""


def post(session: Session, unit_id: int | None, points: int, reason: str, *,
         street_id: int | None, source: str | None = None, source_id: int | None = None,
         volunteer_id: int | None = None) -> PointsEntry:
    """Add ``points`` (negative for a debit) to the balance of the unit — or, with
    ``volunteer_id``, of the volunteer — and to the ledger."""
    if (unit_id is None) == (volunteer_id is None):
        raise ValueError("points are held by exactly one unit or one volunteer")
    holder = (ACCOUNTS.c.partner_unit_id == unit_id if unit_id is not None
              else ACCOUNTS.c.volunteer_id == volunteer_id)
    conn = session.connection()
    change = ACCOUNTS.update().where(holder).values(balance=ACCOUNTS.c.balance + points)
    if points < 0:
        change = change.where(ACCOUNTS.c.balance >= -points)
    if conn.execute(change).rowcount != 1:
        if points < 0:
            raise NotEnough(_("Not enough points."))
        try:
            with conn.begin_nested():
                conn.execute(ACCOUNTS.insert().values(
                    partner_unit_id=unit_id, volunteer_id=volunteer_id, balance=points))
        except IntegrityError:  # another request created the account first
            conn.execute(change)
    balance = conn.execute(select(ACCOUNTS.c.balance).where(holder)).scalar_one()
    entry = PointsEntry(partner_unit_id=unit_id, volunteer_id=volunteer_id,
                        street_id=street_id, points=points, balance=balance,
                        reason=reason[:200], source=source, source_id=source_id)
    session.add(entry)
    return entry


def rule_for(session: Session, log: WorkLog | None = None, *,
             applies_to: str = "worklog") -> PointsRule | None:
    """The active rule for ``applies_to``: for a log, the rule of its demand category,
    else the rule without a category (the newest one, should there be several)."""
    demand = log.project.demand if log is not None and log.project is not None else None
    category_id = demand.category_id if demand is not None else None
    with system():
        rules = {r.category_id: r for r in session.scalars(select(PointsRule).where(
            PointsRule.active.is_(True), PointsRule.applies_to == applies_to
        ).order_by(PointsRule.id))}
    return rules.get(category_id) or rules.get(None)


def _amount(rule: PointsRule | None, hours: Any) -> int:
    """Points by ``rule``: per record + per hour, capped per record."""
    if rule is None:
        return 0
    return min(rule.cap, rule.per_log + int(rule.per_hour * float(hours or 0)))


def credit_for_log(log: WorkLog) -> PointsEntry | None:
    """Credit an approved log's unit by the rule."""
    session = Session.object_session(log)
    if session is None or log.partner_unit_id is None:
        return None
    points = _amount(rule_for(session, log), log.hours)
    if points <= 0:
        return None
    return post(session, log.partner_unit_id, points,
                _("Approved work log: %(summary)s", summary=log.summary),
                street_id=log.street_id, source=WorkLog.__resource__, source_id=log.id)


def credit_for_service(service: VolunteerService) -> PointsEntry | None:
    """Credit a volunteer for approved hours by the volunteer-hours rule."""
    session = Session.object_session(service)
    if session is None:
        return None
    points = _amount(rule_for(session, applies_to="volunteer"), service.hours)
    if points <= 0:
        return None
    return post(session, None, points,
                _("Volunteer hours approved: %(activity)s", activity=service.activity.title),
                street_id=service.street_id, source=VolunteerService.__resource__,
                source_id=service.id, volunteer_id=service.volunteer_id)


def _redeem(session: Session, redemption: Redemption) -> None:
    """Take the stock and the points of a new redemption, or refuse it whole."""
    quantity = redemption.quantity or 0
    if quantity < 1:
        raise NotEnough(_("The quantity must be at least 1."))
    with system():
        item = redemption.item or session.get(ShopItem, redemption.item_id)
    if item is None or not item.active:
        raise NotEnough(_("This item is not on sale."))
    taken = session.connection().execute(ITEMS.update().where(
        ITEMS.c.id == item.id, ITEMS.c.stock >= quantity, ITEMS.c.active.is_(True)
    ).values(stock=ITEMS.c.stock - quantity))
    if taken.rowcount != 1:
        raise NotEnough(_("Not enough stock."))
    unit = redemption.partner_unit
    unit_id = redemption.partner_unit_id or (unit.id if unit is not None else None)
    volunteer = redemption.volunteer
    volunteer_id = redemption.volunteer_id or (volunteer.id if volunteer is not None else None)
    if volunteer_id is not None and unit_id is not None:
        raise NotEnough(_("A partner unit redeems its own points; leave the volunteer empty."))
    if unit_id is None and volunteer_id is None:
        raise NotEnough(_("Only an account bound to a partner unit can redeem points, or "
                          "staff for a volunteer."))
    redemption.points = item.cost * quantity
    post(session, unit_id, -redemption.points,
         _("Redeemed %(quantity)s × %(item)s", quantity=quantity, item=item.name),
         street_id=item.street_id, source=Redemption.__resource__, volunteer_id=volunteer_id)


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in list(session.new):
        if isinstance(obj, Redemption):
            _redeem(session, obj)


def install() -> None:
    """Take stock and points for every new redemption, on every path (once)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
