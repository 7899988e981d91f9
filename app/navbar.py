"""The navbar's menu, rendered once per kind of user and kept.

The menu is the same HTML for everyone with the same permissions, language and to-do
badge, yet rendering it (some fifty entries, each checked and translated) took a good
part of every page. :func:`key` names what the HTML depends on: the language, the exact
set of the user's permissions (read anyway, once per request), and the badge. A changed
role gives another set, so another key: nothing stale is ever shown. "View as" pages
are not kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from flask import Flask, current_app, g
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

#: menus kept per worker (one per role set and language in practice)
KEPT = 64
_menus: OrderedDict[Hashable, Markup] = OrderedDict()
_lock = threading.Lock()


def key() -> Hashable | None:
    """What this request's menu HTML depends on, or ``None`` not to keep it."""
    from app import todo

    if not current_user.is_authenticated or g.get("tx_view_as") is not None:
        return None
    sm: Any = current_app.appbuilder.sm  # type: ignore[attr-defined]
    roles = [role.id for role in sm.get_user_roles(current_user)]
    return (str(get_locale()), todo.badge(todo.MENU_NAME), sm.permissions_now(roles))


def kept(menu_key: Hashable | None) -> Markup | None:
    """The menu rendered earlier for ``menu_key``."""
    if menu_key is None:
        return None
    with _lock:
        html = _menus.get(menu_key)
        if html is not None:
            _menus.move_to_end(menu_key)
        return html


def keep(menu_key: Hashable | None, html: str) -> Markup:
    """Keep ``html`` (the menu just rendered) for ``menu_key``; returns it."""
    markup = Markup(html)
    if menu_key is not None:
        with _lock:
            _menus[menu_key] = markup
            while len(_menus) > KEPT:
                _menus.popitem(last=False)
    return markup


def register_navbar(app: Flask) -> None:
    """Template helpers of ``appbuilder/navbar_menu.html``."""
    app.jinja_env.globals.update(tx_menu_key=key, tx_menu_kept=kept, tx_menu_keep=keep)
