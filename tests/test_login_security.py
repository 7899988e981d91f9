"""Login security (等保 2.0, issue 7): lockout, identical refusals, a rate limit per
address, the client address behind a proxy, and the audit entries of each attempt.

Every test signs in its own users, from its own documentation-range addresses
(192.0.2.x, 198.51.100.x, 203.0.113.x), so no lockout or count leaks into another test.
Time is moved by writing older audit entries, never by waiting.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSWORD, bound_user, csrf_token
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select

from app import create_app
from app.config import LOGIN_RATE
from app.extensions import db
from app.scoping import system
from models.audit import AuditEntry
from models.mixins import utcnow
from models.roles import COMMUNITY

WRONG = "Wrong#Pass2026"
#: what differs between two renderings of the same page: the form and script tokens
TOKENS = re.compile(r'(name="csrf_token" type="hidden" value=|nonce=)"[^"]*"')


def _user(app: Flask, username: str) -> None:
    with app.app_context(), system():
        bound_user(app, username, COMMUNITY)


def _web(app: Flask, username: str, password: str, ip: str,
         follow: bool = False) -> Any:
    """A login through the form from ``ip`` (a fresh browser)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    token = csrf_token(client, "/login/")
    response = client.post("/login/", data={"username": username, "password": password,
                                            "csrf_token": token},
                           follow_redirects=follow)
    response.client = client
    return response


def _signed_in(response: Any) -> bool:
    with response.client.session_transaction() as session:
        return session.get("_user_id") is not None


def _api(app: Flask, username: str, password: str, ip: str) -> Any:
    return app.test_client().post("/api/v1/security/login", json={
        "username": username, "password": password, "provider": "db"},
        environ_base={"REMOTE_ADDR": ip})


def _entries(app: Flask, **where: Any) -> list[AuditEntry]:
    with app.app_context(), system():
        query = select(AuditEntry).filter_by(**where).order_by(AuditEntry.id)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return list(rows)


def _old_failures(app: Flask, username: str, *minutes_ago: float) -> None:
    """Failed logins of ``username`` written as if they happened that long ago."""
    now = utcnow()
    with app.app_context():
        db.session.execute(insert(AuditEntry.__table__), [
            {"at": now - dt.timedelta(minutes=m), "username": username, "ip": "192.0.2.99",
             "kind": "login_failed", "result": "failed", "summary": "密码错误"}
            for m in minutes_ago])
        db.session.commit()


def _page(response: Any) -> str:
    return TOKENS.sub("", response.get_data(as_text=True))


def test_five_failures_from_five_addresses_lock_the_account_on_the_web(app: Flask) -> None:
    _user(app, "lk_web")
    for i in range(1, 6):
        refused = _web(app, "lk_web", WRONG, f"198.51.100.{i}")
        assert refused.status_code == 302 and not _signed_in(refused)
    locked = _web(app, "lk_web", PASSWORD, "203.0.113.6")  # right password, new address
    assert not _signed_in(locked)
    assert locked.headers["Location"] == refused.headers["Location"]
    entry = _entries(app, username="lk_web", kind="login_failed")[-1]
    assert (entry.result, entry.summary, entry.ip) == ("denied", "账户已锁定", "203.0.113.6")
    # another account is not touched
    _user(app, "lk_web_other")
    assert _signed_in(_web(app, "lk_web_other", PASSWORD, "198.51.100.1"))


def test_five_failures_lock_the_account_on_the_api(app: Flask) -> None:
    _user(app, "lk_api")
    for i in range(1, 6):
        assert _api(app, "lk_api", WRONG, f"198.51.100.{10 + i}").status_code == 401
    wrong = _api(app, "lk_api", WRONG, "203.0.113.16")
    locked = _api(app, "lk_api", PASSWORD, "203.0.113.17")
    assert locked.status_code == 401 and "access_token" not in locked.get_data(as_text=True)
    assert locked.get_data() == wrong.get_data()
    # the web form is locked as well
    assert not _signed_in(_web(app, "lk_api", PASSWORD, "203.0.113.18"))


def test_the_lock_lasts_fifteen_minutes(app: Flask) -> None:
    _user(app, "lk_recent")
    _old_failures(app, "lk_recent", 14, 13, 12, 11, 10)
    assert not _signed_in(_web(app, "lk_recent", PASSWORD, "198.51.100.20"))
    assert _api(app, "lk_recent", PASSWORD, "198.51.100.20").status_code == 401

    _user(app, "lk_over")
    _old_failures(app, "lk_over", 20, 19, 18, 17, 16)
    assert _signed_in(_web(app, "lk_over", PASSWORD, "198.51.100.21"))
    assert _api(app, "lk_over", PASSWORD, "198.51.100.21").status_code == 200

    # five failures within 15 minutes lock for 15 minutes after the fifth, even when the
    # first four are older than 15 minutes by now
    _user(app, "lk_fifth")
    _old_failures(app, "lk_fifth", 28, 27, 26, 25, 14)
    assert not _signed_in(_web(app, "lk_fifth", PASSWORD, "198.51.100.22"))


def test_failures_before_a_successful_login_do_not_count(app: Flask) -> None:
    _user(app, "lk_reset")
    for i in range(4):
        _web(app, "lk_reset", WRONG, f"198.51.100.{30 + i}")
    assert _signed_in(_web(app, "lk_reset", PASSWORD, "198.51.100.34"))
    _web(app, "lk_reset", WRONG, "198.51.100.35")
    assert _signed_in(_web(app, "lk_reset", PASSWORD, "198.51.100.36"))


def test_unknown_user_wrong_password_and_locked_account_look_the_same(app: Flask) -> None:
    _user(app, "en_known")
    _user(app, "en_locked")
    _old_failures(app, "en_locked", 5, 4, 3, 2, 1)
    attempts = {"unknown": ("en_nobody", WRONG), "wrong": ("en_known", WRONG),
                "locked": ("en_locked", PASSWORD)}
    web = {name: _web(app, user, password, "203.0.113.40", follow=True)
           for name, (user, password) in attempts.items()}
    assert {r.status_code for r in web.values()} == {200}
    assert "用户名或密码错误" in web["wrong"].get_data(as_text=True)
    assert _page(web["unknown"]) == _page(web["wrong"]) == _page(web["locked"])
    redirects = {name: _web(app, user, password, "203.0.113.41")
                 for name, (user, password) in attempts.items()}
    assert len({(r.status_code, r.headers["Location"], r.get_data())
                for r in redirects.values()}) == 1

    api = {name: _api(app, user, password, "203.0.113.42")
           for name, (user, password) in attempts.items()}
    assert {r.status_code for r in api.values()} == {401}
    assert len({r.get_data() for r in api.values()}) == 1


def test_too_many_attempts_from_one_address_are_refused(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "TONGXIN_LOGIN_RATE_PER_MINUTE", LOGIN_RATE)
    _user(app, "rl_user")
    for i in range(LOGIN_RATE):
        assert _web(app, f"rl_nobody{i}", WRONG, "203.0.113.50").status_code == 302
    limited = _web(app, "rl_user", PASSWORD, "203.0.113.50")
    assert limited.status_code == 429 and not _signed_in(limited)
    assert "登录尝试过于频繁" in limited.get_data(as_text=True)
    assert _api(app, "rl_user", PASSWORD, "203.0.113.50").status_code == 429
    entry = _entries(app, ip="203.0.113.50")[-1]
    assert (entry.kind, entry.result, entry.summary) == ("login_failed", "denied",
                                                         "请求过于频繁")
    # another address is not affected
    assert _signed_in(_web(app, "rl_user", PASSWORD, "203.0.113.51"))

    for i in range(LOGIN_RATE):
        assert _api(app, f"rl_nobody{i}", WRONG, "203.0.113.52").status_code == 401
    limited = _api(app, "rl_user", PASSWORD, "203.0.113.52")
    assert limited.status_code == 429 and "登录尝试过于频繁" in limited.json["message"]
    assert _api(app, "rl_user", PASSWORD, "203.0.113.53").status_code == 200


@pytest.fixture
def proxied(app: Flask, tmp_path: Path) -> Iterator[Flask]:
    """The portal behind one trusted proxy, on the test database."""
    behind = create_app({"mode": "test", "instance_dir": str(tmp_path),
                         "database_url": app.config["SQLALCHEMY_DATABASE_URI"],
                         "proxy_count": 1})
    yield behind
    with behind.app_context():
        db.engine.dispose()


def test_forwarded_address_is_used_only_behind_a_trusted_proxy(
    app: Flask, proxied: Flask
) -> None:
    _user(app, "px_user")
    forwarded = {"X-Forwarded-For": "203.0.113.60"}
    for portal in (app, proxied):
        client = portal.test_client()
        client.environ_base["REMOTE_ADDR"] = "192.0.2.60"
        token = csrf_token(client, "/login/")
        client.post("/login/", headers=forwarded, data={
            "username": "px_user", "password": PASSWORD, "csrf_token": token})
    direct, behind = _entries(app, username="px_user", kind="login")
    assert direct.ip == "192.0.2.60"  # no proxy trusted: the header is ignored
    assert behind.ip == "203.0.113.60"


def _logout(client: FlaskClient) -> None:
    client.post("/logout/", data={"csrf_token": csrf_token(client, "/resetmypassword/form")})


def test_each_login_event_is_in_the_audit_log(app: Flask) -> None:
    _user(app, "au_user")
    _web(app, "au_user", WRONG, "192.0.2.70")
    _web(app, "au_nobody", WRONG, "192.0.2.71")
    ok = _web(app, "au_user", PASSWORD, "192.0.2.72")
    _logout(ok.client)
    _api(app, "au_user", PASSWORD, "192.0.2.73")

    with app.app_context(), system():
        user_id = app.appbuilder.sm.find_user(username="au_user").id  # type: ignore[attr-defined]
    events = [(e.kind, e.username, e.ip, e.result, e.summary)
              for e in _entries(app, username="au_user")]
    assert events == [
        ("login_failed", "au_user", "192.0.2.70", "failed", "密码错误"),
        ("login", "au_user", "192.0.2.72", "ok", None),
        ("logout", "au_user", "192.0.2.72", "ok", None),
        ("login", "au_user", "192.0.2.73", "ok", None),
    ]
    assert {e.user_id for e in _entries(app, username="au_user")} == {user_id}
    unknown = _entries(app, username="au_nobody")
    assert [(e.kind, e.ip, e.result, e.summary, e.user_id) for e in unknown] == [
        ("login_failed", "192.0.2.71", "failed", "用户不存在", None)]

    for i in range(5):
        _web(app, "au_user", WRONG, f"192.0.2.{80 + i}")
    _web(app, "au_user", PASSWORD, "192.0.2.74")
    last = _entries(app, username="au_user")[-1]
    assert (last.kind, last.ip, last.result, last.summary) == (
        "login_failed", "192.0.2.74", "denied", "账户已锁定")
