"""Requests that change something: this site's CSRF token, and never a GET.

FAB creates no ``CSRFProtect``: only its WTForms forms check a token, while deleting a
record, a bulk action, the API with the browser's session and our own routes did not.
Here one check covers every POST, PUT, PATCH and DELETE:

* a page or a route answered to the browser needs the token of the session, posted as
  the ``csrf_token`` field or sent in the ``X-CSRFToken`` header (the API called with the
  session cookie, from a page's script);
* a script calling with ``Authorization: Bearer <token>`` (the token comes from
  ``POST /api/v1/security/login``) and no session cookie needs none: another site can
  make a browser send its cookie, never that header;
* the API's login and token refresh stay open.

A refused request gets a Chinese 400 page (JSON under ``/api/``) and changes nothing.
Deleting a record, a row action and logging out answer POST only: a GET is a 405.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, render_template, request
from flask_appbuilder import ModelView
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

log = logging.getLogger(__name__)
csrf = CSRFProtect()

#: endpoints of the API's sign-in (a script has no token before it)
API_SIGN_IN = frozenset({"SecurityApi.login", "SecurityApi.refresh"})
#: the methods of a ModelView that change a record, and must never answer a GET
CHANGING_METHODS = ("delete", "action")

View = TypeVar("View", bound=Callable[..., Any])


def body_limit(limit: Callable[[], int]) -> Callable[[View], View]:
    """Let the decorated view take a request body of up to ``limit()`` bytes instead of
    ``MAX_CONTENT_LENGTH`` (the token check reads the form before the view runs)."""

    def mark(view: View) -> View:
        view.tx_body_limit = limit  # type: ignore[attr-defined]
        return view

    return mark


def _script_call() -> bool:
    """The API's sign-in, or a call with an API token and no browser session."""
    if request.endpoint in API_SIGN_IN:
        return True
    return request.headers.get("Authorization", "").startswith("Bearer ") \
        and not current_user.is_authenticated


def _require_token() -> None:
    config = current_app.config
    if request.endpoint is None or request.method not in config["WTF_CSRF_METHODS"] \
            or not config["WTF_CSRF_ENABLED"]:
        return  # no such page (404/405 follow) or nothing changes
    limit = getattr(current_app.view_functions.get(request.endpoint), "tx_body_limit", None)
    if limit is not None:
        request.max_content_length = limit()
    if not _script_call():
        csrf.protect()


def _refused(error: CSRFError) -> Any:
    log.warning("CSRF check failed: %s %s (%s)", request.method, request.path,
                error.description)
    if request.path.startswith("/api/"):
        return {"message": _("A request signed in with the browser session must send "
                             "the page's token in the X-CSRFToken header; scripts sign "
                             "in at /api/v1/security/login and send the access token.")}, 400
    appbuilder = current_app.appbuilder  # type: ignore[attr-defined]
    text = _("The page has expired or the request did not come from this site. "
             "Nothing was changed. Please reload the page and try again.")
    return render_template("tongxin/error.html", appbuilder=appbuilder,
                           base_template=appbuilder.base_template, code=400,
                           title=_("Bad request"), text=text), 400


def _post_only_endpoints(app: Flask) -> frozenset[str]:
    """Delete and row action of every ModelView, and logging out."""
    appbuilder = app.appbuilder  # type: ignore[attr-defined]
    endpoints = {f"{view.endpoint}.{name}" for view in appbuilder.baseviews
                 if isinstance(view, ModelView) for name in CHANGING_METHODS}
    auth_view = appbuilder.sm.auth_view
    if auth_view is not None:
        endpoints.add(f"{auth_view.endpoint}.logout")
    return frozenset(e for e in endpoints if e in app.view_functions)


def _accept_post(app: Flask, endpoint: str) -> None:
    """Give a GET-only route (FAB's logout) the POST method too."""
    for rule in list(app.url_map.iter_rules(endpoint)):
        if "POST" not in (rule.methods or ()):
            app.add_url_rule(rule.rule, endpoint=endpoint,
                             view_func=app.view_functions[endpoint], methods=["POST"])


def install(app: Flask) -> None:
    """Check the token on every changing request of ``app``; call it once every view is
    registered (the POST-only endpoints are collected then)."""
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # _require_token decides, for every route
    # the token lives as long as the signed-in session, not one hour: a long form stays valid
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf.init_app(app)
    app.before_request(_require_token)
    app.register_error_handler(CSRFError, _refused)

    post_only = _post_only_endpoints(app)
    for endpoint in post_only:
        _accept_post(app, endpoint)

    @app.before_request
    def _refuse_changes_on_get() -> None:
        if request.method in ("GET", "HEAD") and request.endpoint in post_only:
            abort(405)
