"""Security headers on every response (一处设置, 全站生效).

No page may be framed by another site (clickjacking), no response is sniffed into another
type, the referrer stays on this site, and a signed-in user's pages and API answers —
which may hold personal data — are never stored by the browser or a proxy.

The content security policy lets a page load scripts, styles, fonts and images from this
site only (the intranet has no internet). An inline ``<script>`` runs only with this
response's nonce (``csp_nonce()`` in templates, FAB's ``baselib.get_nonce()``): a script
smuggled into a page through data never runs. Styles may be inline (FAB's widgets use
``style=`` attributes).
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, g
from flask_login import current_user

#: what every page may do; a response that sets its own policy (a served file) keeps it
CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'{nonce}",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def csp_nonce() -> str:
    """The nonce of this response's inline scripts (one per request)."""
    if "tx_csp_nonce" not in g:
        g.tx_csp_nonce = secrets.token_urlsafe(18)
    return str(g.tx_csp_nonce)


def policy() -> str:
    """The content security policy of this response."""
    nonce = g.get("tx_csp_nonce")
    return CSP.format(nonce=f" 'nonce-{nonce}'" if nonce else "")


def _secure(response: Any) -> Any:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Content-Security-Policy", policy())
    signed_in = getattr(current_user, "is_authenticated", False)
    page = response.mimetype in ("text/html", "application/json")
    sheet = response.mimetype.endswith("spreadsheetml.sheet")  # an export or a template
    if (signed_in and page) or sheet:
        response.headers["Cache-Control"] = "no-store"
    return response


def install(app: Flask) -> None:
    """Add the headers to every response of ``app``; templates get ``csp_nonce()``."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(_secure)
