"""Demo data: one district of Baotou with its streets, communities, grids, partner units,
social-work stations, dictionaries and one account per built-in role.

:func:`load_demo` is idempotent: every row is looked up by its natural key (name, or
(street, name), (community, name), (kind, name)) and created only when missing. Rows that
exist are never changed, so whatever an administrator edited stays as it is. What is
loaded is planned in ``app.demo_data``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from app.demo_affairs import load_affairs
from app.demo_cobuild import load_cobuild
from app.demo_data import DICTIONARIES, DISTRICT, Plan, build_plan
from app.demo_history import load_history
from app.demo_residents import load_residents
from app.extensions import db
from app.policy import ADMIN, COMMUNITY, GRID, SOCIAL, STREET, UNIT
from models.dictionary import DictItem
from models.org import Community, Grid, PartnerUnit, SocialWorkStation, Street

# --------------------------------------------------------------------------- loading


class _Loader:
    """Looks rows up by natural key and creates what is missing; counts what it created."""

    def __init__(self) -> None:
        self.session = db.session
        self.created: dict[type, int] = {}

    def _one(self, model: type, **keys: Any) -> Any:
        return self.session.execute(select(model).filter_by(**keys)).scalar_one_or_none()

    def get_or_create(self, model: type, keys: dict[str, Any], values: dict[str, Any]) -> Any:
        row = self._one(model, **keys)
        if row is None:
            row = model(**keys, **values)
            self.session.add(row)
            self.session.flush()
            self.created[model] = self.created.get(model, 0) + 1
        return row

    def load(self, plan: Plan) -> dict[str, Any]:
        dicts: dict[tuple[str, str], DictItem] = {}
        for kind, entries in DICTIONARIES.items():
            for order, (name, code, note) in enumerate(entries, 1):
                dicts[kind, name] = self.get_or_create(
                    DictItem, {"kind": kind, "name": name},
                    {"code": code, "sort_order": order * 10, "active": True, "note": note})
        streets = {
            s["name"]: self.get_or_create(Street, {"name": s["name"]},
                                          {k: v for k, v in s.items() if k != "name"})
            for s in plan.streets
        }
        communities: dict[tuple[str, str], Community] = {}
        for c in plan.communities:
            street = streets[c["street"]]
            values = {k: v for k, v in c.items() if k not in ("street", "name")}
            communities[c["street"], c["name"]] = self.get_or_create(
                Community, {"street_id": street.id, "name": c["name"]},
                {"street": street, **values})
        grids: dict[tuple[str, str, str], Grid] = {}
        for g in plan.grids:
            community = communities[g["street"], g["community"]]
            values = {k: v for k, v in g.items() if k not in ("street", "community", "name")}
            grids[g["street"], g["community"], g["name"]] = self.get_or_create(
                Grid, {"community_id": community.id, "name": g["name"]},
                {"community": community, "street_id": community.street_id, **values})
        units: dict[str, PartnerUnit] = {}
        for u in plan.units:
            units[u["name"]] = self.get_or_create(PartnerUnit, {"name": u["name"]}, {
                "unit_type": dicts["unit_type", u["kind"]],
                "grade": dicts["org_grade", u["grade"]] if u["grade"] else None,
                "communities": [communities[k] for k in u["serves"]],
                "contact_person": u["contact_person"], "contact_phone": u["contact_phone"],
                "address": u["address"], "dual_report": u["dual_report"], "active": True,
                "note": u["note"]})
        stations: dict[str, SocialWorkStation] = {}
        for st in plan.stations:
            street = streets[st["street"]]
            values = {k: v for k, v in st.items() if k not in ("name", "street", "serves")}
            stations[st["name"]] = self.get_or_create(
                SocialWorkStation, {"name": st["name"]},
                {"street": street, "communities": [communities[k] for k in st["serves"]],
                 **values})
        return {"streets": streets, "communities": communities, "grids": grids,
                "units": units, "stations": stations}


@dataclass(frozen=True)
class DemoAccount:
    """A demo account and the organisation it stands for."""

    username: str
    role: str
    person: str
    org: str  # what the account stands for, for the report
    org_short: str  # what goes into the user's last name (at most 64 characters)
    binding: dict[str, Any] = field(default_factory=dict)  # the user's scope columns


def _names(communities: Sequence[Community]) -> str:
    return "、".join(c.name for c in sorted(communities, key=lambda c: c.id))


def demo_accounts(plan: Plan, rows: dict[str, Any]) -> list[DemoAccount]:
    """The demo accounts, each bound to one organisation (its scope)."""
    street = rows["streets"][plan.streets[0]["name"]]
    first = plan.communities[0]
    community = rows["communities"][first["street"], first["name"]]
    first_grid = next(g for g in plan.grids if (g["street"], g["community"]) ==
                      (first["street"], first["name"]))
    grid = rows["grids"][first_grid["street"], first_grid["community"], first_grid["name"]]
    serving = [rows["units"][u["name"]] for u in plan.units
               if community in rows["units"][u["name"]].communities]
    if len(serving) < 2:
        raise RuntimeError(f"演示数据中服务{community.name}的共建单位少于2个 / "
                           "fewer than two partner units serve the first community")
    # two different units; the second of another type when there is one, to show both
    other = [u for u in serving[1:] if u.unit_type_id != serving[0].unit_type_id]
    pair = [serving[0], (other or serving[1:])[0]]
    station = rows["stations"][plan.stations[0]["name"]]
    path = f"{street.name}{community.name}"
    accounts = [
        DemoAccount("street1", STREET, plan.street_admin, f"{DISTRICT}{street.name}",
                    street.name, {"street_id": street.id}),
        DemoAccount("community1", COMMUNITY, community.secretary or "社区工作者",
                    path, path, {"community_id": community.id}),
        DemoAccount("grid1", GRID, grid.worker_name or "网格员",
                    f"{path}{grid.name}", f"{community.name}{grid.name}", {"grids": [grid]}),
    ]
    for n, unit in enumerate(pair, 1):
        kind = unit.unit_type.name if unit.unit_type else ""
        accounts.append(DemoAccount(f"unit{n}", UNIT, unit.contact_person or "联系人",
                                    f"{unit.name}（{kind}，服务{_names(unit.communities)}）",
                                    unit.name, {"partner_unit_id": unit.id}))
    accounts.append(DemoAccount(
        "social1", SOCIAL, station.contact_person or "社工",
        f"{station.name}（服务{_names(station.communities)}）", station.name,
        {"station_id": station.id}))
    return accounts


def _ensure_users(accounts: Sequence[DemoAccount],
                  password: str) -> tuple[list[DemoAccount], int]:
    """Create the missing accounts. An account that exists is left alone (its password
    too); if it was made for another org than the data now suggests (an admin rebound a
    unit, say), the report shows what its name fields record."""
    sm = current_app.appbuilder.sm  # type: ignore[attr-defined]
    created = 0
    final = []
    for acc in accounts:
        user = sm.find_user(username=acc.username)
        if user is not None:
            if user.last_name != acc.org_short[:64]:
                acc = replace(acc, person=user.first_name, org=user.last_name)
            final.append(acc)
            continue
        role = sm.find_role(acc.role)
        if role is None:
            raise RuntimeError(f"缺少内置角色“{acc.role}”，请先运行 tongxin init / "
                               f"built-in role {acc.role!r} is missing: run tongxin init")
        user = sm.add_user(acc.username, acc.person[:64], acc.org_short[:64],
                           f"{acc.username}@tongxin.local", role, password=password)
        if not user:
            raise RuntimeError(f"创建演示账号 {acc.username} 失败 / could not create "
                               f"the demo user {acc.username}")
        for key, value in acc.binding.items():
            setattr(user, key, value)
        db.session.commit()
        created += 1
        final.append(acc)
    return final, created


# --------------------------------------------------------------------------- the report


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  " + "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths,
                                                                         strict=True)).rstrip()

    return [line(header), "  " + "  ".join("-" * w for w in widths), *map(line, rows)]


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _report(accounts: Sequence[DemoAccount], created: dict[type, int],
            users_created: int) -> str:
    by_type = dict(db.session.execute(
        select(DictItem.name, func.count(PartnerUnit.id))
        .join(PartnerUnit, PartnerUnit.unit_type_id == DictItem.id)
        .group_by(DictItem.name)).all())
    dual = db.session.scalar(select(func.count()).select_from(PartnerUnit)
                             .where(PartnerUnit.dual_report.is_(True))) or 0
    counts = [
        ("街道 (streets)", Street),
        ("社区 (communities)", Community),
        ("网格 (grids)", Grid),
        ("共建单位 (partner units)", PartnerUnit),
        ("社工站 (social-work stations)", SocialWorkStation),
        ("字典项 (dictionary entries)", DictItem),
    ]
    rows = [[label, str(_count(model)), str(created.get(model, 0))] for label, model in counts]
    type_rows = [[f"  {name}", str(by_type.get(name, 0)), ""]
                 for name, _code, _note in DICTIONARIES["unit_type"]]
    rows[4:4] = [*type_rows, ["  其中双报到单位 (dual reporting)", str(dual), ""]]
    rows.append(["演示账号 (demo accounts)", str(len(accounts) + 1), str(users_created)])
    out = [f"同心演示数据 / Tongxin demo data — {DISTRICT}", "",
           "数据概况 / totals:",
           *_table(["类别 (kind)", "总数 (total)", "本次新建 (created now)"], rows), "",
           "演示账号 / demo accounts (人员姓名记在名字栏，所代表的组织记在姓氏栏):",
           *_table(["账号 (account)", "角色 (role)", "姓名 (name)", "代表 (stands for)"],
                   [["admin", ADMIN, "系统管理员", f"{DISTRICT}（全部数据 / everything）"],
                    *[[a.username, a.role, a.person, a.org] for a in accounts]]),
           "",
           "每个账号只能看到和修改其所代表组织范围内的数据。",
           "Each account sees and changes only the rows of the organisation it stands for."]
    return "\n".join(out)


def load_demo(password: str) -> str:
    """Create whatever part of the demo data set is missing; return a text report.

    Runs inside an app context, after migrations, roles and the admin exist.
    """
    plan = build_plan()
    loader = _Loader()
    try:
        rows = loader.load(plan)
        accounts = demo_accounts(plan, rows)
        binding = {a.username: a.binding for a in accounts}
        community = db.session.get(Community, binding["community1"]["community_id"])
        grid = binding["grid1"]["grids"][0]
        unit1, unit2 = (db.session.get(PartnerUnit, binding[name]["partner_unit_id"])
                        for name in ("unit1", "unit2"))
        cobuild = load_cobuild(unit1, community)
        cobuild["households"] = load_residents(grid)
        for key, made in load_affairs(community, grid, unit1, unit2).items():
            cobuild[key] = cobuild.get(key, 0) + made
        cobuild["history"] = load_history(community.street)  # a year for the dashboard
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    accounts, users_created = _ensure_users(accounts, password)
    return "\n".join([
        _report(accounts, loader.created, users_created), "",
        "业务演示数据本次新建 / demo records created now: "
        + "，".join(f"{k} {v}" for k, v in cobuild.items())])
