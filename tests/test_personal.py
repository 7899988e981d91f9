"""Personal data: validated on every path, masked on every screen and API response, shown
in full only to permitted staff who give a reason — and every such viewing is logged."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import bound_user, csrf_token, full_numbers, login
from flask import Flask
from flask_babel import force_locale

from app import personal
from app.extensions import db
from app.scoping import system
from models.org import Community, Grid, PartnerUnit, Street
from models.personal import PersonalDataAccess
from models.roles import COMMUNITY, GRID, UNIT

PHONE = "13912345678"
MASKED = "139****5678"


@pytest.mark.parametrize("number, ok", [
    ("11010519491231002X", True), ("110105194912310021", False), ("11010519491331002X", False),
    ("110105491231002", False), ("1101051949123100", False),
    ("１１０１０５１９４９１２３１００２ｘ", True)])
def test_id_numbers_by_gb11643(app: Flask, number: str, ok: bool) -> None:
    with app.test_request_context(), force_locale("zh"):
        message = personal.id_number_error(number)
        assert (message is None) is ok, message
        if number == "110105491231002":
            assert "18 位" in message
    if ok:
        born, sex = personal.id_number_facts(number)
        assert (born.isoformat(), sex) == ("1949-12-31", "female")


def test_masks() -> None:
    assert personal.mask("id_number", "110105194912311234") == "110***********1234"
    assert personal.mask("phone", "13812345678") == "138****5678"


def test_the_run_wide_scan_finds_full_numbers_only() -> None:
    """``conftest.watch_personal_data`` scans every unit and grid-worker response with this."""
    assert full_numbers("电话13812345678，身份证11010519491231002X。") == [
        "13812345678", "11010519491231002X"]
    assert full_numbers("138****5678 110***********1234 token=a13812345678b 2026112509") == []


@pytest.fixture(scope="module")
def grid_id(app: Flask) -> int:
    with app.app_context(), system():
        street = Street(name="个人信息街道")
        community = Community(name="个人信息社区", street=street)
        grid = Grid(name="个人信息网格", community=community, street=street,
                    worker_name="王网格", worker_phone=PHONE)
        unit = PartnerUnit(name="个人信息单位", communities=[community], contact_phone=PHONE)
        db.session.add_all([street, community, grid, unit])
        db.session.commit()
        bound_user(app, "p_staff", COMMUNITY, community_id=community.id)
        bound_user(app, "p_grid", GRID, grids=[grid])
        bound_user(app, "p_unit", UNIT, partner_unit_id=unit.id)
        return grid.id


def _client(app: Flask, username: str) -> Any:
    client = app.test_client()
    login(client, username)
    return client


def test_no_full_number_reaches_unit_or_grid_users(app: Flask, grid_id: int) -> None:
    with app.app_context(), system():
        unit_id = db.session.query(PartnerUnit).filter_by(name="个人信息单位").one().id
    for user in ("p_grid", "p_unit"):
        client = _client(app, user)
        bodies = [client.get(url).get_data(as_text=True) for url in (
            "/grid/list/", f"/grid/show/{grid_id}", f"/grid/edit/{grid_id}",
            "/api/v1/grid/", f"/api/v1/grid/{grid_id}", "/partnerunit/list/",
            f"/partnerunit/show/{unit_id}", f"/partnerunit/edit/{unit_id}",
            f"/api/v1/partnerunit/{unit_id}", "/api/v1/partnerunit/")]
        assert not [b for b in bodies if PHONE in b], user
        assert any(MASKED in b for b in bodies), user


def test_editing_keeps_the_hidden_number_and_validates_new_ones(app: Flask,
                                                                grid_id: int) -> None:
    staff = _client(app, "p_staff")
    token = csrf_token(staff, f"/grid/edit/{grid_id}")
    form = {"name": "个人信息网格", "worker_name": "王网格", "csrf_token": token,
            "community": "", "households": "400"}
    with app.app_context(), system():
        form["community"] = str(db.session.get(Grid, grid_id).community_id)
    kept = staff.post(f"/grid/edit/{grid_id}", data={**form, "worker_phone": MASKED})
    assert kept.status_code == 302
    bad = staff.post(f"/grid/edit/{grid_id}", data={**form, "worker_phone": "12345"})
    assert bad.status_code == 200 and "11 位手机号" in bad.get_data(as_text=True)
    api = staff.put(f"/api/v1/grid/{grid_id}", json={
        "name": "个人信息网格", "community": int(form["community"]), "worker_phone": "0472-12"})
    assert api.status_code == 422 and "worker_phone" in api.json["message"]
    with app.app_context(), system():
        grid = db.session.get(Grid, grid_id)
        assert grid.worker_phone == PHONE and grid.households == 400


def test_permitted_staff_reveal_one_record_with_a_reason(app: Flask, grid_id: int) -> None:
    staff = _client(app, "p_staff")
    assert "查看完整个人信息" in staff.get(f"/grid/show/{grid_id}").get_data(as_text=True)
    url = f"/personal/reveal/grid/{grid_id}"
    token = csrf_token(staff, url)
    no_reason = staff.post(url, data={"csrf_token": token, "reason": ""})
    assert PHONE not in no_reason.get_data(as_text=True)
    with app.app_context(), system():
        before = db.session.query(PersonalDataAccess).count()
    shown = staff.post(url, data={"csrf_token": token, "reason": "电话回访独居老人"})
    assert PHONE in shown.get_data(as_text=True)
    with app.app_context(), system():
        entry = db.session.query(PersonalDataAccess).order_by(PersonalDataAccess.id.desc()).first()
        assert db.session.query(PersonalDataAccess).count() == before + 1
        assert (entry.actor_name, entry.resource, entry.record_id, entry.reason) == (
            "p_staff", "grid", grid_id, "电话回访独居老人")
    unit = _client(app, "p_unit")
    assert "查看完整个人信息" not in unit.get("/partnerunit/list/").get_data(as_text=True)
    assert unit.get(url).status_code in (302, 403)
