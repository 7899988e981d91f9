"""Demo data of the co-building cycle: categories, points rules, a points shop per street,
demands in every community, and unit1's claimed demand with its project and work logs.

Idempotent like the rest of the demo: rows are looked up by their natural key (name or
title and place) and only created when missing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from app.clock import today
from app.extensions import db
from app.points import post
from models.cobuild import Demand, Project, Resource, Review, WorkLog
from models.dictionary import DictItem
from models.org import Community, PartnerUnit, Street
from models.points import PointsEntry, PointsRule, ShopItem

CATEGORIES = ("助老服务", "助残服务", "四点半课堂", "环境整治", "设施维修", "法律咨询",
              "医疗义诊", "文体活动", "矛盾调解", "安全隐患")

#: category → (points per log, per hour, cap per log); the rule without a category is last
RULES = {"助老服务": (5, 2, 20), "四点半课堂": (4, 2, 16), "设施维修": (6, 1, 15),
         "医疗义诊": (8, 2, 24), None: (2, 1, 10)}

SHOP = (("洗衣液（2kg）", 30, 40), ("大米（5kg）", 60, 20), ("保温杯", 45, 15),
        ("社区文化活动门票", 20, 50))

#: (title, category, urgency, source, beneficiaries, state) for every community
DEMANDS = (
    ("独居老人家中水管漏水维修", "设施维修", "urgent", "visit", 1, "published"),
    ("暑期四点半课堂志愿辅导老师", "四点半课堂", "normal", "wechat", 30, "published"),
    ("高龄老人每周送餐上门", "助老服务", "normal", "visit", 12, "published"),
    ("楼道堆物清理与消防通道整治", "安全隐患", "urgent", "hotline", 200, "draft"),
)


#: unit type → (resource name, kind, category, capacity, availability)
RESOURCES = {
    "机关单位": ("党员志愿服务队", "volunteers", "环境整治", "每次 10 人", "每月第一个周六"),
    "学校": ("周末开放的操场与教室", "venue", "四点半课堂", "可容纳 200 人", "周末及寒暑假"),
    "企业": ("设施维修技术人员", "expertise", "设施维修", "每次 3 人", "工作日预约"),
    "商户": ("爱心折扣与物资捐赠", "goods", "助老服务", "每月 500 元物资", "长期"),
    "社会组织": ("专业社工与心理疏导", "expertise", "矛盾调解", "每周 2 次", "工作日"),
    "驻区单位": ("医护人员义诊", "expertise", "医疗义诊", "每次 5 人", "每季度一次"),
}


def _one(model: type, **keys: Any) -> Any:
    return db.session.scalars(select(model).filter_by(**keys)).first()


def _get_or_add(model: type, keys: dict[str, Any], values: dict[str, Any]) -> tuple[Any, bool]:
    row = _one(model, **keys)
    if row is not None:
        return row, False
    row = model(**keys, **values)
    db.session.add(row)
    db.session.flush()
    return row, True


def load_cobuild(unit1: PartnerUnit, community1: Community) -> dict[str, int]:
    """Create the missing co-building demo rows; return counts created by kind."""
    created = {"categories": 0, "rules": 0, "shop": 0, "demands": 0, "logs": 0}
    categories = {}
    for order, name in enumerate(CATEGORIES):
        categories[name], new = _get_or_add(
            DictItem, {"kind": "demand_category", "name": name}, {"sort_order": order})
        created["categories"] += new
    for category, (per_log, per_hour, cap) in RULES.items():
        name = f"{category}积分" if category else "默认积分"
        _, new = _get_or_add(PointsRule, {"name": name}, {
            "category": categories.get(category) if category else None,
            "per_log": per_log, "per_hour": per_hour, "cap": cap})
        created["rules"] += new
    for street in db.session.scalars(select(Street)):
        for name, cost, stock in SHOP:
            _, new = _get_or_add(ShopItem, {"name": name, "street_id": street.id},
                                 {"cost": cost, "stock": stock})
            created["shop"] += new
    for community in db.session.scalars(select(Community)):
        for title, category, urgency, source, people, state in DEMANDS:
            _, new = _get_or_add(Demand, {"title": title, "community_id": community.id}, {
                "street_id": community.street_id, "category": categories.get(category),
                "urgency": urgency, "source": source, "beneficiaries": people,
                "status": state, "wanted_by": dt.date(2026, 12, 31),
                "published_on": None if state == "draft" else today() - dt.timedelta(days=3)})
            created["demands"] += new
    created["resources"] = 0
    for unit in db.session.scalars(select(PartnerUnit)):
        kind = unit.unit_type.name if unit.unit_type else None
        if kind in RESOURCES:
            name, res_kind, category, capacity, when = RESOURCES[kind]
            _, new = _get_or_add(Resource, {"name": name, "partner_unit_id": unit.id}, {
                "kind": res_kind, "category": categories.get(category), "capacity": capacity,
                "availability": when})
            created["resources"] += new
    created["logs"] = _unit1_project(unit1, community1, categories)
    return created


def _unit1_project(unit: PartnerUnit, community: Community,
                   categories: dict[str, DictItem]) -> int:
    """unit1 has claimed one demand: a project, an approved log (with points), a pending one."""
    demand, new = _get_or_add(Demand, {"title": "重阳节敬老义诊", "community_id": community.id}, {
        "street_id": community.street_id, "category": categories["医疗义诊"],
        "urgency": "normal", "source": "visit", "beneficiaries": 60, "status": "in_progress",
        "partner_unit_id": unit.id, "published_on": dt.date(2026, 10, 15),
        "claimed_on": dt.date(2026, 10, 18)})
    project, _ = _get_or_add(Project, {"name": "重阳节敬老义诊", "partner_unit_id": unit.id}, {
        "demand": demand, "community_id": community.id, "street_id": community.street_id,
        "responsible": unit.contact_person, "start_date": dt.date(2026, 10, 20)})
    made = 0
    for day, summary, hours, status in ((dt.date(2026, 10, 29), "社区广场义诊，测血压血糖",
                                         3, "approved"),
                                        (dt.date(2026, 11, 12), "入户回访慢病老人", 2,
                                         "pending")):
        log, new = _get_or_add(WorkLog, {"project_id": project.id, "summary": summary}, {
            "work_date": day, "hours": hours, "people_sent": 4, "beneficiaries": 35,
            "partner_unit_id": unit.id, "community_id": community.id,
            "street_id": community.street_id, "status": status})
        made += new
        if new and status == "approved":
            db.session.add(Review(work_log=log, result="approved", rating=5,
                                  reviewer="社区工作者", reviewed_on=dt.datetime(2026, 10, 30)))
            if _one(PointsEntry, source="worklog", source_id=log.id) is None:
                post(db.session, unit.id, 14, f"服务记录审核通过：{summary}",
                     street_id=community.street_id, source="worklog", source_id=log.id)
    return made
