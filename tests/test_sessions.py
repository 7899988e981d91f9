"""Signed-in sessions end on the server (等保 2.0, issue 7): a new session at login, a
copied cookie is worthless after logout, idle and absolute timeouts, and a password
change or a disabled account ends the other sessions at their next request.

Time is moved by writing older timestamps into ``user_session``, never by waiting.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import PASSWORD, bound_user, csrf_token, login
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from app.extensions import db
from app.scoping import system
from app.sessions import KEY
from models.mixins import utcnow
from models.roles import COMMUNITY
from models.sessions import UserSession

NEW_PASSWORD = "Neues#Pass2026"


def _user(app: Flask, username: str) -> None:
    with app.app_context(), system():
        bound_user(app, username, COMMUNITY)


def _client(app: Flask, username: str, password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    login(client, username, password)
    return client


def _signed_in(client: FlaskClient) -> bool:
    """Whether ``client`` may open a page that needs a signed-in user."""
    response = client.get("/resetmypassword/form")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def _token(client: FlaskClient) -> str:
    with client.session_transaction() as session:
        token = session.get(KEY)
    assert isinstance(token, str)
    return token


def _age(app: Flask, token: str, **ago: dt.timedelta) -> None:
    """Move ``created_at`` / ``last_seen_at`` of the session ``token`` into the past."""
    now = utcnow()
    with app.app_context():
        db.session.execute(update(UserSession).where(UserSession.id == token).values(
            **{column: now - delta for column, delta in ago.items()}))
        db.session.commit()


def _session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _with_cookie(app: Flask, value: str) -> FlaskClient:
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def _logout(client: FlaskClient) -> Any:
    return client.post("/logout/", data={
        "csrf_token": csrf_token(client, "/resetmypassword/form")})


def test_login_starts_a_new_session(app: Flask) -> None:
    _user(app, "ss_fix")
    client = app.test_client()
    client.get("/login/")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    before = _session_cookie(client)
    login(client, "ss_fix")
    after = _session_cookie(client)
    assert after != before
    with client.session_transaction() as session:
        assert "planted" not in session  # nothing from before the login survives
    first = _token(client)
    # the cookie from before the login never becomes signed in
    assert not _signed_in(_with_cookie(app, before))
    # each login gets its own session id
    login(second := app.test_client(), "ss_fix")
    assert _token(second) != first and _signed_in(client) and _signed_in(second)


def test_a_cookie_replayed_after_logout_is_refused(app: Flask) -> None:
    _user(app, "ss_replay")
    client = _client(app, "ss_replay")
    captured = _session_cookie(client)
    assert _signed_in(_with_cookie(app, captured))
    assert _logout(client).status_code == 302
    assert not _signed_in(client)
    replay = _with_cookie(app, captured)
    assert not _signed_in(replay)
    api = _with_cookie(app, captured).get("/api/v1/street/")
    assert api.status_code == 401
    with app.app_context():
        row = db.session.get(UserSession, _token(_with_cookie(app, captured)))
        assert row is not None and row.ended_at is not None


def test_an_idle_session_ends(app: Flask) -> None:
    _user(app, "ss_idle")
    client = _client(app, "ss_idle")
    token = _token(client)
    _age(app, token, last_seen_at=dt.timedelta(minutes=29))
    assert _signed_in(client)  # used within 30 minutes: still valid, and now touched
    with app.app_context():
        seen = db.session.get(UserSession, token).last_seen_at  # type: ignore[union-attr]
    assert utcnow() - seen < dt.timedelta(minutes=1)

    _age(app, token, last_seen_at=dt.timedelta(minutes=31))
    page = client.get("/street/list/", follow_redirects=True)
    assert "登录已超时，请重新登录" in page.get_data(as_text=True)
    assert page.request.path == "/login/"
    assert not _signed_in(client)


def test_a_session_ends_twelve_hours_after_login(app: Flask) -> None:
    _user(app, "ss_long")
    client = _client(app, "ss_long")
    _age(app, _token(client), created_at=dt.timedelta(hours=11, minutes=59))
    assert _signed_in(client)
    _age(app, _token(client), created_at=dt.timedelta(hours=12, minutes=1))
    response = client.get("/api/v1/street/")  # the API with the browser's cookie
    assert response.status_code == 401
    assert response.json["message"] == "登录已超时，请重新登录"
    assert not _signed_in(client)


def test_a_disabled_users_sessions_and_tokens_end(app: Flask) -> None:
    _user(app, "ss_off")
    browser = _client(app, "ss_off")
    token = app.test_client().post("/api/v1/security/login", json={
        "username": "ss_off", "password": PASSWORD, "provider": "db"}).json["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/street/", headers=bearer).status_code == 200
    with app.app_context(), system():
        user = app.appbuilder.sm.find_user(username="ss_off")  # type: ignore[attr-defined]
        user.active = False
        db.session.commit()
    assert not _signed_in(browser)
    assert app.test_client().get("/api/v1/street/", headers=bearer).status_code == 401
    with app.app_context(), system():
        user = app.appbuilder.sm.find_user(username="ss_off")  # type: ignore[attr-defined]
        user.active = True
        db.session.commit()
    assert not _signed_in(browser)  # enabling the account again does not revive it


def test_a_new_password_ends_the_other_sessions(app: Flask, admin_client: FlaskClient
                                                ) -> None:
    _user(app, "ss_pw")
    here, elsewhere = _client(app, "ss_pw"), _client(app, "ss_pw")
    changed = here.post("/resetmypassword/form", data={
        "password": NEW_PASSWORD, "conf_password": NEW_PASSWORD,
        "csrf_token": csrf_token(here, "/resetmypassword/form")})
    assert changed.status_code == 302
    assert _signed_in(here)  # the session that changed it goes on
    page = elsewhere.get("/street/list/", follow_redirects=True)
    assert "登录已失效，请重新登录" in page.get_data(as_text=True)
    assert not _signed_in(elsewhere)

    with app.app_context(), system():
        pk = app.appbuilder.sm.find_user(username="ss_pw").id  # type: ignore[attr-defined]
    url = f"/resetpassword/form?pk={pk}"
    reset = admin_client.post(url, data={"password": PASSWORD, "conf_password": PASSWORD,
                                         "csrf_token": csrf_token(admin_client, url)})
    assert reset.status_code == 302
    assert not _signed_in(here)  # an administrator's reset ends all of them
    assert _signed_in(admin_client)
    assert _signed_in(_client(app, "ss_pw", PASSWORD))
