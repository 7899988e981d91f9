"""The co-building cycle end to end: demand → claim → project → work logs → review → points."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from conftest import bound_user, csrf_token, login
from flask import Flask

from app.extensions import db
from app.scoping import system
from models.cobuild import Demand, Project, WorkLog
from models.dictionary import DictItem
from models.org import Community, PartnerUnit, Street
from models.points import PointsAccount, PointsEntry, PointsRule, ShopItem
from models.roles import COMMUNITY, UNIT
from models.workflow import StateChange


@pytest.fixture(scope="module")
def place(app: Flask) -> dict[str, int]:
    """A community with two serving units (and one unit elsewhere), their users, a rule."""
    with app.app_context(), system():
        street = Street(name="循环街道")
        home = Community(name="循环社区", street=street)
        other = Community(name="循环外社区", street=street)
        category = DictItem(kind="demand_category", name="助老服务")
        units = [PartnerUnit(name=f"循环单位{i}", communities=[home]) for i in (1, 2, 3)]
        units[2].communities = [other]
        db.session.add_all([street, home, other, category, *units,
                            PointsRule(name="助老积分", category=category, per_log=5,
                                       per_hour=2, cap=12),
                            PointsRule(name="默认积分", per_log=1, per_hour=1, cap=3),
                            ShopItem(name="洗衣液", street=street, cost=4, stock=3)])
        db.session.commit()
        bound_user(app, "c_staff", COMMUNITY, community_id=home.id)
        for i, unit in enumerate(units, 1):
            bound_user(app, f"c_unit{i}", UNIT, partner_unit_id=unit.id)
        return {"community": home.id, "category": category.id, "street": street.id,
                "unit1": units[0].id, "unit2": units[1].id, "unit3": units[2].id,
                "item": db.session.query(ShopItem).filter_by(name="洗衣液").one().id}


def _client(app: Flask, username: str) -> Any:
    client = app.test_client()
    login(client, username)
    return client


def _new_demand(staff: Any, place: dict[str, int], title: str) -> int:
    made = staff.post("/api/v1/demand/", json={"title": title, "category": place["category"],
                                               "urgency": "urgent", "source": "visit"})
    assert made.status_code == 201, made.json
    assert staff.post(f"/api/v1/demand/{made.json['id']}/publish").status_code == 200
    return int(made.json["id"])


def _balance(app: Flask, unit_id: int) -> int:
    with app.app_context(), system():
        account = db.session.query(PointsAccount).filter_by(partner_unit_id=unit_id).first()
        return account.balance if account else 0


def test_the_whole_cycle(app: Flask, place: dict[str, int]) -> None:
    staff, unit1, unit2 = (_client(app, n) for n in ("c_staff", "c_unit1", "c_unit2"))
    demand = _new_demand(staff, place, "帮独居老人修理水管")

    # a published demand is open to the units serving the community, not to others
    assert demand in unit1.get("/api/v1/demand/").json["ids"]
    assert demand not in _client(app, "c_unit3").get("/api/v1/demand/").json["ids"]
    claimed = unit1.post(f"/api/v1/demand/{demand}/claim")
    assert claimed.status_code == 200 and claimed.json["state"] == "claimed"
    late = unit2.post(f"/api/v1/demand/{demand}/claim")
    assert late.status_code in (404, 409)  # it is unit1's now: unit2 no longer sees it

    projects = unit1.get("/api/v1/project/").json
    project = next(p for p, r in zip(projects["ids"], projects["result"], strict=True)
                   if r["name"] == "帮独居老人修理水管")
    assert project not in unit2.get("/api/v1/project/").json["ids"]

    logs = []
    for summary, hours in (("第一次上门维修", 3), ("第二次回访", 1)):
        made = unit1.post("/api/v1/worklog/", json={
            "project": project, "work_date": "2026-11-20", "hours": hours, "people_sent": 2,
            "beneficiaries": 1, "summary": summary})
        assert made.status_code == 201, made.json
        logs.append(made.json["id"])
    assert not set(logs) & set(unit2.get("/api/v1/worklog/").json["ids"])
    assert unit2.get(f"/worklog/show/{logs[0]}").status_code == 404

    before = _balance(app, place["unit1"])
    approved = staff.post(f"/api/v1/worklog/{logs[0]}/approve", json={"rating": 5})
    assert approved.status_code == 200, approved.json
    refused = staff.post(f"/api/v1/worklog/{logs[1]}/return", json={})
    assert refused.status_code == 422 and "原因" in refused.json["message"]
    returned = staff.post(f"/api/v1/worklog/{logs[1]}/return",
                          json={"note": "请补充回访照片"})
    assert returned.status_code == 200
    # 助老 rule: 5 per log + 2 per hour × 3 hours = 11 (cap 12)
    assert _balance(app, place["unit1"]) == before + 11
    with app.app_context(), system():
        entry = db.session.query(PointsEntry).filter_by(source="worklog",
                                                        source_id=logs[0]).one()
        assert entry.points == 11 and entry.partner_unit_id == place["unit1"]

    # the returned log is corrected and resubmitted, then approved
    assert unit1.put(f"/api/v1/worklog/{logs[1]}", json={
        "project": project, "work_date": "2026-11-21", "hours": 1, "people_sent": 1,
        "beneficiaries": 1, "summary": "第二次回访（已补照片）"}).status_code == 200
    assert unit1.post(f"/api/v1/worklog/{logs[1]}/resubmit").status_code == 200
    assert staff.post(f"/api/v1/worklog/{logs[1]}/approve",
                      json={"rating": 4}).status_code == 200
    assert _balance(app, place["unit1"]) == before + 11 + 7

    # the timeline shows who did what on the record page
    page = staff.get(f"/worklog/show/{logs[1]}").get_data(as_text=True)
    for text in ("办理记录", "退回", "请补充回访照片", "重新提交", "通过"):
        assert text in page, text


def test_illegal_transitions_change_nothing(app: Flask, place: dict[str, int]) -> None:
    staff, unit1 = _client(app, "c_staff"), _client(app, "c_unit1")
    made = staff.post("/api/v1/demand/", json={"title": "草稿需求", "urgency": "normal",
                                               "source": "hotline"}).json["id"]
    with app.app_context(), system():
        changes = db.session.query(StateChange).count()
    # a draft cannot be claimed (units do not even see drafts) nor evaluated
    assert unit1.post(f"/api/v1/demand/{made}/claim").status_code == 404
    wrong = staff.post(f"/api/v1/demand/{made}/evaluate", json={"rating": 5})
    assert wrong.status_code == 422 and "草稿" in wrong.json["message"]
    # a unit may not publish
    assert staff.post(f"/api/v1/demand/{made}/nonsense").status_code == 404
    published = _new_demand(staff, place, "单位不能发布")
    assert unit1.post(f"/api/v1/demand/{published}/publish").status_code == 422
    with app.app_context(), system():
        assert db.session.get(Demand, made).status == "draft"
        assert db.session.query(StateChange).count() == changes + 1  # the one publish


def _race(app: Flask, calls: list[tuple[str, str, dict[str, Any]]]) -> list[int]:
    """Fire the calls at the same moment from separate threads; return the statuses."""
    clients = [(_client(app, user), url, body) for user, url, body in calls]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = [0] * len(clients)

    def run(i: int) -> None:
        client, url, body = clients[i]
        barrier.wait()
        statuses[i] = client.post(url, json=body).status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


@pytest.mark.parametrize("attempt", range(3))
def test_concurrent_claims_have_exactly_one_winner(app: Flask, place: dict[str, int],
                                                    attempt: int) -> None:
    staff = _client(app, "c_staff")
    demand = _new_demand(staff, place, f"抢单测试{attempt}")
    statuses = _race(app, [("c_unit1", f"/api/v1/demand/{demand}/claim", {}),
                           ("c_unit2", f"/api/v1/demand/{demand}/claim", {})])
    assert sorted(statuses) in ([200, 404], [200, 409]), statuses
    with app.app_context(), system():
        assert db.session.query(Project).filter_by(demand_id=demand).count() == 1
        claims = db.session.query(StateChange).filter_by(
            resource="demand", record_id=demand, transition="claim").count()
        assert claims == 1


def test_the_loser_is_told_the_demand_is_taken(app: Flask, place: dict[str, int]) -> None:
    """The message of a lost claim, as seen by a unit that still sees the demand."""
    from app.workflow import TransitionLost, fire

    staff = _client(app, "c_staff")
    demand = _new_demand(staff, place, "已被认领提示")
    assert _client(app, "c_unit1").post(f"/api/v1/demand/{demand}/claim").status_code == 200
    with app.test_request_context(), system():
        item = db.session.get(Demand, demand)
        user = app.appbuilder.sm.find_user(username="c_unit2")
        with pytest.raises(TransitionLost, match="该需求已被认领"):
            fire(item, "claim", user)


def test_concurrent_redemptions_never_overdraw(app: Flask, place: dict[str, int]) -> None:
    from app.points import post

    with app.app_context(), system():
        post(db.session, place["unit2"], 10, "测试充值", street_id=place["street"])
        db.session.commit()
    # 10 points, cost 4 each, 3 in stock: 6 simultaneous attempts → exactly 2 succeed
    statuses = _race(app, [("c_unit2", "/api/v1/redemption/",
                            {"item": place["item"], "quantity": 1})] * 6)
    assert statuses.count(201) == 2, statuses
    assert set(statuses) <= {201, 422}
    with app.app_context(), system():
        assert db.session.get(ShopItem, place["item"]).stock == 1
        assert _balance(app, place["unit2"]) == 2
        entries = db.session.query(PointsEntry).filter_by(partner_unit_id=place["unit2"])
        assert sum(e.points for e in entries) == 2
        assert min(e.balance for e in entries) >= 0


def test_ledger_rows_are_never_changed(app: Flask, place: dict[str, int]) -> None:
    from app.integrity import UserFacingError
    from app.points import post

    with app.app_context(), system():
        entry = post(db.session, place["unit3"], 3, "测试", street_id=place["street"])
        db.session.commit()
        entry.points = 300
        with pytest.raises(UserFacingError):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(PointsEntry, entry.id))
        with pytest.raises(UserFacingError):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(PointsEntry, entry.id).points == 3


def test_claim_and_approve_through_the_pages(app: Flask, place: dict[str, int]) -> None:
    staff, unit1 = _client(app, "c_staff"), _client(app, "c_unit1")
    demand = _new_demand(staff, place, "页面认领")
    page = unit1.get(f"/demand/show/{demand}").get_data(as_text=True)
    assert "认领" in page and "当前状态" in page
    token = csrf_token(unit1, f"/demand/transition/{demand}/claim")
    done = unit1.post(f"/demand/transition/{demand}/claim", data={"csrf_token": token})
    assert done.status_code == 302
    with app.app_context(), system():
        assert db.session.get(Demand, demand).partner_unit_id == place["unit1"]
        project = db.session.query(Project).filter_by(demand_id=demand).one().id
    token = csrf_token(unit1, "/worklog/add")
    unit1.post("/worklog/add", data={"csrf_token": token, "project": str(project),
                                     "work_date": "2026-11-22", "hours": "2",
                                     "people_sent": "1", "beneficiaries": "3",
                                     "summary": "页面填报的服务记录"})
    with app.app_context(), system():
        log = db.session.query(WorkLog).filter_by(summary="页面填报的服务记录").one()
        assert log.partner_unit_id == place["unit1"]
        assert log.community_id == place["community"] and log.work_date == dt.date(2026, 11, 22)
    form = staff.get(f"/worklog/transition/{log.id}/approve").get_data(as_text=True)
    assert "评分" in form
    token = csrf_token(staff, f"/worklog/transition/{log.id}/approve")
    missing = staff.post(f"/worklog/transition/{log.id}/approve", data={"csrf_token": token})
    assert missing.status_code == 200 and "1 到 5" in missing.get_data(as_text=True)
    ok = staff.post(f"/worklog/transition/{log.id}/approve",
                    data={"csrf_token": token, "rating": "5", "note": "很好"})
    assert ok.status_code == 302
    with app.app_context(), system():
        assert db.session.get(WorkLog, log.id).status == "approved"


def test_ranking_counts_credits_within_scope(app: Flask, place: dict[str, int]) -> None:
    from app.points import post

    with app.app_context(), system():
        post(db.session, place["unit1"], 9, "排行测试", street_id=place["street"])
        post(db.session, place["unit3"], 50, "排行测试（外社区）", street_id=place["street"])
        db.session.commit()
    staff = _client(app, "c_staff")
    page = staff.get("/ranking/?period=all").get_data(as_text=True)
    assert "循环单位1" in page and "循环单位3" not in page  # unit3 serves another community
    alone = staff.get(f"/ranking/?period=month&community={place['community']}")
    assert alone.status_code == 200 and "循环单位1" in alone.get_data(as_text=True)
    unit2 = _client(app, "c_unit2").get("/ranking/?period=all").get_data(as_text=True)
    assert "循环单位1" not in unit2  # a unit sees its own entries only


def test_work_log_photos_stay_with_the_unit(app: Flask, place: dict[str, int]) -> None:
    import io

    from PIL import Image
    from werkzeug.datastructures import FileStorage

    from models.attachments import Attachment

    staff, unit1, unit2 = (_client(app, n) for n in ("c_staff", "c_unit1", "c_unit2"))
    demand = _new_demand(staff, place, "带照片的服务")
    assert unit1.post(f"/api/v1/demand/{demand}/claim").status_code == 200
    with app.app_context(), system():
        project = db.session.query(Project).filter_by(demand_id=demand).one().id
    log = unit1.post("/api/v1/worklog/", json={
        "project": project, "work_date": "2026-11-24", "hours": 1, "people_sent": 1,
        "beneficiaries": 1, "summary": "带照片的记录"}).json["id"]
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(photo, "JPEG")
    token = csrf_token(unit1, "/resetmypassword/form")
    sent = unit1.post(f"/attachments/worklog/{log}", content_type="multipart/form-data", data={
        "csrf_token": token, "files": [FileStorage(io.BytesIO(photo.getvalue()),
                                                   filename="现场.jpg")]})
    assert sent.status_code in (200, 302)
    with app.app_context(), system():
        attachment = db.session.query(Attachment).filter_by(resource="worklog",
                                                            record_id=log).one().id
    assert unit1.get(f"/attachments/file/{attachment}").status_code == 200
    assert staff.get(f"/attachments/thumb/{attachment}").status_code == 200
    for url in (f"/attachments/file/{attachment}", f"/attachments/thumb/{attachment}"):
        assert unit2.get(url).status_code == 404
    page = unit1.get(f"/worklog/show/{log}").get_data(as_text=True)
    assert f"/attachments/thumb/{attachment}" in page


def test_approved_logs_are_final_and_ratings_are_kept(app: Flask,
                                                      place: dict[str, int]) -> None:
    staff, unit1 = _client(app, "c_staff"), _client(app, "c_unit1")
    demand = _new_demand(staff, place, "审核后不可修改")
    assert unit1.post(f"/api/v1/demand/{demand}/claim").status_code == 200
    edit_claimed = unit1.put(f"/api/v1/demand/{demand}", json={"title": "改标题"})
    assert edit_claimed.status_code in (403, 422)
    with app.app_context(), system():
        project = db.session.query(Project).filter_by(demand_id=demand).one().id
    log = unit1.post("/api/v1/worklog/", json={
        "project": project, "work_date": "2026-11-24", "hours": 2, "people_sent": 1,
        "beneficiaries": 1, "summary": "审核前"}).json["id"]
    assert staff.post(f"/api/v1/worklog/{log}/approve", json={"rating": 3}).status_code == 200
    changed = unit1.put(f"/api/v1/worklog/{log}", json={
        "project": project, "work_date": "2026-11-24", "hours": 20, "people_sent": 1,
        "beneficiaries": 1, "summary": "审核后偷偷改"})
    assert changed.status_code == 422 and "已通过" in changed.json["message"]
    assert unit1.delete(f"/api/v1/worklog/{log}").status_code == 422
    with app.app_context(), system():
        assert db.session.get(WorkLog, log).summary == "审核前"
        change = db.session.query(StateChange).filter_by(resource="worklog", record_id=log,
                                                         transition="approve").one()
        assert change.rating == 3
    assert "评分 3" in staff.get(f"/worklog/show/{log}").get_data(as_text=True)


def test_demand_page_lists_fitting_resources_in_scope(app: Flask,
                                                      place: dict[str, int]) -> None:
    from models.cobuild import Resource

    with app.app_context(), system():
        db.session.add_all([
            Resource(name="助老志愿车队", kind="volunteers", category_id=place["category"],
                     partner_unit_id=place["unit2"]),
            Resource(name="外社区助老资源", kind="goods", category_id=place["category"],
                     partner_unit_id=place["unit3"]),
            Resource(name="无关的场地", kind="venue", partner_unit_id=place["unit2"])])
        db.session.commit()
    staff = _client(app, "c_staff")
    demand = _new_demand(staff, place, "需要助老资源")
    page = staff.get(f"/demand/show/{demand}").get_data(as_text=True)
    assert "匹配的资源" in page and "助老志愿车队" in page
    assert "外社区助老资源" not in page and "无关的场地" not in page


def test_units_offer_and_the_community_picks_one(app: Flask, place: dict[str, int]) -> None:
    staff, unit1, unit2 = (_client(app, n) for n in ("c_staff", "c_unit1", "c_unit2"))
    demand = _new_demand(staff, place, "报名挑选测试")
    offers = []
    for client, plan in ((unit1, "派 5 名党员志愿者"), (unit2, "派专业维修师傅")):
        made = client.post("/api/v1/demandoffer/", json={"demand": demand, "plan": plan})
        assert made.status_code == 201, made.json
        offers.append(made.json["id"])
    # each unit sees only its own offer; the community sees both and has them to decide
    assert unit1.get("/api/v1/demandoffer/").json["ids"].count(offers[1]) == 0
    assert set(offers) <= set(staff.get("/api/v1/demandoffer/").json["ids"])
    assert "待选择的服务报名" in staff.get("/todo/").get_data(as_text=True)
    accepted = staff.post(f"/api/v1/demandoffer/{offers[1]}/accept")
    assert accepted.status_code == 200, accepted.json
    with app.app_context(), system():
        from models.cobuild import DemandOffer

        assert db.session.get(Demand, demand).partner_unit_id == place["unit2"]
        assert db.session.get(DemandOffer, offers[0]).status == "declined"
        assert db.session.query(Project).filter_by(demand_id=demand).one().partner_unit_id \
            == place["unit2"]
        claim = db.session.query(StateChange).filter_by(resource="demand", record_id=demand,
                                                        transition="claim").one()
        assert "循环单位2" in claim.note
    # the demand is taken: a second acceptance and a late claim are refused
    assert staff.post(f"/api/v1/demandoffer/{offers[0]}/accept").status_code == 422
    assert unit1.post(f"/api/v1/demand/{demand}/claim").status_code in (404, 409)


def test_list_page_fires_transitions_in_bulk(app: Flask, place: dict[str, int]) -> None:
    staff, unit1 = _client(app, "c_staff"), _client(app, "c_unit1")
    drafts = [staff.post("/api/v1/demand/", json={"title": f"批量发布{i}", "urgency": "normal",
                                                  "source": "visit"}).json["id"]
              for i in (1, 2)]
    listing = staff.get("/demand/list/").get_data(as_text=True)
    assert "publish_menu_item" in listing and "claim_menu_item" not in listing
    token = csrf_token(staff, "/demand/add")
    done = staff.post("/demand/action_post", data={"action": "publish", "rowid": drafts,
                                                   "csrf_token": token}, follow_redirects=True)
    assert "2 条记录已完成" in done.get_data(as_text=True)
    with app.app_context(), system():
        assert {db.session.get(Demand, d).status for d in drafts} == {"published"}
    unit_list = unit1.get("/demand/list/").get_data(as_text=True)
    assert "claim_menu_item" in unit_list and "publish_menu_item" not in unit_list
    again = staff.post("/demand/action_post", data={"action": "publish", "rowid": drafts,
                                                    "csrf_token": token}, follow_redirects=True)
    assert "不能进行“发布”操作" in again.get_data(as_text=True)
