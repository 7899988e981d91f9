"""Demo households of grid1: five-colour tags, households, members with valid ID numbers,
one recent visit — some households overdue, so the to-do list has something to show.
Idempotent: looked up by tag name and by (grid, building, room)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.extensions import db
from models.org import Grid
from models.residents import Household, HouseholdTag, Member, Visit

#: name → (colour, visit every n days, sensitive group)
TAGS = {"高龄": ("红", 30, False), "独居/空巢": ("橙", 30, False), "残疾": ("黄", 60, True),
        "低保": ("绿", 90, True), "困境儿童": ("紫", 30, True), "退役军人": ("蓝", 90, False)}

#: (building, room, head, phone, tags, members: (name, relation, id number without check))
HOMES = (
    ("3", "201", "赵桂兰", "13904721234", ("高龄", "独居/空巢"),
     (("赵桂兰", "本人", "15020219400312002"),)),
    ("3", "402", "王建国", "13847215566", ("退役军人",), (("王建国", "本人", "15020219550801003"),
                                                        ("李秀英", "配偶", "15020219570216004"))),
    ("5", "101", "刘秀珍", "0472-4123456", ("低保", "残疾"),
     (("刘秀珍", "本人", "15020219680520002"),)),
    ("5", "302", "陈志强", "15104729876", ("困境儿童",), (("陈志强", "本人", "15020219850101001"),
                                                      ("陈小雨", "女儿", "15020220150608002"))),
    ("7", "601", "孙玉梅", "13674728899", ("高龄",), (("孙玉梅", "本人", "15020219380909002"),)),
)


def with_check_digit(first17: str) -> str:
    """A GB 11643 ID number from its first 17 digits."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def load_residents(grid: Grid) -> int:
    """Create the missing demo tags, households, members and visits; return homes created."""
    tags = {}
    for name, (colour, days, protected) in TAGS.items():
        tag = db.session.scalars(select(HouseholdTag).filter_by(name=name)).first()
        if tag is None:
            tag = HouseholdTag(name=name, colour=colour, visit_every_days=days,
                               protected=protected)
            db.session.add(tag)
        tags[name] = tag
    made = 0
    registered = dt.datetime(2026, 9, 1)
    for building, room, head, phone, names, members in HOMES:
        found = db.session.scalars(select(Household).filter_by(
            grid_id=grid.id, building=building, room=room)).first()
        if found is not None:
            continue
        home = Household(grid=grid, compound="南龙王庙小区", building=building, unit_no="1",
                         room=room, head_name=head, phone=phone, created_on=registered,
                         tags=[tags[n] for n in names])
        db.session.add(home)
        for name, relation, first17 in members:
            db.session.add(Member(household=home, name=name, relation=relation,
                                  id_number=with_check_digit(first17)))
        if room == "402":
            db.session.add(Visit(household=home, visited_on=dt.date(2026, 11, 10),
                                 visitor=grid.worker_name or "网格员", health="身体硬朗",
                                 needs="希望参加老兵座谈"))
        made += 1
    db.session.flush()
    return made
