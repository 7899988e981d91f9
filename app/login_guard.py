"""登录防护: account lockout, a per-address rate limit and the login entries of the audit log.

The audit log is the only record used: it is shared by every worker and process, and
each attempt writes one entry anyway.

* Lockout: five failed logins of one account within 15 minutes, from any address,
  lock it for 15 minutes after the fifth. Only failures since the account's last
  successful login count; refusals while locked or rate-limited (result ``denied``)
  do not, so a lock ends on time however often it is tried.
* Rate limit: more than ``TONGXIN_LOGIN_RATE_PER_MINUTE`` attempts from one address in
  a minute, on the web or the API login, are answered 429.
* A locked account, a wrong password, an unknown or disabled user get the same answer
  (FAB's: the login page again, or 401), and the same work is done for each.

``TONGXIN_PROXY_COUNT`` trusted proxies (nginx) in front: their ``X-Forwarded-For``
gives the client's address (werkzeug's ProxyFix), which is what is logged and limited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Flask, abort, current_app, request
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.security import check_password_hash

from app import audit
from app.extensions import db
from app.scoping import system
from models.audit import AuditEntry
from models.mixins import utcnow

LOCK_FAILURES = 5
LOCK_WINDOW = dt.timedelta(minutes=15)
RATE_WINDOW = dt.timedelta(minutes=1)
#: the web login form and FAB's API login (JWT)
LOGIN_ENDPOINTS = ("AuthDBView.login", "SecurityApi.login")
NAME_MAX = 128


def install(app: Flask) -> None:
    """Trust ``TONGXIN_PROXY_COUNT`` proxies; limit login attempts per address."""
    proxies = int(app.config.get("TONGXIN_PROXY_COUNT") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.before_request(_limit_rate)


def _typed_name() -> str | None:
    """The user name of this login attempt, as typed (trimmed, cut to the column)."""
    body = request.get_json(silent=True) if request.is_json else None
    name = request.form.get("username") or (body.get("username") if isinstance(body, dict)
                                            else None)
    if not isinstance(name, str):
        return None
    return name.strip()[:NAME_MAX] or None


def _failed(username: str | None, reason: str, result: str = "failed",
            user: Any = None) -> None:
    """Log a refused attempt at ``username`` (the account's, when it exists)."""
    known = {"user_id": user.id, "place": audit.place_of(user)} if user is not None else {}
    audit.record("login_failed", username=username, result=result, summary=reason,
                 commit=True, **known)


def _limit_rate() -> None:
    """Before a login attempt: 429 when its address has tried too often this minute."""
    if request.method != "POST" or request.endpoint not in LOGIN_ENDPOINTS:
        return
    limit = int(current_app.config["TONGXIN_LOGIN_RATE_PER_MINUTE"])
    with system():  # the log of every address, whoever asks
        attempts = db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(
                AuditEntry.ip == request.remote_addr, AuditEntry.at >= utcnow() - RATE_WINDOW,
                AuditEntry.kind.in_(("login", "login_failed"))))
    if attempts < limit:
        return
    if attempts < 2 * limit:  # a flood writes a bounded number of entries
        _failed(_typed_name(), _("Too many attempts"), "denied")
    abort(429)


def locked(username: str, now: dt.datetime | None = None) -> bool:
    """Whether ``username`` is locked: five counted failures within 15 minutes, the
    last of them less than 15 minutes ago."""
    now = now or utcnow()
    since = now - 2 * LOCK_WINDOW
    with system():  # the log of every account, whoever asks
        last_ok = db.session.scalar(select(func.max(AuditEntry.at)).where(
            AuditEntry.username == username, AuditEntry.kind == "login"))
        if last_ok is not None and last_ok > since:
            since = last_ok
        times = db.session.scalars(select(AuditEntry.at).where(
            AuditEntry.username == username, AuditEntry.kind == "login_failed",
            AuditEntry.result == "failed", AuditEntry.at > since).order_by(AuditEntry.at)
        ).all()
    n = LOCK_FAILURES - 1
    return any(times[i] - times[i - n] <= LOCK_WINDOW and times[i] + LOCK_WINDOW > now
               for i in range(n, len(times)))


def authenticate(sm: Any, typed: str | None, password: str,
                 check: Callable[[str, str], Any]) -> Any:
    """The user that ``typed`` / ``password`` sign in as, or ``None``; ``check`` is
    FAB's password check. Logs the attempt either way."""
    name = (typed or "").strip()[:NAME_MAX]
    user = (sm.find_user(username=name) or sm.find_user(email=name)) if name else None
    key = user.username if user is not None else name or None
    if key and locked(key):
        # as much work as checking a password, so the answer's timing says nothing
        check_password_hash(current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"], "x")
        _failed(key, _("Account locked"), "denied", user)
        return None
    found = check(name, password)
    if found:
        audit.record("login", user_id=found.id, username=found.username,
                     place=audit.place_of(found), commit=True)
        return found
    reason = (_("Unknown user") if user is None
              else _("Account disabled") if not user.is_active else _("Wrong password"))
    _failed(key, reason, user=user)
    return None
