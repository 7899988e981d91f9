"""Redirects go to this site only (no open redirect).

Every redirect the portal answers — FAB's login ``next=``, the page history behind
``get_redirect`` and the language switch, our own views — passes :func:`safe_target` on
its way out: a target on another site, or one a browser could read as another site
(``//evil``, ``/\\evil``, ``http:/evil``, ``javascript:``…), becomes the home page.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, request

log = logging.getLogger(__name__)

#: what browsers drop or read as a slash inside a URL: whitespace, control characters, ``\``
_TRICKY = re.compile(r"[\x00-\x20\x7f-\x9f\\\u2028\u2029\ufeff]")


def is_same_site(url: str) -> bool:
    """Whether a browser sent to ``url`` stays on this site: a path of this site
    (``/…``, never ``//…``), or an http(s) address of this very host without a user name."""
    if not url or _TRICKY.search(url) or url.startswith("//"):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if not parts.scheme:
        return url.startswith("/") and not parts.netloc
    return parts.scheme in ("http", "https") and "@" not in parts.netloc \
        and parts.netloc.lower() == request.host.lower()


def safe_target(url: Any) -> str:
    """``url`` when it stays on this site, else the home page."""
    target = str(url or "")
    if is_same_site(target):
        return target
    log.warning("redirect to %r refused on %s", target[:200], request.path)
    return str(current_app.appbuilder.get_url_for_index)  # type: ignore[attr-defined]


def _keep_on_site(response: Any) -> Any:
    location = response.headers.get("Location")
    if location is not None and 300 <= response.status_code < 400:
        response.headers["Location"] = safe_target(location)
    return response


def install(app: Flask) -> None:
    """Check the target of every redirect ``app`` answers."""
    app.after_request(_keep_on_site)
