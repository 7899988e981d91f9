"""“以此用户视角查看”: a 系统管理员 looks at the portal with another user's scope, read-only.

While it lasts every request resolves that user's scope instead of the admin's, any
request that would change something is refused, and a banner says whose view it is.
Starting and ending it is logged.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, abort, flash, g, redirect, request, session
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

log = logging.getLogger("tongxin.view_as")
KEY = "tx_view_as"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class ViewAsView(BaseView):
    """Start and stop viewing the portal as another user."""

    route_base = "/viewas"
    default_view = "stop"

    @expose("/start/<int:user_id>", methods=["POST"])
    @has_access
    def start(self, user_id: int) -> Any:
        _check_csrf()
        sm = self.appbuilder.sm
        if not sm.is_admin(current_user):
            abort(403)
        target = sm.get_user_by_id(user_id)
        if target is None:
            abort(404)
        session[KEY] = target.id
        log.info("user %s views as %s", current_user.username, target.username)
        flash(_("You are now viewing the portal as %(user)s (read only).",
                user=target.username), "info")
        return redirect(self.appbuilder.get_url_for_index)

    @expose("/stop", methods=["POST"])
    def stop(self) -> Any:
        _check_csrf()
        if session.pop(KEY, None) is not None:
            log.info("user %s stops viewing as another user", current_user.username)
        return redirect(self.appbuilder.get_url_for_index)


def _check_csrf() -> None:
    """These forms post without a WTForms form: check their token by hand."""
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        abort(400)


def viewed_user(app: Flask) -> Any:
    """The user whose scope applies in place of an admin's own, if any."""
    user_id = session.get(KEY)
    if user_id is None or not current_user.is_authenticated:
        return None
    sm = app.appbuilder.sm  # type: ignore[attr-defined]
    if not sm.is_admin(current_user):
        session.pop(KEY, None)
        return None
    return sm.get_user_by_id(user_id)


def guard_read_only() -> None:
    """While viewing as someone, nothing may be changed."""
    if g.get("tx_view_as") is not None and request.method not in SAFE_METHODS \
            and request.endpoint != "ViewAsView.stop":
        abort(403)
