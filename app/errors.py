"""Error pages: a short Chinese explanation, never a stack trace or database text."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"),
              _("The request could not be understood. Please go back and try again.")),
        403: (_("No permission"), _("You do not have permission to open this page.")),
        404: (_("Page not found"), _("The page or record does not exist, or you may not see it.")),
        405: (_("Not allowed"), _("This action cannot be done this way.")),
        413: (_("File too large"), _("The uploaded file is too large.")),
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


def register_error_pages(app: Flask) -> None:
    """Install the error handlers on ``app``."""

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        if error.code is None or error.code < 400:
            return error
        return _render(error.code)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        log.exception("unhandled error on %s", request.path)
        return _render(500)
