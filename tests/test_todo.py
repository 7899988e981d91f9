"""我的待办: each user's to-do, counted inside its scope; the counts equal the rows behind
each link; the menu badge shows the total; the pages speak Chinese."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from conftest import PASSWORD, bound_user, login
from flask import Flask
from flask.testing import FlaskClient
from test_i18n import assert_chinese_page

from app import todo
from app.extensions import db
from app.policy import COMMUNITY, SELF_SERVICE, SOCIAL, UNIT
from app.scoping import system
from models.cobuild import Demand, Project, WorkLog
from models.ledgers import HazardInspection
from models.org import Community, PartnerUnit, Street

RECORD_COUNT = re.compile(r"记录数:</strong>\s*(\d+)")
BADGE = re.compile(r'class="badge tx-todo-badge"[^>]*>(\d+)<')
KIND_COUNT = re.compile(
    r'data-kind="(\w+)">.*?<a class="pull-right tx-todo-all" href="([^"]+)">.*?'
    r'class="badge tx-todo-count[^"]*">(\d+)<', re.S)


@dataclass
class World:
    ids: dict[str, int]


def _today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture(scope="module")
def world(app: Flask) -> World:
    """Community 1 (unit 1 serves it) and community 2 (unit 2), each with work waiting."""
    today = _today()
    first = today.replace(day=1)
    last_month = first - dt.timedelta(days=1)
    with app.app_context(), system():
        street = Street(name="待办街道")
        c1 = Community(name="待办社区一", street=street)
        c2 = Community(name="待办社区二", street=street)
        u1 = PartnerUnit(name="待办单位一", communities=[c1])
        u2 = PartnerUnit(name="待办单位二", communities=[c2])
        p_logged = Project(name="本月已记录项目", partner_unit=u1, community=c1, street=street)
        p_silent = Project(name="本月未记录项目", partner_unit=u1, community=c1, street=street,
                           start_date=first - dt.timedelta(days=40))
        p_ended = Project(name="上月已结束项目", partner_unit=u1, community=c1, street=street,
                          end_date=last_month)
        p_later = Project(name="下月才开始项目", partner_unit=u1, community=c1, street=street,
                          start_date=today + dt.timedelta(days=40))
        p_other = Project(name="其他单位项目", partner_unit=u2, community=c2, street=street)
        rows = {
            "pending": WorkLog(project=p_logged, work_date=today, hours=2, summary="待审记录一",
                               status="pending"),
            "returned": WorkLog(project=p_logged, work_date=first, hours=1,
                                summary="退回记录一", status="returned"),
            "old": WorkLog(project=p_silent, work_date=last_month, hours=1,
                           summary="上月记录", status="approved"),
            "pending_other": WorkLog(project=p_other, work_date=today, hours=2,
                                     summary="待审记录二", status="pending"),
            "returned_other": WorkLog(project=p_other, work_date=today, hours=2,
                                      summary="退回记录二", status="returned"),
            "draft": Demand(title="草稿需求一", community=c1, street=street),
            "draft_other": Demand(title="草稿需求二", community=c2, street=street),
            "published": Demand(title="可认领需求一", community=c1, street=street,
                                status="published", wanted_by=today),
            "published_other": Demand(title="可认领需求二", community=c2, street=street,
                                      status="published"),
            "claimed": Demand(title="已认领需求一", community=c1, street=street,
                              status="claimed", partner_unit=u1),
            # hazards: one past its fix-by date, one still in time, one fixed late
            "hazard_late": HazardInspection(address="逾期隐患一", inspected_on=first,
                                            inspector="排查员", state="pending",
                                            fix_by=today - dt.timedelta(days=1),
                                            community=c1, street=street),
            "hazard_soon": HazardInspection(address="未到期隐患", inspected_on=first,
                                            inspector="排查员", state="pending",
                                            fix_by=today + dt.timedelta(days=3),
                                            community=c1, street=street),
            "hazard_fixed": HazardInspection(address="已整改隐患", inspected_on=first,
                                             inspector="排查员", state="fixed",
                                             fix_by=today - dt.timedelta(days=5),
                                             community=c1, street=street),
            "p_silent": p_silent, "p_logged": p_logged, "p_ended": p_ended,
            "p_later": p_later, "p_other": p_other, "c1": c1, "c2": c2, "u1": u1, "u2": u2,
        }
        db.session.add_all([street, *rows.values()])
        db.session.commit()
        ids = {key: row.id for key, row in rows.items()}
        bound_user(app, "todo_comm1", COMMUNITY, community_id=ids["c1"])
        bound_user(app, "todo_comm2", COMMUNITY, community_id=ids["c2"])
        bound_user(app, "todo_unit1", UNIT, partner_unit_id=ids["u1"])
        bound_user(app, "todo_social", SOCIAL)
    return World(ids)


def _client(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    login(client, username)
    return client


def _kinds(html: str) -> dict[str, tuple[str, int]]:
    """kind key → (list URL, count) as the to-do page shows them."""
    return {key: (url.replace("&amp;", "&"), int(n)) for key, url, n in KIND_COUNT.findall(html)}


def _rows_behind(client: FlaskClient, url: str) -> int:
    resp = client.get(url)
    assert resp.status_code == 200, url
    html = resp.get_data(as_text=True)
    if url.startswith("/todo/"):
        return html.count("<tr><td><a href=")
    match = RECORD_COUNT.search(html)
    return int(match.group(1)) if match else 0  # FAB shows no count on an empty list


def test_the_policy_grants_the_todo_page_to_every_role() -> None:
    assert (f"can_{todo.READ}", todo.PERMISSION_VIEW) in SELF_SERVICE
    assert ("menu_access", todo.MENU_NAME) in SELF_SERVICE


def test_community_staff_sees_its_own_community_only(app: Flask, world: World) -> None:
    client = _client(app, "todo_comm1")
    html = client.get("/todo/").get_data(as_text=True)
    kinds = _kinds(html)
    assert {k: n for k, (_u, n) in kinds.items()} == {
        "review_logs": 1, "publish_demands": 1, "decide_offers": 0, "overdue_visits": 0,
        "overdue_hazards": 1,
        **dict.fromkeys(("dispatch_requests", "handle_requests", "revisit_requests",
                         "publish_wishes", "approve_hours", "open_resolutions"), 0)}
    assert "待审记录一" in html and "草稿需求一" in html and "逾期隐患一" in html
    for other in ("待审记录二", "草稿需求二", "可认领需求", "退回记录", "本月未记录项目",
                  "未到期隐患", "已整改隐患"):
        assert other not in html, other
    assert BADGE.findall(html) == ["3"]
    for url, n in kinds.values():
        assert _rows_behind(client, url) == n, url
    # the other community's worker sees the other side
    other = _client(app, "todo_comm2").get("/todo/").get_data(as_text=True)
    assert "待审记录二" in other and "草稿需求二" in other and "待审记录一" not in other


def test_unit_sees_demands_to_claim_returned_logs_and_silent_projects(
        app: Flask, world: World) -> None:
    client = _client(app, "todo_unit1")
    html = client.get("/todo/").get_data(as_text=True)
    kinds = _kinds(html)
    assert {k: n for k, (_u, n) in kinds.items()} == {
        "claim_demands": 1, "returned_logs": 1, "projects_without_log": 1,
        **dict.fromkeys(("handle_requests", "claim_wishes", "open_resolutions"), 0)}
    assert "可认领需求一" in html and "退回记录一" in html and "本月未记录项目" in html
    for other in ("可认领需求二", "退回记录二", "本月已记录项目", "上月已结束项目",
                  "下月才开始项目", "其他单位项目", "已认领需求一", "草稿需求", "待审记录"):
        assert other not in html, other
    assert BADGE.findall(html) == ["3"]
    for url, n in kinds.values():
        assert _rows_behind(client, url) == n, url
    assert f'href="/demand/show/{world.ids["published"]}"' in html
    assert f'href="/worklog/show/{world.ids["returned"]}"' in html
    assert f'href="/project/show/{world.ids["p_silent"]}"' in html


def test_the_links_really_filter(app: Flask, world: World) -> None:
    client = _client(app, "todo_unit1")
    kinds = _kinds(client.get("/todo/").get_data(as_text=True))
    url, _n = kinds["returned_logs"]
    assert re.fullmatch(r"/worklog/list/\?_flt_\d_status=returned", url), url
    assert _rows_behind(client, "/worklog/list/") > _rows_behind(client, url)
    listing = client.get(url).get_data(as_text=True)
    assert "退回记录一" in listing and "待审记录一" not in listing
    url, _n = kinds["claim_demands"]
    listing = client.get(url).get_data(as_text=True)
    assert "可认领需求一" in listing and "已认领需求一" not in listing
    assert kinds["projects_without_log"][0] == "/todo/projects_without_log/"
    staff = _client(app, "todo_comm1")
    url, _n = _kinds(staff.get("/todo/").get_data(as_text=True))["publish_demands"]
    listing = staff.get(url).get_data(as_text=True)
    assert "草稿需求一" in listing and "可认领需求一" not in listing
    # a kind the user does not have is not there
    assert staff.get("/todo/projects_without_log/").status_code == 404


def test_counts_follow_the_workflow(app: Flask, world: World) -> None:
    """Publishing a draft moves it from the staff's to-do to the unit's."""
    with app.app_context(), system():
        demand = Demand(title="即将发布需求", community_id=world.ids["c1"],
                        street_id=db.session.get(Community, world.ids["c1"]).street_id)
        db.session.add(demand)
        db.session.commit()
        pk = demand.id
    staff = _client(app, "todo_comm1")  # 2 drafts, a log to review, a late hazard
    assert BADGE.findall(staff.get("/todo/").get_data(as_text=True)) == ["4"]
    resp = staff.post(f"/api/v1/demand/{pk}/publish", json={})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert BADGE.findall(staff.get("/todo/").get_data(as_text=True)) == ["3"]
    unit = _client(app, "todo_unit1")
    html = unit.get("/todo/").get_data(as_text=True)
    assert "即将发布需求" in html and BADGE.findall(html) == ["4"]
    with app.app_context(), system():  # leave the world as the other tests expect it
        db.session.delete(db.session.get(Demand, pk))
        db.session.commit()


def test_badge_in_the_menu_on_every_page(app: Flask, world: World) -> None:
    """Pages that count the to-do anyway show the number; the others show an empty badge
    that the page's script fills from ``/todo/count`` (the same number)."""
    client = _client(app, "todo_unit1")
    for url in ("/", "/todo/projects_without_log/"):
        html = client.get(url).get_data(as_text=True)
        assert BADGE.findall(html) == ["3"], url
        assert 'href="/todo/"' in html, url
    listing = client.get("/demand/list/").get_data(as_text=True)
    assert 'data-tx-todo-count="/todo/count"' in listing and 'href="/todo/"' in listing
    assert not BADGE.findall(listing)
    counted = client.get("/todo/count")
    assert counted.get_json() == {"count": 3, "title": "3 项待办"}
    assert counted.headers["Cache-Control"] == "no-store"
    assert app.test_client().get("/todo/count").status_code in (302, 401)  # logged out


def test_home_page_starts_with_the_todo(app: Flask, world: World) -> None:
    client = _client(app, "todo_unit1")
    html = client.get("/").get_data(as_text=True)
    assert html.index("tx-todo") < html.index("tx-welcome")
    assert "可认领需求一" in html and "tx-card" in html  # the cards are still there
    # after logging in, the user lands there
    fresh = app.test_client()
    from conftest import csrf_token

    resp = fresh.post("/login/", data={"username": "todo_unit1", "password": PASSWORD,
                                       "csrf_token": csrf_token(fresh, "/login/")},
                      follow_redirects=True)
    assert "可认领需求一" in resp.get_data(as_text=True)
    assert resp.request.path == "/"


def test_empty_todo_is_a_friendly_sentence(app: Flask, world: World) -> None:
    client = _client(app, "todo_social")
    html = client.get("/todo/").get_data(as_text=True)
    assert "没有" in html and BADGE.findall(html) == []
    assert_chinese_page("/todo/ (empty)", html)


def test_todo_pages_are_chinese(app: Flask, world: World) -> None:
    for username, urls in (("todo_unit1", ["/todo/", "/", "/todo/projects_without_log/",
                                           "/todo/claim_demands/"]),
                           ("todo_comm1", ["/todo/", "/"])):
        client = _client(app, username)
        for url in urls:
            resp = client.get(url)
            assert resp.status_code == 200, url
            assert_chinese_page(f"{url} ({username})", resp.get_data(as_text=True))


def test_anonymous_users_are_sent_to_log_in(client: FlaskClient) -> None:
    assert client.get("/todo/").status_code == 302
    assert "tx-todo" not in client.get("/").get_data(as_text=True)
