"""The generator: every registered model gets working screens and an API, with no view code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import csrf_token
from flask_babel import force_locale

import models
from app.extensions import db
from app.scoping import system

ROOT = Path(__file__).resolve().parent.parent


def _zh(app: Any, text: Any) -> str:
    with app.test_request_context(), force_locale("zh"):
        return str(text)


def _sample(model: type, suffix: str) -> Any:
    """A valid row of ``model``, with the related rows it needs."""
    import datetime as dt

    from models.audit import AuditEntry
    from models.cobuild import Demand, DemandOffer, Project, Review, WorkLog
    from models.dictionary import DictItem
    from models.excel import ExportJob, ImportBatch
    from models.org import Community, Grid, Street
    from models.personal import PersonalDataAccess
    from models.recycle import RecycleItem
    from models.residents import Household, HouseholdTag, Member, Visit
    from models.workflow import StateChange

    street = Street(name=f"生成器街道{suffix}", district="测试区")
    community = Community(name=f"生成器社区{suffix}", street=street)
    project = Project(name=f"生成器项目{suffix}", community=community, street=street)
    log = WorkLog(project=project, work_date=dt.date(2026, 11, 23), hours=2,
                  summary=f"生成器记录{suffix}")
    house = Household(grid=Grid(name=f"生成器户网格{suffix}", community=community,
                                street=street), building="1", room="101",
                      head_name=f"生成器户主{suffix}")
    rows = {
        Street: lambda: street,
        Community: lambda: community,
        Grid: lambda: Grid(name=f"生成器网格{suffix}", community=community, street=street),
        DictItem: lambda: DictItem(kind="unit_type", name=f"生成器类型{suffix}"),
        Demand: lambda: Demand(title=f"生成器需求{suffix}", community=community),
        DemandOffer: lambda: DemandOffer(demand=Demand(title=f"生成器报名需求{suffix}",
                                                       community=community),
                                         plan=f"生成器报名{suffix}"),
        Project: lambda: project,
        WorkLog: lambda: log,
        Review: lambda: Review(work_log=log, result="approved", rating=5),
        Household: lambda: house,
        HouseholdTag: lambda: HouseholdTag(name=f"生成器标签{suffix}"),
        Member: lambda: Member(household=house, name=f"生成器成员{suffix}"),
        Visit: lambda: Visit(household=house, visited_on=dt.date(2026, 11, 20),
                             visitor=f"生成器探访{suffix}"),
        AuditEntry: lambda: AuditEntry(kind="update", username="测试", resource="grid",
                                       summary=f"生成器日志{suffix}", record_id=1),
        PersonalDataAccess: lambda: PersonalDataAccess(actor_name="测试", resource="grid",
                                                       record_id=1, reason="生成器"),
        StateChange: lambda: StateChange(resource="demand", record_id=1, transition="publish",
                                         transition_label="发布", to_state="published",
                                         to_label="已发布"),
        ExportJob: lambda: ExportJob(username="测试", resource="demand",
                                     resource_label=f"生成器导出{suffix}"),
        ImportBatch: lambda: ImportBatch(username="测试", resource="demand",
                                         resource_label="需求", file_name=f"生成器{suffix}.xlsx"),
        RecycleItem: lambda: RecycleItem(resource="demand", resource_label="需求", record_id=1,
                                         label=f"生成器回收{suffix}"),
    }
    if model in rows:
        return rows[model]()
    affairs = _affairs_sample(model, suffix, community)
    if affairs is not None:
        return affairs
    points = _points_sample(model, suffix, street)
    if points is not None:
        return points
    return model(name=f"生成器{model.__name__}{suffix}")


def _affairs_sample(model: type, suffix: str, community: Any) -> Any:
    """Rows of the community ledgers (requests, wishes, volunteers, meetings…)."""
    import datetime as dt

    from models import disputes, ledgers, meetings, requests, volunteers, wishes

    day, here = dt.date(2026, 11, 20), {"community": community}
    meeting = meetings.Meeting(title=f"生成器会议{suffix}", held_on=day, topics="议题", **here)
    activity = volunteers.VolunteerActivity(title=f"生成器活动{suffix}",
                                            starts_at=dt.datetime(2026, 11, 20, 9), **here)
    volunteer = volunteers.Volunteer(name=f"生成器志愿者{suffix}", **here)
    rows = {
        requests.ResidentRequest: lambda: requests.ResidentRequest(
            subject=f"生成器诉求{suffix}", **here),
        wishes.MicroWish: lambda: wishes.MicroWish(title=f"生成器心愿{suffix}",
                                                   wisher="张阿姨", **here),
        disputes.Dispute: lambda: disputes.Dispute(title=f"生成器纠纷{suffix}",
                                                   parties="甲、乙", received_on=day, **here),
        volunteers.VolunteerTeam: lambda: volunteers.VolunteerTeam(
            name=f"生成器服务队{suffix}", **here),
        volunteers.Volunteer: lambda: volunteer,
        volunteers.VolunteerActivity: lambda: activity,
        volunteers.VolunteerService: lambda: volunteers.VolunteerService(
            activity=activity, volunteer=volunteer),
        meetings.Meeting: lambda: meeting,
        meetings.Resolution: lambda: meetings.Resolution(meeting=meeting,
                                                         content=f"生成器决议{suffix}"),
        ledgers.Convention: lambda: ledgers.Convention(title=f"生成器公约{suffix}",
                                                       content="条款", **here),
        ledgers.LivelihoodProject: lambda: ledgers.LivelihoodProject(
            name=f"生成器实事{suffix}", year=2026, **here),
        ledgers.Training: lambda: ledgers.Training(title=f"生成器培训{suffix}", held_on=day,
                                                   hours=2, **here),
        ledgers.HazardInspection: lambda: ledgers.HazardInspection(
            address=f"生成器地址{suffix}", inspected_on=day, inspector="李四", **here),
        ledgers.FeeEntry: lambda: ledgers.FeeEntry(fund="停车自治小组", occurred_on=day,
                                                   item=f"生成器费用{suffix}", amount=10,
                                                   **here),
    }
    return rows[model]() if model in rows else None


def _points_sample(model: type, suffix: str, street: Any) -> Any:
    """Rows of the points models (a redemption needs stock and a balance first)."""
    from app.points import post
    from models.org import PartnerUnit
    from models.points import PointsAccount, PointsEntry, Redemption, ShopItem

    unit = PartnerUnit(name=f"生成器积分单位{suffix}")
    item = ShopItem(name=f"生成器商品{suffix}", cost=1, stock=5, street=street)
    if model is ShopItem:
        return item
    if model is PointsEntry:
        return PointsEntry(partner_unit=unit, points=1, balance=1, reason=f"生成器{suffix}")
    if model is PointsAccount:
        return PointsAccount(partner_unit=unit, balance=0)
    if model is Redemption:
        db.session.add_all([unit, item])
        db.session.flush()
        post(db.session, unit.id, 10, "生成器充值", street_id=None)
        return Redemption(partner_unit=unit, item=item, quantity=1)
    return None


@pytest.mark.parametrize("model", models.registry(), ids=lambda m: m.__resource__)
def test_every_model_has_pages_and_api(app: Any, admin_client: Any, model: type) -> None:
    with app.app_context(), system():
        row = _sample(model, model.__resource__)
        db.session.add(row)
        db.session.commit()
        pk = row.id
    res = model.__resource__
    label = _zh(app, model.__label__)
    assert label and not label.isascii(), "model label must have a Chinese translation"

    pages = [f"/{res}/list/", f"/{res}/show/{pk}"]
    writes = [f"/{res}/add", f"/{res}/edit/{pk}"]
    for url in pages + ([] if model.__readonly__ else writes):
        page = admin_client.get(url)
        assert page.status_code == 200, url
        assert label in page.get_data(as_text=True), f"{url} has no title with {label}"
    if model.__readonly__:  # written by the system only: no add, edit or delete at all
        for url in writes:
            assert admin_client.get(url).status_code in (302, 403, 404), url
        assert admin_client.delete(f"/api/v1/{res}/{pk}").status_code in (403, 404, 405)
        assert admin_client.get(f"/api/v1/{res}/{pk}").status_code == 200
        return
    listing = admin_client.get(f"/{res}/list/?psize_{model.__name__}View=1000").get_data(
        as_text=True)
    assert f"/{res}/show/{pk}" in listing

    api = admin_client.get(f"/api/v1/{res}/")
    assert api.status_code == 200 and api.json["count"] >= 1
    assert admin_client.get(f"/api/v1/{res}/{pk}").status_code == 200
    info = admin_client.get(f"/api/v1/{res}/_info")
    assert info.status_code == 200 and "add_columns" in info.json

    # delete through the page (POST with a CSRF token of the same session)
    token = csrf_token(admin_client, f"/{res}/add")
    gone = admin_client.post(f"/{res}/delete/{pk}", data={"csrf_token": token})
    assert gone.status_code == 302
    assert admin_client.get(f"/api/v1/{res}/{pk}").status_code == 404


def test_api_shares_one_permission_name_with_pages(app: Any) -> None:
    names = {v.class_permission_name for v in app.appbuilder.baseviews
             if getattr(v, "datamodel", None) is not None
             and v.datamodel.obj in models.registry()}
    assert names == {m.__resource__ for m in models.registry()}


def test_relation_fields_search_on_the_server(app: Any, admin_client: Any) -> None:
    from models.org import Street

    with app.app_context(), system():
        for i in range(30):
            db.session.add(Street(name=f"搜索街道{i:02d}"))
        db.session.commit()
    form = admin_client.get("/community/add").get_data(as_text=True)
    assert "tx-remote-select" in form and 'data-endpoint="/api/v1/street/choices/"' in form
    assert "搜索街道07" not in form, "the form must not load every street"
    found = admin_client.get("/api/v1/street/choices/?q=搜索街道0").json
    assert [r["text"] for r in found["results"]] == [f"搜索街道{i:02d}" for i in range(10)]
    page2 = admin_client.get("/api/v1/street/choices/?q=搜索街道&page=2").json
    assert len(page2["results"]) == 10 and page2["pagination"]["more"] is False
    unit_form = admin_client.get("/partnerunit/add").get_data(as_text=True)
    assert 'data-endpoint="/api/v1/dictitem/choices/?kind=unit_type"' in unit_form


def test_duplicate_name_in_one_street_is_a_field_error(app: Any, admin_client: Any) -> None:
    from models.org import Community, Street

    with app.app_context(), system():
        street = Street(name="重名检查街道")
        db.session.add_all([street, Community(name="重名社区", street=street)])
        db.session.commit()
        street_id = street.id
        before = db.session.query(Community).count()
    token = csrf_token(admin_client, "/community/add")
    page = admin_client.post("/community/add", data={
        "name": "重名社区", "street": str(street_id), "csrf_token": token})
    assert page.status_code == 200  # the form again, with the input kept
    html = page.get_data(as_text=True)
    assert 'value="重名社区"' in html
    with app.test_request_context(), force_locale("zh"):
        assert "已存在" in html
    api = admin_client.post("/api/v1/community/", json={"name": "重名社区", "street": street_id})
    assert api.status_code == 422 and "name" in api.json["message"]
    with app.app_context(), system():
        assert db.session.query(Community).count() == before


def test_api_errors_are_chinese_and_save_nothing(admin_client: Any) -> None:
    resp = admin_client.post("/api/v1/street/", json={"district": "x" * 300})
    assert resp.status_code == 422
    message = json.dumps(resp.json, ensure_ascii=False)
    assert "name" in resp.json["message"] and "district" in resp.json["message"]
    assert "Missing data" not in message and "Longer than" not in message


SCRIPT = textwrap.dedent('''
    import json, re, sys
    from flask_babel import lazy_gettext as _l
    from sqlalchemy import String
    from sqlalchemy.orm import Mapped, mapped_column
    from models.meta import PortalModel, col

    class Notice(PortalModel):
        __tablename__ = "gen_notice"
        __label__ = _l("Street")
        __resource__ = "notice"
        __list_columns__ = ("name",)
        __search_columns__ = ("name",)
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(50), info=col(_l("Name")))

    from app import create_app
    from app.bootstrap import ensure_admin, init_database
    from app.extensions import db
    from app.scoping import system
    app = create_app({"mode": "test", "instance_dir": sys.argv[1],
                      "database_url": "sqlite:///" + sys.argv[1] + "/gen.db"})
    with app.app_context(), system():
        db.metadata.create_all(db.engine, tables=[Notice.__table__])
    init_database(app)
    ensure_admin(app, "admin", "Tongxin@2026")
    c = app.test_client()
    tok = lambda url: re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                                c.get(url).get_data(as_text=True)).group(1)
    c.post("/login/", data={"username": "admin", "password": "Tongxin@2026",
                            "csrf_token": tok("/login/")})
    out = {"add": c.post("/notice/add", data={"name": "通知一", "csrf_token": tok("/notice/add")}
                         ).status_code}
    for url in ["/notice/list/", "/notice/show/1", "/notice/edit/1", "/api/v1/notice/",
                "/api/v1/notice/1", "/api/v1/notice/_info"]:
        out[url] = c.get(url).status_code
    out["listed"] = "通知一" in c.get("/notice/list/").get_data(as_text=True)
    out["menu"] = "/notice/list/" in c.get("/").get_data(as_text=True)
    print(json.dumps(out))
''')


def test_a_new_model_class_gets_screens_without_view_code(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PYTHONPATH"] = str(ROOT)
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True,
                         text=True, env=env, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result.pop("add") == 302
    assert result.pop("listed") is True and result.pop("menu") is True
    assert set(result.values()) == {200}, result


def test_boolean_fields_start_at_the_model_default(admin_client: Any) -> None:
    form = admin_client.get("/partnerunit/add").get_data(as_text=True)
    active = form[form.index('id="active"') - 80: form.index('id="active"') + 80]
    dual = form[form.index('id="dual_report"') - 80: form.index('id="dual_report"') + 80]
    assert "checked" in active and "checked" not in dual
    assert "required" not in active and "required" not in dual
