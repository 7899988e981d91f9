"""登录会话: a signed-in session ends on the server, not only in the browser.

At login the Flask session is emptied (no value from before the login survives) and
gets the random id of a new ``user_session`` row. Every request of a signed-in user
checks that row: it exists and has not ended, the user is still active, it is younger
than ``TONGXIN_SESSION_HOURS`` and was used within ``TONGXIN_IDLE_MINUTES``. Otherwise
the user is logged out: a page request goes to the login page with a message, an API
request gets 401. Logging out ends the row, so a copied cookie is worthless afterwards;
a password change ends the user's other sessions, disabling the account ends all of
them. FAB never sets a remember-me cookie, and a session signed in without a row (by
any other means) is ended the same way. API tokens (``Authorization: Bearer``) are not
sessions; FAB refuses the token of a disabled user.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from flask import (
    Flask,
    current_app,
    flash,
    g,
    has_request_context,
    jsonify,
    redirect,
    request,
    session,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user, user_logged_in, user_logged_out
from sqlalchemy import bindparam, delete, event, inspect, update
from sqlalchemy.orm import Session

from app import audit
from app.extensions import db
from models.mixins import utcnow
from models.sessions import UserSession
from models.users import TongxinUser

KEY = "tx_session"
#: the bound parameter of :func:`with_own_row`: the request's session id
OWN_ROW = "tx_own_session"
#: session keys that survive login and logout: the language, flask-login's cookie flag
KEEP = ("locale", "_remember")
#: last use is written at most this often
TOUCH_EVERY = dt.timedelta(minutes=1)
TIMEOUT, ENDED = "timeout", "ended"


def install(app: Flask) -> None:
    """Start a row at login, end it at logout, check it on every request of ``app``."""
    user_logged_in.connect(_started, app)
    user_logged_out.connect(_logged_out, app)
    app.before_request(_check)
    if not event.contains(Session, "after_flush", _end_on_change):
        event.listen(Session, "after_flush", _end_on_change)


def _limits() -> tuple[dt.timedelta, dt.timedelta]:
    config = current_app.config
    return (dt.timedelta(hours=int(config["TONGXIN_SESSION_HOURS"])),
            dt.timedelta(minutes=int(config["TONGXIN_IDLE_MINUTES"])))


def _reset(keep: tuple[str, ...]) -> None:
    """Empty the Flask session but for the keys ``keep``."""
    kept = {key: session[key] for key in keep if key in session}
    session.clear()
    session.update(kept)


def _started(sender: Flask, user: Any, **extra: Any) -> None:
    """After ``login_user``: a fresh session holding a new row's id."""
    _reset(("_user_id", "_fresh", "_id", *KEEP))
    now = utcnow()
    longest, _idle = _limits()
    db.session.execute(delete(UserSession).where(  # this user's dead rows
        UserSession.user_id == user.id, UserSession.created_at < now - longest))
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(id=token, user_id=user.id, created_at=now, last_seen_at=now,
                               ip=request.remote_addr,
                               agent=(request.user_agent.string or "")[:200] or None))
    db.session.commit()
    session[KEY] = token


def _logged_out(sender: Flask, user: Any, **extra: Any) -> None:
    """After ``logout_user`` (any route, any method): end the row, log it, empty the
    session."""
    token = session.get(KEY)
    reason, user_id = g.pop("tx_session_end", (None, None))
    if getattr(user, "is_authenticated", False):
        user_id = user.id
    elif user_id is not None:  # disabled or removed since: the row says who it was
        user = current_app.appbuilder.sm.get_user_by_id(user_id)  # type: ignore[attr-defined]
    if isinstance(token, str):
        db.session.execute(update(UserSession).where(
            UserSession.id == token, UserSession.ended_at.is_(None)).values(ended_at=utcnow()))
    if user_id is not None:
        summary = {TIMEOUT: _("Session timed out"),
                   ENDED: _("Session no longer valid")}.get(reason or "")
        audit.record("logout", user_id=user_id, username=getattr(user, "username", None),
                     place=audit.place_of(user) if user is not None else None,
                     summary=summary)
    db.session.commit()
    _reset(KEEP)


def _why_ended(row: UserSession | None) -> str | None:
    """Why the signed-in session of this request may not go on, or ``None``."""
    if row is None or row.ended_at is not None or not current_user.is_authenticated \
            or str(row.user_id) != str(session.get("_user_id")):
        return ENDED
    longest, idle = _limits()
    now = utcnow()
    if now - row.created_at > longest or now - row.last_seen_at > idle:
        return TIMEOUT
    return None


def _check() -> Any:
    """Before each request with a signed-in session: go on, or log out."""
    if "_user_id" not in session or (request.endpoint or "").endswith("static"):
        return None
    token = session.get(KEY)
    current_user.is_authenticated  # noqa: B018 - loads the user and, with it, this row
    row = db.session.get(UserSession, token) if isinstance(token, str) else None
    reason = _why_ended(row)
    if reason is None:
        assert row is not None
        if utcnow() - row.last_seen_at >= TOUCH_EVERY:
            row.last_seen_at = utcnow()
            db.session.commit()
        return None
    g.tx_session_end = (reason, row.user_id if row is not None else None)
    logout_user()
    message = (_("Your session has timed out. Please log in again.") if reason == TIMEOUT
               else _("Your session has ended. Please log in again."))
    if request.path.startswith("/api/"):
        return jsonify(message=message), 401
    flash(message, "warning")
    appbuilder = current_app.appbuilder  # type: ignore[attr-defined]
    if request.endpoint == f"{appbuilder.sm.auth_view.endpoint}.login":
        return None
    return redirect(appbuilder.get_url_for_login_with(
        request.full_path if request.method == "GET" else None))


def own_token(user_id: int) -> str | None:
    """The session id of this request, when it is ``user_id``'s own."""
    if has_request_context() and str(session.get("_user_id")) == str(user_id):
        token = session.get(KEY)
        return token if isinstance(token, str) else None
    return None


def with_own_row(query: Any) -> Any:
    """``query`` of a user also reading the row of the session whose id is bound as
    :data:`OWN_ROW` (``app.security`` loads the user so, with :func:`own_token`):
    :func:`_check` then finds it loaded."""
    return query.add_columns(UserSession).outerjoin(UserSession,
                                                    UserSession.id == bindparam(OWN_ROW))


def hold_own_row(found: Any) -> None:
    """Keep the session row of a :func:`with_own_row` result for this request: the ORM
    session's identity map keeps only the rows something else holds."""
    if len(found) > 2 and has_request_context():
        g.tx_session_row = found[2]


def _end_on_change(orm_session: Session, flush_context: Any) -> None:
    """A new password ends the user's other sessions; disabling ends all of them."""
    for obj in orm_session.dirty:
        if not isinstance(obj, TongxinUser):
            continue
        state = inspect(obj)
        disabled = state.attrs.active.history.has_changes() and not obj.active
        if not disabled and not state.attrs.password.history.has_changes():
            continue
        stmt = update(UserSession).where(UserSession.user_id == obj.id,
                                         UserSession.ended_at.is_(None))
        keep = None if disabled else own_token(obj.id)
        if keep is not None:
            stmt = stmt.where(UserSession.id != keep)
        orm_session.connection().execute(stmt.values(ended_at=utcnow()))
