"""Security headers on every response (一处设置, 全站生效).

No page may be framed by another site (clickjacking), no response is sniffed into another
type, the referrer stays on this site, and a signed-in user's pages and API answers —
which may hold personal data — are never stored by the browser or a proxy.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import current_user

#: what every page may do; a response that sets its own policy (a served file) keeps it
CSP = "frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'"
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _secure(response: Any) -> Any:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Content-Security-Policy", CSP)
    signed_in = getattr(current_user, "is_authenticated", False)
    page = response.mimetype in ("text/html", "application/json")
    sheet = response.mimetype.endswith("spreadsheetml.sheet")  # an export or a template
    if (signed_in and page) or sheet:
        response.headers["Cache-Control"] = "no-store"
    return response


def install(app: Flask) -> None:
    """Add the headers to every response of ``app``."""
    app.after_request(_secure)
