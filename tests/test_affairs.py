"""Community affairs: resident requests, micro-wishes, disputes, volunteer hours and their
points, meeting resolutions — and what partner units may (not) see of them."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from conftest import bound_user, csrf_token, login
from flask import Flask
from PIL import Image
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.scoping import system
from models.attachments import Attachment
from models.cobuild import Demand
from models.disputes import Dispute
from models.meetings import Resolution
from models.org import Community, Grid, PartnerUnit, Street
from models.points import PointsAccount, PointsEntry, PointsRule, ShopItem
from models.requests import ResidentRequest
from models.residents import Household
from models.roles import COMMUNITY, GRID, UNIT
from models.volunteers import Volunteer, VolunteerActivity, VolunteerService
from models.wishes import MicroWish

PHONE = "13812345678"
WISH_PHONE = "13912345678"


@pytest.fixture(scope="module")
def world(app: Flask) -> dict[str, int]:
    """One community with grids A and B and two serving units, a second community of the
    same street, a volunteer with an activity, a shop item and a volunteer points rule."""
    with app.app_context(), system():
        street = Street(name="事务街道")
        home = Community(name="事务社区", street=street)
        other = Community(name="事务外社区", street=street)
        grids = [Grid(name=f"事务网格{s}", community=home, street=street) for s in "AB"]
        units = [PartnerUnit(name=f"事务单位{i}", communities=[home]) for i in (1, 2)]
        volunteer = Volunteer(name="事务志愿者小王", community=home, street=street,
                              phone="13700001111")
        activity = VolunteerActivity(title="事务社区清洁日", community=home, street=street,
                                     starts_at=dt.datetime(2026, 11, 20, 1, 0))
        household = Household(grid=grids[0], building="9", room="901", head_name="事务户主")
        dispute = Dispute(title="事务楼上漏水纠纷", parties="王家与赵家", grid=grids[0],
                          received_on=dt.date(2026, 11, 2))
        visit = VolunteerActivity(title="事务敬老探访", community=home, street=street,
                                  starts_at=dt.datetime(2026, 11, 21, 1, 0))
        signed_up = VolunteerService(activity=visit, volunteer=volunteer)
        item = ShopItem(name="事务兑换品", street=street, cost=3, stock=10)
        rule = PointsRule(name="事务志愿积分", applies_to="volunteer", per_log=2, per_hour=3,
                          cap=50)
        db.session.add_all([street, home, other, *grids, *units, volunteer, activity,
                            household, dispute, visit, signed_up, item, rule])
        db.session.commit()
        bound_user(app, "tw_grid_a", GRID, grids=[grids[0]])
        bound_user(app, "tw_grid_b", GRID, grids=[grids[1]])
        bound_user(app, "tw_comm", COMMUNITY, community_id=home.id)
        bound_user(app, "tw_comm_other", COMMUNITY, community_id=other.id)
        for i, unit in enumerate(units, 1):
            bound_user(app, f"tw_unit{i}", UNIT, partner_unit_id=unit.id)
        return {"gridA": grids[0].id, "gridB": grids[1].id, "unit1": units[0].id,
                "unit2": units[1].id, "community": home.id, "volunteer": volunteer.id,
                "activity": activity.id, "item": item.id, "household": household.id,
                "dispute": dispute.id, "service": signed_up.id}


def _client(app: Flask, username: str) -> Any:
    client = app.test_client()
    login(client, username)
    return client


def _page(client: Any, resource: str, pk: int, name: str, **data: Any) -> Any:
    """Open a transition's page and submit its form, as a user does."""
    url = f"/{resource}/transition/{pk}/{name}"
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data})


def _get(app: Flask, model: type, pk: int) -> Any:
    with app.app_context(), system():
        item = db.session.get(model, pk)
        db.session.expunge(item)
        return item


def _ids(client: Any, resource: str) -> list[int]:
    resp = client.get(f"/api/v1/{resource}/?q=(page_size:100)")
    assert resp.status_code == 200, resp.json
    return list(resp.json["ids"])


def _request_form(subject: str, **extra: str) -> dict[str, str]:
    return {"subject": subject, "content": "三单元楼道灯不亮，老人夜里出门不便",
            "source": "hotline", "requester": "周阿姨", "requester_phone": PHONE, **extra}


def test_grid_worker_handles_a_request_through_the_pages(app: Flask,
                                                          world: dict[str, int]) -> None:
    grid = _client(app, "tw_grid_a")
    added = grid.post("/residentrequest/add", data={
        "csrf_token": csrf_token(grid, "/residentrequest/add"), "grid": world["gridA"],
        **_request_form("事务楼道灯坏了")})
    assert added.status_code == 302, added.get_data(as_text=True)
    with app.app_context(), system():
        made = db.session.query(ResidentRequest).filter_by(subject="事务楼道灯坏了").one()
        pk = made.id
        assert (made.grid_id, made.community_id, made.status) == (
            world["gridA"], world["community"], "received")

    refused = _page(grid, "residentrequest", pk, "assign")
    assert refused.status_code == 200
    assert "请先在编辑页填写承办人" in refused.get_data(as_text=True)
    assert _get(app, ResidentRequest, pk).status == "received"
    assert "已受理" in grid.get(f"/residentrequest/show/{pk}").get_data(as_text=True)

    edit = f"/residentrequest/edit/{pk}"
    form = grid.get(edit).get_data(as_text=True)
    assert PHONE not in form  # the edit form shows the phone masked
    masked = _request_form("事务楼道灯坏了", requester_phone="138****5678")
    edited = grid.post(edit, data={"csrf_token": csrf_token(grid, edit), "grid": world["gridA"],
                                   "assignee": "事务李主任", **masked})
    assert edited.status_code == 302, edited.get_data(as_text=True)
    saved = _get(app, ResidentRequest, pk)
    assert (saved.assignee, saved.requester_phone) == ("事务李主任", PHONE)

    assert _page(grid, "residentrequest", pk, "assign").status_code == 302
    assert _get(app, ResidentRequest, pk).status == "assigned"
    assert "已派单" in grid.get(f"/residentrequest/show/{pk}").get_data(as_text=True)
    assert _page(grid, "residentrequest", pk, "accept").status_code == 302
    assert _page(grid, "residentrequest", pk, "progress",
                 note="已联系物业购买灯泡").status_code == 302
    assert _get(app, ResidentRequest, pk).status == "in_progress"
    page = grid.get(f"/residentrequest/show/{pk}").get_data(as_text=True)
    assert "办理中" in page and "办理记录" in page and "已联系物业购买灯泡" in page

    missing = _page(grid, "residentrequest", pk, "resolve")
    assert missing.status_code == 200 and "原因" in missing.get_data(as_text=True)
    assert _get(app, ResidentRequest, pk).status == "in_progress"
    assert _page(grid, "residentrequest", pk, "resolve",
                 note="物业已更换灯泡").status_code == 302
    resolved = _get(app, ResidentRequest, pk)
    assert resolved.status == "resolved" and resolved.result == "物业已更换灯泡"
    assert resolved.hours_to_close is not None and resolved.resolved_at is not None

    assert _page(grid, "residentrequest", pk, "revisit", rating="4",
                 note="居民表示满意").status_code == 302
    closed = _get(app, ResidentRequest, pk)
    assert (closed.status, closed.satisfaction) == ("closed", 4)
    assert closed.satisfaction_note == "居民表示满意" and closed.closed_at is not None
    page = grid.get(f"/residentrequest/show/{pk}").get_data(as_text=True)
    assert "已回访" in page and "居民表示满意" in page and PHONE not in page

    other = _client(app, "tw_grid_b")
    assert other.get(f"/residentrequest/show/{pk}").status_code == 404
    assert pk not in _ids(other, "residentrequest")


def test_add_page_places_a_request_in_the_writers_grid(app: Flask,
                                                       world: dict[str, int]) -> None:
    """A grid worker leaves 所属网格 empty: the request lands in the worker's own grid."""
    grid = _client(app, "tw_grid_a")
    added = grid.post("/residentrequest/add", data={
        "csrf_token": csrf_token(grid, "/residentrequest/add"), **_request_form("事务井盖松动")})
    refused = "只能新增或修改本组织范围内的记录" in added.get_data(as_text=True)
    assert not refused, "the empty grid was not filled from the writer's own grid"
    assert added.status_code == 302
    with app.app_context(), system():
        made = db.session.query(ResidentRequest).filter_by(subject="事务井盖松动").one()
        assert (made.grid_id, made.community_id) == (world["gridA"], world["community"])


def test_a_request_dispatched_to_a_unit(app: Flask, world: dict[str, int]) -> None:
    grid, unit1, unit2 = (_client(app, n) for n in ("tw_grid_a", "tw_unit1", "tw_unit2"))
    made = grid.post("/api/v1/residentrequest/", json=_request_form("事务下水道堵塞"))
    assert made.status_code == 201, made.json
    pk = made.json["id"]
    assert pk not in _ids(unit1, "residentrequest")
    assert unit1.get(f"/api/v1/residentrequest/{pk}").status_code == 404

    sent = grid.put(f"/api/v1/residentrequest/{pk}", json={
        "subject": "事务下水道堵塞", "source": "hotline", "partner_unit": world["unit1"]})
    assert sent.status_code == 200, sent.json
    assigned = grid.post(f"/api/v1/residentrequest/{pk}/assign", json={"note": "请尽快疏通"})
    assert assigned.status_code == 200 and assigned.json["state"] == "assigned"
    assert pk in _ids(unit1, "residentrequest")
    assert pk not in _ids(unit2, "residentrequest")

    for name, note in (("accept", None), ("progress", "已派人查看"), ("resolve", "已疏通")):
        done = unit1.post(f"/api/v1/residentrequest/{pk}/{name}", json={"note": note})
        assert done.status_code == 200, (name, done.json)
    assert _get(app, ResidentRequest, pk).result == "已疏通"

    revisit = unit1.post(f"/api/v1/residentrequest/{pk}/revisit",
                         json={"rating": 5, "note": "单位自评"})
    assert revisit.status_code in (403, 422) and "您无权" in revisit.json["message"]
    assert _get(app, ResidentRequest, pk).status == "resolved"

    body = unit1.get(f"/api/v1/residentrequest/{pk}").get_data(as_text=True)
    assert PHONE not in body and "138****5678" in body
    assert PHONE not in unit1.get("/api/v1/residentrequest/?q=(page_size:100)").get_data(
        as_text=True)


def _photo(client: Any, pk: int) -> Any:
    image = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(image, "PNG")
    return client.post(f"/attachments/microwish/{pk}", content_type="multipart/form-data",
                       data={"csrf_token": csrf_token(client, "/resetmypassword/form"),
                             "files": [FileStorage(io.BytesIO(image.getvalue()),
                                                   filename="心愿实现.png")]})


def test_micro_wish_claimed_fulfilled_and_thanked(app: Flask, world: dict[str, int]) -> None:
    staff, unit1, unit2 = (_client(app, n) for n in ("tw_comm", "tw_unit1", "tw_unit2"))
    added = staff.post("/microwish/add", data={
        "csrf_token": csrf_token(staff, "/microwish/add"), "title": "事务想要一台收音机",
        "story": "独居老人想听戏", "wisher": "吴奶奶", "wisher_phone": WISH_PHONE,
        "value": "80"})
    assert added.status_code == 302, added.get_data(as_text=True)
    with app.app_context(), system():
        pk = db.session.query(MicroWish).filter_by(title="事务想要一台收音机").one().id
    assert pk not in _ids(unit1, "microwish")  # collected, not yet published
    assert _page(staff, "microwish", pk, "publish").status_code == 302

    assert pk in _ids(unit1, "microwish") and pk in _ids(unit2, "microwish")
    shown = unit1.get(f"/microwish/show/{pk}").get_data(as_text=True)
    assert "认领" in shown and WISH_PHONE not in shown
    assert WISH_PHONE not in unit1.get(f"/api/v1/microwish/{pk}").get_data(as_text=True)
    assert _page(unit1, "microwish", pk, "claim").status_code == 302
    claimed = _get(app, MicroWish, pk)
    assert (claimed.status, claimed.partner_unit_id) == ("claimed", world["unit1"])

    assert pk not in _ids(unit2, "microwish")
    late = unit2.post(f"/api/v1/microwish/{pk}/claim")
    assert late.status_code == 404 or (late.status_code == 409
                                       and "该心愿已被认领" in late.json["message"])

    refused = _page(unit1, "microwish", pk, "fulfil", note="已送到老人家中")
    assert refused.status_code == 200
    assert "请先上传心愿实现的照片" in refused.get_data(as_text=True)
    assert _get(app, MicroWish, pk).status == "claimed"
    assert _photo(unit2, pk).status_code == 404  # out of sight for the other unit
    assert _photo(unit1, pk).status_code == 302
    with app.app_context(), system():
        assert db.session.query(Attachment).filter_by(resource="microwish",
                                                      record_id=pk).count() == 1
    assert _page(unit1, "microwish", pk, "fulfil", note="已送到老人家中").status_code == 302
    fulfilled = _get(app, MicroWish, pk)
    assert fulfilled.status == "fulfilled" and fulfilled.fulfilled_on is not None

    thank = _page(unit1, "microwish", pk, "thank", note="单位自己致谢")
    assert thank.status_code == 200 and "您无权" in thank.get_data(as_text=True)
    assert _get(app, MicroWish, pk).status == "fulfilled"
    assert _page(staff, "microwish", pk, "thank", note="感谢爱心单位").status_code == 302
    thanked = _get(app, MicroWish, pk)
    assert (thanked.status, thanked.thanks) == ("thanked", "感谢爱心单位")
    assert WISH_PHONE not in unit1.get(f"/microwish/show/{pk}").get_data(as_text=True)


def test_party_member_claim_is_recorded_by_staff(app: Flask, world: dict[str, int]) -> None:
    staff = _client(app, "tw_comm")
    made = staff.post("/api/v1/microwish/", json={"title": "事务想要一副老花镜",
                                                  "wisher": "郑爷爷"})
    assert made.status_code == 201, made.json
    pk = made.json["id"]
    assert staff.post(f"/api/v1/microwish/{pk}/publish").status_code == 200
    bare = staff.post(f"/api/v1/microwish/{pk}/member_claim", json={})
    assert bare.status_code == 422 and "原因" in bare.json["message"]
    done = staff.post(f"/api/v1/microwish/{pk}/member_claim", json={"note": "党员张建国"})
    assert done.status_code == 200 and done.json["state"] == "claimed"
    wish = _get(app, MicroWish, pk)
    assert (wish.claimant, wish.partner_unit_id) == ("党员张建国", None)


def test_settled_dispute_is_final(app: Flask, world: dict[str, int]) -> None:
    staff = _client(app, "tw_comm")
    fields = {"title": "事务邻里噪音纠纷", "parties": "张家与李家", "grid": world["gridA"],
              "received_on": dt.date.today().isoformat(), "with_judicial": False,
              "with_police": False}
    made = staff.post("/api/v1/dispute/", json=fields)
    assert made.status_code == 201, made.json
    pk = made.json["id"]
    assert staff.post(f"/api/v1/dispute/{pk}/mediate").json["state"] == "mediating"
    bare = staff.post(f"/api/v1/dispute/{pk}/settle", json={})
    assert bare.status_code == 422 and "原因" in bare.json["message"]
    settled = staff.post(f"/api/v1/dispute/{pk}/settle", json={"note": "双方签订调解协议"})
    assert settled.status_code == 200 and settled.json["state"] == "settled"
    dispute = _get(app, Dispute, pk)
    assert dispute.result == "双方签订调解协议" and dispute.closed_on is not None

    changed = staff.put(f"/api/v1/dispute/{pk}", json={**fields, "title": "事务改过的纠纷"})
    assert changed.status_code == 422 and "不能再修改" in changed.json["message"]
    edit = f"/dispute/edit/{pk}"
    page = staff.post(edit, data={"csrf_token": csrf_token(staff, edit), **fields,
                                  "title": "事务改过的纠纷", "with_judicial": "",
                                  "with_police": ""})
    assert "不能再修改" in page.get_data(as_text=True)
    assert _get(app, Dispute, pk).title == "事务邻里噪音纠纷"


def _balance(app: Flask, volunteer_id: int) -> int:
    with app.app_context(), system():
        account = db.session.query(PointsAccount).filter_by(volunteer_id=volunteer_id).first()
        return account.balance if account else 0


def test_volunteer_hours_earn_points_to_spend(app: Flask, world: dict[str, int]) -> None:
    staff = _client(app, "tw_comm")
    hours_before = _get(app, Volunteer, world["volunteer"]).total_hours
    service = {"activity": world["activity"], "volunteer": world["volunteer"],
               "attended": False}
    made = staff.post("/api/v1/volunteerservice/", json=service)
    assert made.status_code == 201, made.json
    pk = made.json["id"]
    early = staff.post(f"/api/v1/volunteerservice/{pk}/submit")
    assert early.status_code == 422 and "服务时长" in early.json["message"]
    assert _get(app, VolunteerService, pk).status == "signed_up"
    edited = staff.put(f"/api/v1/volunteerservice/{pk}",
                       json={**service, "attended": True, "hours": 2})
    assert edited.status_code == 200, edited.json
    assert staff.post(f"/api/v1/volunteerservice/{pk}/submit").json["state"] == "pending"
    approved = staff.post(f"/api/v1/volunteerservice/{pk}/approve", json={"note": "属实"})
    assert approved.status_code == 200 and approved.json["state"] == "approved"

    with app.app_context(), system():
        entry = db.session.query(PointsEntry).filter_by(source="volunteerservice",
                                                        source_id=pk).one()
        assert (entry.volunteer_id, entry.partner_unit_id, entry.points) == (
            world["volunteer"], None, 8)  # 2 per record + 3 per hour × 2 hours
        entry_id = entry.id
    assert _get(app, VolunteerService, pk).points == 8
    assert _get(app, Volunteer, world["volunteer"]).total_hours == hours_before + 2
    assert _balance(app, world["volunteer"]) == 8

    assert entry_id in _ids(staff, "pointsentry")
    for name in ("tw_unit1", "tw_comm_other"):
        outsider = _client(app, name)
        assert entry_id not in _ids(outsider, "pointsentry"), name
        assert outsider.get(f"/api/v1/pointsentry/{entry_id}").status_code == 404, name

    spent = staff.post("/api/v1/redemption/", json={"item": world["item"], "quantity": 2,
                                                    "volunteer": world["volunteer"]})
    assert spent.status_code == 201, spent.json
    assert _balance(app, world["volunteer"]) == 2
    assert _get(app, ShopItem, world["item"]).stock == 8
    too_much = staff.post("/api/v1/redemption/", json={"item": world["item"], "quantity": 1,
                                                       "volunteer": world["volunteer"]})
    assert too_much.status_code == 422 and "积分不足" in str(too_much.json["message"])
    assert _balance(app, world["volunteer"]) == 2
    assert _get(app, ShopItem, world["item"]).stock == 8
    with app.app_context(), system():
        entries = db.session.query(PointsEntry).filter_by(volunteer_id=world["volunteer"])
        assert sorted(e.points for e in entries) == [-6, 8]


def test_resolution_becomes_a_draft_demand_once(app: Flask, world: dict[str, int]) -> None:
    staff = _client(app, "tw_comm")
    meeting = staff.post("/api/v1/meeting/", json={
        "title": "事务联席会议", "kind": "joint", "held_on": "2026-11-18",
        "topics": "楼道堆物整治"})
    assert meeting.status_code == 201, meeting.json
    made = staff.post("/api/v1/resolution/", json={"meeting": meeting.json["id"],
                                                   "content": "事务清理三单元楼道堆物"})
    assert made.status_code == 201, made.json
    pk = made.json["id"]
    first = staff.post(f"/api/v1/resolution/{pk}/to_demand")
    assert first.status_code == 200 and first.json["state"] == "following"
    with app.app_context(), system():
        resolution = db.session.get(Resolution, pk)
        demand = resolution.demand
        assert demand is not None and demand.title == "事务清理三单元楼道堆物"
        assert (demand.status, demand.source) == ("draft", "meeting")
        assert demand.community_id == world["community"]
        demand_id = demand.id
    again = staff.post(f"/api/v1/resolution/{pk}/to_demand")
    assert again.status_code == 422 and "不能进行" in again.json["message"]
    with app.app_context(), system():
        assert db.session.query(Demand).filter_by(title="事务清理三单元楼道堆物").count() == 1
        assert db.session.get(Resolution, pk).demand_id == demand_id


def test_units_never_reach_households_volunteers_or_disputes(
        app: Flask, world: dict[str, int]) -> None:
    rows = {"household": world["household"], "volunteer": world["volunteer"],
            "dispute": world["dispute"], "volunteerservice": world["service"]}
    names = ("事务户主", "事务志愿者小王", "事务楼上漏水纠纷", "事务敬老探访")
    unit = _client(app, "tw_unit1")
    for resource, pk in rows.items():
        for url, allowed in ((f"/{resource}/list/", (302, 403)),
                             (f"/{resource}/show/{pk}", (302, 403, 404)),
                             (f"/api/v1/{resource}/", (401, 403)),
                             (f"/api/v1/{resource}/{pk}", (401, 403, 404))):
            answer = unit.get(url)
            assert answer.status_code in allowed, (url, answer.status_code)
            body = answer.get_data(as_text=True)
            assert not [n for n in names if n in body], url
