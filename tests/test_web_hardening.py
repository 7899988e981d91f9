"""Web hardening (issue 7): no change on a GET, redirects stay on this site, SQL injection
attempts in search, order and paging arguments are harmless, and no error shows a stack
trace, SQL or database text."""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import pytest
from conftest import bound_user, csrf_token, login
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from openpyxl import load_workbook
from sqlalchemy import func, inspect, select

from app.extensions import db
from app.redirects import safe_target
from app.scoping import system
from models.cobuild import Demand
from models.org import Community, Street
from models.roles import COMMUNITY

#: what no response may contain: a stack trace, SQL, the database driver's words
LEAKS = re.compile(r"Traceback|sqlite3|psycopg|sqlalchemy|OperationalError|ProgrammingError|"
                   r"DataError|syntax error|(?-i:SELECT |INSERT INTO |DELETE FROM )|"
                   r"File \"/", re.IGNORECASE)
CJK = re.compile(r"[\u4e00-\u9fff]")


def _no_leak(response: Any, what: str) -> str:
    assert response.status_code < 500, (what, response.status_code)
    if response.mimetype not in ("text/html", "application/json"):
        return ""
    body = response.get_data(as_text=True)
    for attack in SQLI:  # the search input itself may come back (escaped) in the page
        body = body.replace(attack, "").replace(str(escape(attack)), "")
    found = LEAKS.search(body)
    assert found is None, (what, found and body[max(found.start() - 200, 0):found.end() + 200])
    return body


@pytest.fixture(scope="module")
def place(app: Flask) -> dict[str, Any]:
    with app.app_context(), system():
        street = Street(name="加固街道")
        mine = Community(name="加固社区", street=street)
        other = Community(name="加固外社区", street=street)
        own = [Demand(title=f"加固本社区需求{i}", community=mine, street=street) for i in (1, 2)]
        foreign = Demand(title="加固外社区需求", community=other, street=street)
        db.session.add_all([street, mine, other, *own, foreign])
        db.session.commit()
        bound_user(app, "hard_staff", COMMUNITY, community_id=mine.id)
        return {"street": street.id, "own": [d.id for d in own], "foreign": foreign.id}


def _client(app: Flask, username: str = "admin") -> FlaskClient:
    client = app.test_client()
    login(client, username)
    return client


def _exists(app: Flask, model: type, pk: int) -> bool:
    with app.app_context(), system():
        return db.session.get(model, pk) is not None


# --------------------------------------------------------------------- no change on GET

def test_delete_action_and_logout_refuse_a_get(app: Flask) -> None:
    admin = _client(app)
    with app.app_context(), system():
        street = Street(name="加固GET街道")
        db.session.add(street)
        db.session.commit()
        pk = street.id
        user = app.appbuilder.sm.find_user(username="admin").id
    for url in (f"/street/delete/{pk}", f"/users/action/resetpasswords/{user}",
                f"/demand/action/publish/{pk}", "/logout/"):
        response = admin.get(url)
        assert response.status_code == 405, url
        assert "不允许的操作" in response.get_data(as_text=True)
    assert _exists(app, Street, pk)
    assert admin.get("/street/list/").status_code == 200  # still signed in
    token = csrf_token(admin, "/")
    assert admin.post("/logout/", data={"csrf_token": token}).status_code == 302
    assert admin.get("/street/list/").status_code == 302  # signed out: to the login page


def test_every_page_offers_logout_as_a_form(app: Flask) -> None:
    page = _client(app).get("/").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/logout/" class="tx-logout">.*?</form>',
                     page, re.S)
    assert form and 'name="csrf_token"' in form.group(0) and "退出登录" in form.group(0)
    assert 'href="/logout/"' not in page


# ------------------------------------------------------------------------ redirects

ATTACKS = ["https://evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example",
           "\\/evil.example", "javascript:alert(1)", "JavaScript:alert(1)", "http:/evil.example",
           "https:evil.example", "///evil.example", "/\t/evil.example", " //evil.example",
           "%2F%2Fevil.example", "https://localhost@evil.example/",
           "https://evil.example\\@localhost/", "data:text/html,<script>alert(1)</script>",
           "evil.example"]


def _lands_here(location: str) -> bool:
    """Where a browser goes from /login/ with this Location: this site or not (browsers
    drop tabs and line breaks and read ``\\`` as ``/``)."""
    cleaned = re.sub(r"[\t\r\n]", "", location).strip().replace("\\", "/")
    target = urlsplit(urljoin("http://localhost/login/", cleaned))
    return target.scheme == "http" and target.netloc == "localhost"


@pytest.mark.parametrize("attack", ATTACKS)
def test_login_next_never_leaves_the_site(app: Flask, attack: str) -> None:
    client = app.test_client()
    token = csrf_token(client, "/login/")
    done = client.post(f"/login/?next={quote(attack, safe='')}",
                       data={"username": "admin", "password": "Tongxin@2026",
                             "csrf_token": token})
    assert done.status_code == 302
    assert done.headers["Location"] == "/", done.headers["Location"]
    again = client.get(f"/login/?next={quote(attack, safe='')}")  # already signed in
    assert again.status_code == 302 and again.headers["Location"] == "/"


def test_login_next_on_this_site_is_kept(app: Flask) -> None:
    client = app.test_client()
    token = csrf_token(client, "/login/")
    for target in ("/street/list/", "/demand/list/?_flt_0_status=draft",
                   "http://localhost/todo/"):
        done = client.post(f"/login/?next={quote(target, safe='')}",
                           data={"username": "admin", "password": "Tongxin@2026",
                                 "csrf_token": token})
        assert done.headers["Location"] == target
        client.post("/logout/", data={"csrf_token": csrf_token(client, "/")})
        token = csrf_token(client, "/login/")


def test_back_and_language_switch_never_leave_the_site(app: Flask) -> None:
    """FAB's 返回 and language switch go back through the page history, kept in the
    session: a history naming another site still lands here."""
    client = _client(app)
    for attack in ATTACKS:
        for url in ("/back", "/lang/zh"):
            with client.session_transaction() as session:
                session["page_history"] = [attack, attack]
            response = client.get(url)
            assert response.status_code == 302
            assert _lands_here(response.headers["Location"]), (url, attack)
            assert response.headers["Location"] == "/", (url, attack)


def test_safe_target_keeps_this_site_only(app: Flask) -> None:
    with app.test_request_context(base_url="http://portal.example:8000/"):
        for attack in ATTACKS:
            assert safe_target(attack) == "/", attack
        for ok in ("/", "/street/list/?a=1#x", "/%2F%2Fevil.example",
                   "http://portal.example:8000/demand/list/"):
            assert safe_target(ok) == ok


# ---------------------------------------------------------------------- SQL injection

SQLI = ["' OR '1'='1", "1; DROP TABLE street; --", "name desc; select 1",
        "‘ OR ‘1’=‘1", "1) OR (1=1", "\" OR \"\"=\"", "%' OR 1=1 --", "1 UNION SELECT password "
        "FROM ab_user", "title; DELETE FROM demand", "-1", "99999999999999999999"]


def _row_counts(app: Flask) -> dict[str, int]:
    with app.app_context(), system():
        tables = set(inspect(db.engine).get_table_names())
        assert {"street", "demand", "ab_user"} <= tables
        return {t: int(db.session.scalar(select(func.count()).select_from(db.metadata.tables[t])
                                          ) or 0) if t in db.metadata.tables else -1
                for t in ("street", "demand", "community")}


def _page_urls(value: str) -> list[str]:
    v = quote(value, safe="")
    return [f"/demand/list/?_flt_0_title={v}", f"/demand/list/?_flt_2_title={v}",
            f"/demand/list/?_flt_0_status={v}", f"/demand/list/?_flt_0_community={v}",
            f"/demand/list/?_flt_1_category={v}", f"/demand/list/?_flt_8_status={v}",
            f"/demand/list/?_flt_0_wanted_by={v}", f"/demand/list/?_flt_{v}_title=1",
            f"/demand/list/?_flt_0_{v}=1", f"/demand/list/?_oc_DemandView={v}",
            f"/demand/list/?_oc_DemandView=title&_od_DemandView={v}",
            f"/demand/list/?psize_DemandView={v}", f"/demand/list/?page_DemandView={v}",
            f"/demand/export/?_flt_0_title={v}", f"/demand/export/?_oc_DemandView={v}"]


def _api_urls(value: str) -> list[str]:
    r = value.replace("!", "!!").replace("'", "!'")  # a rison string
    queries = [f"(filters:!((col:title,opr:ct,value:'{r}')))",
               f"(filters:!((col:community,opr:rel_o_m,value:'{r}')))",
               f"(filters:!((col:title,opr:eq,value:!('{r}',x))))",
               f"(filters:!((col:'{r}',opr:eq,value:x)))",
               f"(filters:!((col:title,opr:'{r}',value:x)))",
               f"(order_column:'{r}',order_direction:desc)",
               f"(order_column:title,order_direction:'{r}')",
               f"(page_size:'{r}')", f"(page:'{r}',page_size:10)", f"'{r}'"]
    urls = [f"/api/v1/demand/?q={quote(q, safe='')}" for q in queries]
    urls += [f"/api/v1/demand/export?q={quote(q, safe='')}" for q in queries[:7]]
    urls.append(f"/api/v1/demand/choices/?q={quote(value, safe='')}")
    return urls


def test_sql_injection_in_search_order_and_paging_is_harmless(
        app: Flask, place: dict[str, Any]) -> None:
    staff = _client(app, "hard_staff")
    visible = set(staff.get("/api/v1/demand/?q=(page_size:100)").json["ids"])
    assert set(place["own"]) <= visible and place["foreign"] not in visible
    before = _row_counts(app)
    for value in SQLI:
        for url in _page_urls(value):
            response = staff.get(url)
            body = _no_leak(response, url)
            assert response.status_code in (200, 400), (url, response.status_code)
            assert "加固外社区需求" not in body, url
            if response.status_code == 400:
                assert "请求有误" in body, url
            elif response.mimetype.endswith("spreadsheetml.sheet"):
                sheet = load_workbook(io.BytesIO(response.data)).active
                cells = {str(c.value) for row in sheet.iter_rows() for c in row}
                assert "加固外社区需求" not in cells, url
        for url in _api_urls(value):
            response = staff.get(url)
            _no_leak(response, url)
            assert response.status_code in (200, 400), (url, response.status_code)
            if response.status_code == 400:
                assert CJK.search(response.json["message"]), (url, response.json)
            elif url.startswith("/api/v1/demand/?"):
                assert set(response.json["ids"]) <= visible, url
    assert _row_counts(app) == before


def test_form_input_is_data_never_sql(app: Flask, place: dict[str, Any]) -> None:
    staff = _client(app, "hard_staff")
    before = _row_counts(app)
    for value in SQLI[:5]:
        made = staff.post("/api/v1/demand/", json={"title": value})
        assert made.status_code == 201, made.json
        shown = staff.get(f"/api/v1/demand/{made.json['id']}").json["result"]["title"]
        assert shown == value
    after = _row_counts(app)
    assert after["demand"] == before["demand"] + 5 and after["street"] == before["street"]


# ------------------------------------------------------------------- no stack trace

def test_errors_never_show_a_stack_trace_or_sql(app: Flask, place: dict[str, Any]) -> None:
    admin = _client(app)
    pk = place["own"][0]
    cases: list[tuple[str, str, dict[str, Any], tuple[int, ...]]] = [
        ("POST", "/api/v1/demand/", {"data": "{bad json", "content_type": "application/json"},
         (400,)),
        ("POST", "/api/v1/demand/", {"data": "title=x"}, (400,)),
        ("PUT", f"/api/v1/demand/{pk}", {"data": "[1, 2", "content_type": "application/json"},
         (400,)),
        ("POST", "/api/v1/demand/", {"json": {"title": "x", "wanted_by": "2026-13-45",
                                              "beneficiaries": "很多"}}, (422,)),
        ("GET", "/demand/show/abc", {}, (404,)),
        ("GET", "/demand/edit/99999999999999999999", {}, (404,)),
        ("GET", "/demand/show/-1", {}, (404,)),
        ("GET", "/api/v1/demand/99999999999999999999", {}, (404,)),
        ("GET", "/api/v1/demand/abc", {}, (404, 405)),
        ("GET", "/demand/list/?page_DemandView=99999999999999999999", {}, (400,)),
        ("GET", "/demand/list/?psize_DemandView=abc", {}, (400,)),
        ("GET", "/api/v1/demand/?q=(page:99999999999999999999,page_size:10)", {}, (400,)),
        ("GET", "/api/v1/demand/?q=((((", {}, (400,)),
        ("GET", "/api/v1/demand/?q=(filters:!((col:wanted_by,opr:gt,value:'2026-13-45')))",
         {}, (200, 400)),
        ("GET", "/demand/list/?_flt_0_wanted_by=2026-13-45", {}, (200,)),
        ("GET", "/demand/list/?_flt_1_wanted_by=%E6%98%8E%E5%A4%A9", {}, (200,)),
        ("GET", "/excel/jobs/99999999999999999999", {}, (404,)),
        ("GET", "/attachments/file/99999999999999999999", {}, (404,)),
        ("GET", "/no-such-page/<script>", {}, (404,)),
    ]
    for method, url, kwargs, codes in cases:
        response = admin.open(url, method=method, **kwargs)
        body = _no_leak(response, f"{method} {url}")
        assert response.status_code in codes, (method, url, response.status_code, body[:300])
        if response.is_json and response.status_code >= 400:
            assert CJK.search(str(response.json["message"])), (url, response.json)
