"""What household records keep current on every write: the address, the next visit due
(from the tags' visit frequencies and the last visit), and a member's birth date and sex
(from the ID number)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from app import personal
from models.residents import Household, Member, Visit


def next_due(household: Household) -> dt.date | None:
    """When the household must be visited next: the shortest frequency of its tags after
    the last visit (or after it was registered); None without a tag."""
    days = [t.visit_every_days for t in household.tags if t.visit_every_days]
    if not days:
        return None
    start = household.last_visit_on or (household.created_on or dt.datetime.now()).date()
    return start + dt.timedelta(days=min(days))


def _keep_current(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Visit) and obj.household is not None:
            house = obj.household
            if house.last_visit_on is None or obj.visited_on > house.last_visit_on:
                house.last_visit_on = obj.visited_on
        if isinstance(obj, Member) and obj.id_number and not personal.id_number_error(
                obj.id_number):
            obj.birth_date, obj.gender = personal.id_number_facts(obj.id_number)
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Household):
            parts = [obj.compound, f"{obj.building}栋" if obj.building else None,
                     f"{obj.unit_no}单元" if obj.unit_no else None,
                     f"{obj.room}室" if obj.room else None]
            obj.address = "".join(p for p in parts if p)[:160]
            obj.next_visit_due = next_due(obj)


def install() -> None:
    """Keep household fields current on every session (once)."""
    if not event.contains(Session, "before_flush", _keep_current):
        event.listen(Session, "before_flush", _keep_current)
