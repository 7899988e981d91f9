"""CSRF (issue 7, web hardening): every request that changes something carries this site's
token — forms, delete, bulk and row actions, transitions, uploads, our own routes and the
API used with the browser's session. Scripts signed in with an API token need none.

Each refused request is a Chinese 400 and changes nothing; the same request with the
token works. The app runs with ``WTF_CSRF_ENABLED`` on, as in production.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import bound_user, csrf_token, login
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from app.scoping import system
from models.attachments import Attachment
from models.cobuild import Demand
from models.org import Community, PartnerUnit, Street
from models.roles import COMMUNITY

REFUSED = "页面已过期"  # the Chinese 400 page of a missing or wrong token


def browser(app: Flask, username: str = "admin") -> FlaskClient:
    """A signed-in client that sends only what a page's form sends (no token header)."""
    client = app.test_client()
    login(client, username)
    client.environ_base.pop("HTTP_X_CSRFTOKEN", None)
    return client


def token_of(client: FlaskClient) -> str:
    """The session's token, as a page carries it (the logout form of every page)."""
    return csrf_token(client, "/")


def _count(app: Flask, model: type, **where: Any) -> int:
    with app.app_context(), system():
        stmt = select(func.count()).select_from(model).filter_by(**where)
        return int(db.session.scalar(stmt) or 0)


def _refused(response: Any) -> None:
    assert response.status_code == 400, response.status_code
    if response.is_json:
        assert "X-CSRFToken" in response.json["message"]
    else:
        assert REFUSED in response.get_data(as_text=True)


@pytest.fixture(scope="module")
def place(app: Flask) -> dict[str, int]:
    with app.app_context(), system():
        street = Street(name="令牌街道")
        community = Community(name="令牌社区", street=street)
        unit = PartnerUnit(name="令牌共建单位", communities=[community])
        db.session.add_all([street, community, unit])
        db.session.commit()
        bound_user(app, "csrf_staff", COMMUNITY, community_id=community.id)
        return {"street": street.id, "community": community.id, "unit": unit.id}


@pytest.fixture
def admin(app: Flask) -> Iterator[FlaskClient]:
    yield browser(app)


def _street(app: Flask, name: str) -> int:
    with app.app_context(), system():
        row = Street(name=name, district="令牌区")
        db.session.add(row)
        db.session.commit()
        return row.id


def test_add_form_needs_the_token(app: Flask, admin: FlaskClient) -> None:
    form = {"name": "令牌新增街道", "district": "令牌区"}
    _refused(admin.post("/street/add", data=form))
    _refused(admin.post("/street/add", data={**form, "csrf_token": "forged"}))
    assert _count(app, Street, name="令牌新增街道") == 0
    done = admin.post("/street/add", data={**form, "csrf_token": token_of(admin)})
    assert done.status_code == 302 and _count(app, Street, name="令牌新增街道") == 1


def test_edit_form_needs_the_token(app: Flask, admin: FlaskClient) -> None:
    pk = _street(app, "令牌编辑街道")
    form = {"name": "令牌编辑街道", "district": "被改了"}
    _refused(admin.post(f"/street/edit/{pk}", data=form))
    assert _count(app, Street, id=pk, district="令牌区") == 1
    token = csrf_token(admin, f"/street/edit/{pk}")  # the form's own field
    form["version"] = str(_version(app, pk))
    assert admin.post(f"/street/edit/{pk}", data={**form, "csrf_token": token}
                      ).status_code == 302
    assert _count(app, Street, id=pk, district="被改了") == 1


def _version(app: Flask, pk: int) -> Any:
    with app.app_context(), system():
        return getattr(db.session.get(Street, pk), "version", "") or ""


def test_delete_needs_the_token(app: Flask, admin: FlaskClient) -> None:
    pk = _street(app, "令牌删除街道")
    _refused(admin.post(f"/street/delete/{pk}"))
    _refused(admin.post(f"/street/delete/{pk}", data={"csrf_token": "forged"}))
    assert _count(app, Street, id=pk) == 1
    assert admin.post(f"/street/delete/{pk}", data={"csrf_token": token_of(admin)}
                      ).status_code == 302
    assert _count(app, Street, id=pk) == 0


def test_a_row_action_needs_the_token(app: Flask, admin: FlaskClient) -> None:
    """FAB's 重置密码 on one user (it opens the reset form)."""
    with app.app_context():
        pk = app.appbuilder.sm.find_user(username="admin").id
    url = f"/users/action/resetpasswords/{pk}"
    _refused(admin.post(url))
    _refused(admin.post(url, data={"csrf_token": "forged"}))
    done = admin.post(url, data={"csrf_token": token_of(admin)})
    assert done.status_code == 302 and "/resetpassword/form" in done.headers["Location"]


def _draft(app: Flask, place: dict[str, int], title: str) -> int:
    with app.app_context(), system():
        demand = Demand(title=title, community_id=place["community"],
                        street_id=place["street"])
        db.session.add(demand)
        db.session.commit()
        return demand.id


def test_a_bulk_action_needs_the_token(app: Flask, place: dict[str, int]) -> None:
    staff = browser(app, "csrf_staff")
    pk = _draft(app, place, "令牌批量需求")
    bulk = {"action": "publish", "rowid": [str(pk)]}
    _refused(staff.post("/demand/action_post", data=bulk))
    _refused(staff.post("/demand/action_post", data={**bulk, "csrf_token": "forged"}))
    assert _count(app, Demand, id=pk, status="draft") == 1
    assert staff.post("/demand/action_post", data={**bulk, "csrf_token": token_of(staff)}
                      ).status_code == 302
    assert _count(app, Demand, id=pk, status="published") == 1


def test_a_transition_needs_the_token(app: Flask, place: dict[str, int]) -> None:
    staff = browser(app, "csrf_staff")
    pk = _draft(app, place, "令牌需求")
    _refused(staff.post(f"/demand/transition/{pk}/publish"))
    _refused(staff.post(f"/api/v1/demand/{pk}/publish"))
    assert _count(app, Demand, id=pk, status="draft") == 1
    assert staff.post(f"/demand/transition/{pk}/publish",
                      data={"csrf_token": token_of(staff)}).status_code == 302
    assert _count(app, Demand, id=pk, status="published") == 1


def test_an_upload_needs_the_token(app: Flask, admin: FlaskClient,
                                   place: dict[str, int]) -> None:
    url = f"/attachments/partnerunit/{place['unit']}"

    def files() -> dict[str, Any]:
        photo = io.BytesIO()
        Image.new("RGB", (64, 48), (200, 30, 30)).save(photo, "PNG")
        return {"files": (io.BytesIO(photo.getvalue()), "令牌.png")}

    _refused(admin.post(url, data=files(), content_type="multipart/form-data"))
    assert _count(app, Attachment, resource="partnerunit", record_id=place["unit"]) == 0
    done = admin.post(url, data={**files(), "csrf_token": token_of(admin)},
                      content_type="multipart/form-data")
    assert done.status_code == 302
    assert _count(app, Attachment, resource="partnerunit", record_id=place["unit"]) == 1


def test_the_api_with_the_session_needs_the_token_header(app: Flask,
                                                          admin: FlaskClient) -> None:
    _refused(admin.post("/api/v1/street/", json={"name": "令牌接口街道"}))
    _refused(admin.post("/api/v1/street/", json={"name": "令牌接口街道"},  # a cookie: a browser
                        headers={"Authorization": "Bearer made-up"}))
    assert _count(app, Street, name="令牌接口街道") == 0
    header = {"X-CSRFToken": token_of(admin)}
    made = admin.post("/api/v1/street/", json={"name": "令牌接口街道"}, headers=header)
    assert made.status_code == 201
    pk = made.json["id"]
    changed = {"name": "令牌接口街道", "district": "被改了"}
    _refused(admin.put(f"/api/v1/street/{pk}", json=changed))
    _refused(admin.put(f"/api/v1/street/{pk}", json=changed, headers={"X-CSRFToken": "forged"}))
    _refused(admin.delete(f"/api/v1/street/{pk}"))
    assert _count(app, Street, id=pk, district=None) == 1
    assert admin.put(f"/api/v1/street/{pk}", json={**changed, "district": "接口区"},
                     headers=header).status_code == 200
    assert admin.delete(f"/api/v1/street/{pk}", headers=header).status_code == 200
    assert _count(app, Street, id=pk) == 0


def test_scripts_with_an_api_token_need_no_csrf_token(app: Flask) -> None:
    script = app.test_client()
    signed = script.post("/api/v1/security/login", json={
        "username": "admin", "password": "Tongxin@2026", "provider": "db"})
    assert signed.status_code == 200, signed.json
    bearer = {"Authorization": f"Bearer {signed.json['access_token']}"}
    made = script.post("/api/v1/street/", json={"name": "令牌脚本街道"}, headers=bearer)
    assert made.status_code == 201, made.json
    pk = made.json["id"]
    assert script.put(f"/api/v1/street/{pk}", json={"name": "令牌脚本街道", "district": "脚本区"},
                      headers=bearer).status_code == 200
    assert script.delete(f"/api/v1/street/{pk}", headers=bearer).status_code == 200
    assert _count(app, Street, id=pk) == 0
    # the API login works from a browser that already has a session, too
    assert browser(app).post("/api/v1/security/login", json={
        "username": "admin", "password": "Tongxin@2026", "provider": "db"}).status_code == 200


def _url(rule: Any) -> str:
    """The rule's address with every argument set to 1."""
    return re.sub(r"<(?:[^:<>]+:)?[^<>]+>", "1", rule.rule)


def test_every_changing_route_refuses_a_request_without_the_token(app: Flask) -> None:
    """Whatever the route — ours, FAB's, a generated one — no token, no change."""
    admin = browser(app)
    checked = []
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}
        if not methods or rule.endpoint in ("SecurityApi.login", "SecurityApi.refresh"):
            continue
        url = _url(rule)
        for method in sorted(methods):
            response = admin.open(url, method=method, data={"x": "1"})
            assert response.status_code == 400, (method, url, response.status_code)
            checked.append(rule.endpoint)
    assert {"AuthDBView.logout", "ViewAsView.start", "PersonalDataView.reveal",
            "attachments.delete", "StreetView.delete", "DemandView.action_post",
            "DemandView.import_commit"} <= set(checked)
    assert admin.get("/").status_code == 200  # still signed in: logout was refused too
