"""Web hardening (issue 7), installed in one call once every view is registered.

* :mod:`app.csrf` — every changing request carries this site's token; delete, row action
  and logout answer POST only;
* :mod:`app.redirects` — a redirect never leaves this site;
* :mod:`app.bad_input` — arguments no page can use are refused before any query;
* :mod:`views.api_messages` — FAB's English API refusals answered in the user's language.

The security headers and the content security policy are :mod:`app.headers`.
"""

from __future__ import annotations

from flask import Flask

from app import bad_input, csrf, redirects


def install(app: Flask) -> None:
    """Install every part on ``app``."""
    from views import api_messages

    csrf.install(app)
    redirects.install(app)
    bad_input.install(app)
    api_messages.install(app)
