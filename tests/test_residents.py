"""Households (五色户卡): tags with visit frequencies, overdue visits, members' personal data."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from conftest import bound_user, login
from flask import Flask

from app.extensions import db
from app.scoping import system
from models.org import Community, Grid, PartnerUnit, Street
from models.residents import Household, HouseholdTag, Member
from models.roles import GRID, UNIT

ID_NUMBER = "11010519491231002X"


@pytest.fixture(scope="module")
def homes(app: Flask) -> dict[str, int]:
    with app.app_context(), system():
        street = Street(name="住户街道")
        community = Community(name="住户社区", street=street)
        grids = [Grid(name=f"住户网格{i}", community=community, street=street) for i in (1, 2)]
        monthly = HouseholdTag(name="独居老人", colour="红", visit_every_days=30)
        quarterly = HouseholdTag(name="退役军人", colour="蓝", visit_every_days=90)
        unit = PartnerUnit(name="住户测试单位", communities=[community])
        old = dt.datetime(2026, 1, 5)
        late = Household(grid=grids[0], building="3", room="201", head_name="赵大爷",
                         tags=[monthly, quarterly], created_on=old)
        fine = Household(grid=grids[0], building="3", room="202", head_name="钱阿姨",
                         tags=[quarterly])
        other = Household(grid=grids[1], building="8", room="101", head_name="孙叔叔",
                          tags=[monthly], created_on=old)
        db.session.add_all([street, community, *grids, monthly, quarterly, unit, late, fine,
                            other])
        db.session.commit()
        bound_user(app, "h_grid", GRID, grids=[grids[0]])
        bound_user(app, "h_unit", UNIT, partner_unit_id=unit.id)
        return {"late": late.id, "fine": fine.id, "other": other.id}


def _client(app: Flask, username: str) -> Any:
    client = app.test_client()
    login(client, username)
    return client


def test_next_visit_follows_the_most_frequent_tag(app: Flask, homes: dict[str, int]) -> None:
    with app.app_context(), system():
        late = db.session.get(Household, homes["late"])
        assert late.next_visit_due == dt.date(2026, 2, 4)  # 30 days after registration
        assert late.address == "3栋201室"


def test_grid_worker_sees_overdue_households_and_a_visit_clears_them(
        app: Flask, homes: dict[str, int]) -> None:
    grid = _client(app, "h_grid")
    ids = grid.get("/api/v1/household/?q=(page_size:100)").json["ids"]
    assert homes["late"] in ids and homes["other"] not in ids
    listing = grid.get("/household/list/").get_data(as_text=True)
    assert "已逾期" in listing
    todo = grid.get("/todo/").get_data(as_text=True)
    assert "探访已逾期的住户" in todo and "3栋201室" in todo
    visit = grid.post("/api/v1/visit/", json={
        "household": homes["late"], "visited_on": dt.date.today().isoformat(),
        "visitor": "网格员小李", "health": "血压偏高", "needs": "需要送药上门"})
    assert visit.status_code == 201, visit.json
    with app.app_context(), system():
        late = db.session.get(Household, homes["late"])
        assert late.last_visit_on == dt.date.today()
        assert late.next_visit_due == dt.date.today() + dt.timedelta(days=30)
        assert db.session.get(Household, homes["other"]).next_visit_due < dt.date.today()
    assert "3栋201室" not in grid.get("/todo/").get_data(as_text=True)


def test_members_id_numbers_are_checked_masked_and_explain_themselves(
        app: Flask, homes: dict[str, int]) -> None:
    grid = _client(app, "h_grid")
    bad = grid.post("/api/v1/member/", json={"household": homes["fine"], "name": "钱小明",
                                             "id_number": "110105194912310021"})
    assert bad.status_code == 422 and "校验位" in str(bad.json["message"])
    made = grid.post("/api/v1/member/", json={"household": homes["fine"], "name": "钱小红",
                                              "id_number": ID_NUMBER, "relation": "女儿"})
    assert made.status_code == 201, made.json
    assert ID_NUMBER not in str(made.json) and "110***********002X" in str(made.json)
    with app.app_context(), system():
        member = db.session.get(Member, made.json["id"])
        assert (member.birth_date, member.gender) == (dt.date(1949, 12, 31), "female")
        assert member.grid_id == db.session.get(Household, homes["fine"]).grid_id
    page = grid.get(f"/member/show/{made.json['id']}").get_data(as_text=True)
    assert ID_NUMBER not in page and "110***********002X" in page and "女" in page


def test_partner_units_never_see_households(app: Flask, homes: dict[str, int]) -> None:
    unit = _client(app, "h_unit")
    for url in ("/household/list/", f"/household/show/{homes['late']}", "/member/list/"):
        assert unit.get(url).status_code in (302, 403, 404), url
    for url in ("/api/v1/household/", f"/api/v1/household/{homes['late']}", "/api/v1/member/"):
        assert unit.get(url).status_code in (401, 403, 404), url
