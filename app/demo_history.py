"""A year of finished work in the first street, so that the dashboard's trend, breakdowns
and community comparison have something to show: each month, in each of the street's
communities, demands published, claimed and completed by the units serving it, their
projects' approved work logs (with points), requests received and resolved, fulfilled
micro-wishes and settled disputes.

Seeded, so every run makes the same rows; a community's month is made once (its first
demand's title and place are the key), so running the demo again adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from flask_babel import to_utc
from sqlalchemy import select

from app.clock import today
from app.extensions import db
from app.points import post
from app.stats import last_months
from models.cobuild import Demand, Project, Review, WorkLog
from models.dictionary import DictItem
from models.disputes import Dispute
from models.org import Community, Grid, PartnerUnit, Street
from models.requests import ResidentRequest
from models.wishes import MicroWish

MONTHS = 12
#: (demand title, what a work log says) by demand category
WORK = {
    "助老服务": ("高龄老人助餐送餐", "为独居老人送餐并测量血压"),
    "四点半课堂": ("四点半课堂课业辅导", "辅导小学生完成作业"),
    "环境整治": ("背街小巷环境整治", "清理楼道堆物和绿化带垃圾"),
    "设施维修": ("老旧小区设施维修", "更换楼道灯并修补破损台阶"),
    "医疗义诊": ("社区健康义诊", "义诊并讲解慢病用药"),
    "文体活动": ("邻里文化节", "组织广场舞展演和亲子游戏"),
    "法律咨询": ("法律明白人进社区", "解答居民婚姻家庭和物业纠纷问题"),
}
REQUESTS = ("小区路灯不亮", "楼道堆放杂物", "下水道堵塞", "噪音扰民", "停车难", "垃圾清运不及时")
WISHES = ("一台助听器", "一套儿童绘本", "一件过冬棉衣", "一辆助行车")
DISPUTES = ("楼上漏水引发邻里纠纷", "占用公共车位", "宠物扰邻")


def load_history(street: Street) -> int:
    """Make the missing months of the street's communities; return rows created."""
    rnd = random.Random(2026)
    dicts = {(d.kind, d.name): d for d in db.session.scalars(select(DictItem))}
    categories = [dicts["demand_category", name] for name in WORK
                  if ("demand_category", name) in dicts]
    request_kinds = [d for (kind, _n), d in dicts.items() if kind == "request_category"]
    dispute_kinds = [d for (kind, _n), d in dicts.items() if kind == "dispute_type"]
    now = today()
    first = dt.date(now.year, now.month, 1)
    made = 0
    for community in db.session.scalars(select(Community).where(
            Community.street_id == street.id).order_by(Community.id)):
        units = list(db.session.scalars(select(PartnerUnit).where(
            PartnerUnit.communities.any(Community.id == community.id)).order_by(PartnerUnit.id)))
        grids = list(db.session.scalars(select(Grid).where(Grid.community_id == community.id)))
        if not units or not grids or not categories:
            continue
        for month in last_months(first, MONTHS):
            made += _month(rnd, community, units, grids, month, now, categories,
                           request_kinds, dispute_kinds)
    db.session.flush()
    return made


def _day(rnd: random.Random, month: dt.date, now: dt.date, last: int = 25) -> dt.date:
    day = month + dt.timedelta(days=rnd.randrange(0, last))
    return min(day, now)


def _month(rnd: random.Random, community: Community, units: list[PartnerUnit],
           grids: list[Grid], month: dt.date, now: dt.date, categories: list[DictItem],
           request_kinds: list[DictItem], dispute_kinds: list[DictItem]) -> int:
    place: dict[str, Any] = {"community_id": community.id, "street_id": community.street_id}
    key = f"（{month:%Y年%m月}）"
    if db.session.scalar(select(Demand.id).where(Demand.community_id == community.id,
                                                 Demand.title.endswith(key))) is not None:
        return 0
    made = 0
    for n in range(rnd.randint(2, 4)):
        category = rnd.choice(categories)
        title, work = WORK[category.name]
        unit = rnd.choice(units)
        published = _day(rnd, month, now)
        claimed = min(published + dt.timedelta(days=rnd.randint(1, 4)), now)
        completed = claimed + dt.timedelta(days=rnd.randint(5, 20))
        done = completed <= now
        demand = Demand(title=f"{title}{'·' * n}{key}", category=category, **place,
                        grid_id=rnd.choice(grids).id, partner_unit_id=unit.id,
                        beneficiaries=rnd.randint(5, 60), source=rnd.choice(
                            ("visit", "hotline", "wechat", "wishwall")),
                        status=("evaluated" if rnd.random() < 0.6 else "completed")
                        if done else "in_progress",
                        published_on=published, claimed_on=claimed,
                        completed_on=completed if done else None)
        project = Project(name=demand.title, demand=demand, partner_unit_id=unit.id,
                          start_date=claimed, **place)
        db.session.add_all([demand, project])
        made += 2
        for _ in range(rnd.randint(1, 3)):
            made += _log(rnd, project, unit, work, _day(rnd, month, now, 28), place)
    for _ in range(rnd.randint(3, 6)):
        received = _day(rnd, month, now)
        resolved = received + dt.timedelta(days=rnd.randint(1, 6), hours=rnd.randint(1, 20))
        done = resolved <= now
        at = to_utc(dt.datetime.combine(received, dt.time(9 + rnd.randint(0, 7))))
        resolved_at = at + (resolved - received) if done else None
        db.session.add(ResidentRequest(
            subject=rnd.choice(REQUESTS), category=rnd.choice(request_kinds or [None]),
            source=rnd.choice(("hotline", "phone", "walk_in", "patrol")), requester="居民",
            grid_id=rnd.choice(grids).id, **place, received_at=at, resolved_at=resolved_at,
            hours_to_close=Decimal(str(round((resolved_at - at).total_seconds() / 3600, 1)))
            if resolved_at else None,
            status="closed" if done else "in_progress", result="已办结" if done else None))
        made += 1
    for _ in range(rnd.randint(0, 2)):
        fulfilled = _day(rnd, month, now)
        db.session.add(MicroWish(title=rnd.choice(WISHES), wisher="居民", **place,
                                 grid_id=rnd.choice(grids).id,
                                 partner_unit_id=rnd.choice(units).id, status="thanked",
                                 fulfilled_on=fulfilled))
        made += 1
    for _ in range(rnd.randint(0, 2)):
        received = _day(rnd, month, now)
        settled = rnd.random() < 0.8
        db.session.add(Dispute(title=rnd.choice(DISPUTES), parties="两户居民",
                               kind=rnd.choice(dispute_kinds or [None]), **place,
                               grid_id=rnd.choice(grids).id, received_on=received,
                               mediator="调解委员会",
                               closed_on=min(received + dt.timedelta(days=rnd.randint(0, 9)), now),
                               status="settled" if settled else "unsettled",
                               result="双方达成和解" if settled else "建议通过诉讼解决"))
        made += 1
    return made


def _log(rnd: random.Random, project: Project, unit: PartnerUnit, work: str,
         day: dt.date, place: dict[str, Any]) -> int:
    hours = Decimal(rnd.choice(("1.5", "2", "3", "4")))
    log = WorkLog(project=project, partner_unit_id=unit.id, work_date=day, hours=hours,
                  people_sent=rnd.randint(2, 8), beneficiaries=rnd.randint(5, 40),
                  summary=work, status="approved", **place)
    db.session.add(log)
    db.session.flush()
    db.session.add(Review(work_log=log, result="approved", rating=rnd.randint(4, 5),
                          reviewer="社区工作者",
                          reviewed_on=dt.datetime.combine(day, dt.time(18))))
    points = min(int(2 + hours * 2), 16)
    entry = post(db.session, unit.id, points, f"服务记录审核通过：{work}",
                 street_id=place["street_id"], source="worklog", source_id=log.id)
    entry.at = dt.datetime.combine(day, dt.time(10))
    return 2
