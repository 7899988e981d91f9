"""Rows of one street for the dashboard tests (unit and browser): two communities, three
grids, two partner units, four users, and records placed in June 2026, May 2026 and
around, with known figures. Created once per test session (idempotent by the street)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import Flask
from flask_babel import to_utc
from sqlalchemy import select

STREET = "看板测试街道"
MONTH = dt.date(2026, 6, 1)  # the month the tests ask for
USERS = {"dash_street": "街道管理员", "dash_comm": "社区工作者", "dash_grid": "网格员",
         "dash_unit": "共建单位"}


@dataclass(frozen=True)
class Place:
    street: int
    a: int  # community 甲 (grids a1, a2; units u1 and u2 serve it)
    b: int  # community 乙 (grid b1; unit u2 serves it)
    a1: int
    a2: int
    b1: int
    u1: int
    u2: int
    protected_tag: int
    plain_tag: int


def local(day: str, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in the portal's time zone (Asia/Shanghai), as stored: UTC."""
    moment = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute))
    return to_utc(moment)


def seed(app: Flask) -> Place:
    from conftest import bound_user

    from app.extensions import db
    from app.scoping import system
    from models.dictionary import DictItem
    from models.org import Community, Grid, PartnerUnit, Street
    from models.residents import HouseholdTag

    with app.app_context(), system():
        s = db.session
        street = s.scalar(select(Street).where(Street.name == STREET))
        if street is None:
            street = Street(name=STREET, district="测试区")
            a, b = Community(name="看板甲社区", street=street), \
                Community(name="看板乙社区", street=street)
            a1, a2 = Grid(name="甲一网格", community=a), Grid(name="甲二网格", community=a)
            b1 = Grid(name="乙一网格", community=b)
            u1 = PartnerUnit(name="看板共建单位一", contact_person="甲", communities=[a])
            u2 = PartnerUnit(name="看板共建单位二", contact_person="乙", communities=[a, b])
            elderly = DictItem(kind="demand_category", name="看板助老", active=True)
            repair = DictItem(kind="demand_category", name="看板维修", active=True)
            protected = HouseholdTag(name="看板低保户", protected=True)
            plain = HouseholdTag(name="看板高龄", protected=False)
            disabled = HouseholdTag(name="看板残疾", protected=True)
            s.add_all([street, a, b, a1, a2, b1, u1, u2, elderly, repair, protected, plain,
                       disabled])
            s.flush()
            _records(s, dict(a=a, b=b, a1=a1, a2=a2, b1=b1, u1=u1, u2=u2, elderly=elderly,
                             repair=repair, protected=protected, plain=plain,
                             disabled=disabled))
            s.commit()
        a = s.scalar(select(Community).where(Community.name == "看板甲社区"))
        b = s.scalar(select(Community).where(Community.name == "看板乙社区"))
        grids = {g.name: g for g in s.scalars(select(Grid).where(Grid.street_id == street.id))}
        units = {u.name: u for u in s.scalars(select(PartnerUnit).where(
            PartnerUnit.name.like("看板共建单位%")))}
        tags = {t.name: t for t in s.scalars(select(HouseholdTag).where(
            HouseholdTag.name.like("看板%")))}
        place = Place(street.id, a.id, b.id, grids["甲一网格"].id, grids["甲二网格"].id,
                      grids["乙一网格"].id, units["看板共建单位一"].id,
                      units["看板共建单位二"].id, tags["看板低保户"].id, tags["看板高龄"].id)
        bound_user(app, "dash_street", USERS["dash_street"], street_id=place.street)
        bound_user(app, "dash_comm", USERS["dash_comm"], community_id=place.a)
        bound_user(app, "dash_grid", USERS["dash_grid"], grids=[grids["甲一网格"]])
        bound_user(app, "dash_unit", USERS["dash_unit"], partner_unit_id=place.u1)
    return place


def _records(s: Any, rows: dict[str, Any]) -> None:
    """The records of the street; their figures are spelled out in the tests."""
    from models.cobuild import Demand, Project, WorkLog
    from models.disputes import Dispute
    from models.requests import ResidentRequest
    from models.residents import Household
    from models.wishes import MicroWish

    d = dt.date.fromisoformat
    a, b, a1, a2, b1 = (rows[k] for k in ("a", "b", "a1", "a2", "b1"))
    u1, u2, elderly, repair = (rows[k] for k in ("u1", "u2", "elderly", "repair"))
    protected, plain, disabled = rows["protected"], rows["plain"], rows["disabled"]
    s.add_all([
        Demand(title="看板需求一", community=a, category=elderly, status="published",
               published_on=d("2026-06-03")),
        Demand(title="看板需求二", community=a, category=repair, status="completed",
               partner_unit=u1, published_on=d("2026-06-05"), claimed_on=d("2026-06-06"),
               completed_on=d("2026-06-20")),
        Demand(title="看板需求三", community=b, category=elderly, status="claimed",
               partner_unit=u2, published_on=d("2026-06-10"), claimed_on=d("2026-06-11")),
        Demand(title="看板需求四", community=a, category=elderly, status="evaluated",
               partner_unit=u2, published_on=d("2026-05-20"), claimed_on=d("2026-06-02"),
               completed_on=d("2026-06-25")),
        Demand(title="看板需求五", community=a, category=repair, status="draft"),
    ])
    p1 = Project(name="看板项目一", partner_unit=u1, community=a)
    p2 = Project(name="看板项目二", partner_unit=u2, community=b)
    p3 = Project(name="看板项目三", partner_unit=u2, community=a)
    s.add_all([p1, p2, p3])
    for project, day, status, hours, people in (
            (p1, "2026-06-04", "approved", "2", 10), (p1, "2026-06-30", "approved", "3.5", 5),
            (p1, "2026-06-15", "pending", "1", 3), (p2, "2026-06-08", "approved", "4", 20),
            (p3, "2026-07-01", "approved", "2", 8), (p3, "2026-05-31", "approved", "1", 4)):
        s.add(WorkLog(project=project, work_date=d(day), status=status, hours=Decimal(hours),
                      beneficiaries=people, summary=f"看板服务{day}"))
    s.add_all([
        ResidentRequest(subject="看板诉求一", grid=a1, received_at=local("2026-06-01", 0, 30),
                        resolved_at=local("2026-06-02", 12, 30),
                        hours_to_close=Decimal("36.0"), status="resolved"),
        ResidentRequest(subject="看板诉求二", grid=a2, received_at=local("2026-05-31", 23, 30),
                        resolved_at=local("2026-06-03", 15, 30),
                        hours_to_close=Decimal("40.0"), status="closed"),
        ResidentRequest(subject="看板诉求三", grid=b1, received_at=local("2026-06-15", 10),
                        status="in_progress"),
        MicroWish(title="看板心愿一", wisher="张", grid=a1, partner_unit=u2,
                  status="fulfilled", fulfilled_on=d("2026-06-09")),
        MicroWish(title="看板心愿二", wisher="李", grid=b1, status="fulfilled",
                  fulfilled_on=d("2026-07-02")),
        Dispute(title="看板纠纷一", parties="两户", grid=a2, received_on=d("2026-06-01"),
                status="settled", closed_on=d("2026-06-12")),
        Dispute(title="看板纠纷二", parties="两户", grid=a2, received_on=d("2026-06-01"),
                status="unsettled", closed_on=d("2026-06-13")),
        Dispute(title="看板纠纷三", parties="两户", grid=b1, received_on=d("2026-05-01"),
                status="settled", closed_on=d("2026-05-30")),
    ])
    from app.points import post

    for unit, points in ((u1, 12), (u2, 8)):  # points credited in June
        post(s, unit.id, points, "看板服务记录审核通过", street_id=a.street_id).at = \
            dt.datetime(2026, 6, 20, 2)
    # households 1 and 4 were last visited long ago: overdue; the others just now
    for n, grid, tags, visited in ((1, a1, [protected], "2026-01-01"), (2, a1, [protected], None),
                                   (3, a1, [protected], None), (4, a2, [plain], "2026-01-01"),
                                   (5, a2, [plain], None), (6, b1, [protected, plain], None),
                                   (7, a1, [disabled], None)):
        s.add(Household(grid=grid, building=f"看板{n}栋", room="101", head_name=f"户主{n}",
                        tags=tags, last_visit_on=d(visited) if visited else dt.date.today()))
