"""Error pages: a short Chinese explanation, never a stack trace or database text.

A database that cannot be reached gives 503 — a page that needs no database (no menu, no
user) or, under ``/api/``, JSON — and the session is reset, so the first request after
the database returns works again without a restart.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, g, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from app.extensions import db

log = logging.getLogger(__name__)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"),
              _("The request could not be understood. Please go back and try again.")),
        403: (_("No permission"), _("You do not have permission to open this page.")),
        404: (_("Page not found"), _("The page or record does not exist, or you may not see it.")),
        405: (_("Not allowed"), _("This action cannot be done this way.")),
        413: (_("File too large"), _("The uploaded file is too large.")),
        429: (_("Too many attempts"),
              _("Too many login attempts from this address. Please wait a minute.")),
        500: (_("Something went wrong"),
              _("The system met an error. Please try again later; "
                "if it persists, tell the administrator.")),
    }


def _render(code: int) -> Any:
    title, text = _messages().get(code, _messages()[500])
    if request.path.startswith("/api/"):
        return {"message": text}, code
    return render_template("tongxin/error.html", appbuilder=current_app.appbuilder,
                           base_template=current_app.appbuilder.base_template,
                           code=code, title=title, text=text), code


def unreachable(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot be reached (down, gone, too busy)."""
    return isinstance(error, OperationalError | InterfaceError | PoolTimeout) or (
        isinstance(error, DBAPIError) and error.connection_invalidated)


def _unavailable() -> Any:
    """503 without touching the database: the session is reset and the request goes on
    as an anonymous one, so nothing after this (headers, templates) loads the user."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        log.warning("rollback failed while the database is unreachable")
    g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]
    text = _("The database cannot be reached at the moment. Please try again in a few "
             "minutes; if it persists, tell the administrator.")
    if request.path.startswith("/api/"):
        response = current_app.make_response(({"message": text}, 503))
    else:
        response = current_app.make_response((render_template(
            "tongxin/unavailable.html", title=_("Service temporarily unavailable"),
            text=text, lang=str(get_locale() or "zh").replace("_", "-")), 503))
    response.headers["Retry-After"] = "30"
    response.headers["Cache-Control"] = "no-store"
    return response


def register_error_pages(app: Flask) -> None:
    """Install the error handlers on ``app``."""

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        if error.code is None or error.code < 400:
            return error
        return _render(error.code)

    @app.errorhandler(SQLAlchemyError)
    def _database_error(error: SQLAlchemyError) -> Any:
        if not unreachable(error):
            return _unexpected(error)
        log.error("database unreachable on %s: %s", request.path, type(error).__name__)
        return _unavailable()

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        log.exception("unhandled error on %s", request.path)
        return _render(500)
