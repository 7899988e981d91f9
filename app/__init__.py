"""同心 Tongxin: the application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, g
from flask_appbuilder import AppBuilder

from app import (
    audit,
    config,
    hardening,
    headers,
    integrity,
    personal,
    points,
    residents,
    scoping,
    view_as,
)
from app.extensions import commit_reads, db
from app.routing import LazyRule

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the portal. ``overrides`` may hold setting names (``mode``…) or Flask keys."""
    settings = config.build(overrides)
    app = Flask(__name__, instance_path=settings["TONGXIN_INSTANCE_DIR"])
    app.url_rule_class = LazyRule
    app.config.update(settings)

    from app import login_guard, sessions
    from app.checks import raise_on_errors
    from app.errors import register_error_pages
    from app.i18n import compile_if_stale
    from app.navbar import register_navbar
    from app.security import TongxinSecurityManager
    from app.todo import register_todo
    from app.ui import IndexView, register_ui
    from views.attachments import register_attachments
    from views.dashboard import register_dashboard
    from views.excel import register_excel
    from views.registry import register_all

    raise_on_errors()
    compile_if_stale()  # a fresh clone has no .mo files (they are git-ignored)
    with app.app_context():
        db.init_app(app)
        commit_reads(app)
        appbuilder = AppBuilder(
            security_manager_class=TongxinSecurityManager,
            indexview=IndexView,
            update_perms=False,
        )
        appbuilder.init_app(app, db.session)
        register_todo(app, appbuilder)  # first in the menu: 我的待办
        register_dashboard(app, appbuilder)  # beside it: 首页看板
        register_all(appbuilder)
        appbuilder.add_view_no_menu(view_as.ViewAsView())
        register_ui(app)
        register_navbar(app)
        register_attachments(app, appbuilder)
        register_excel(app, appbuilder)
        register_error_pages(app)
        headers.install(app)
        login_guard.install(app)  # trusted proxies, login attempts per address
        sessions.install(app)  # server-side sessions: logout, timeouts, password change
        hardening.install(app)  # after every view: CSRF, POST-only deletes, redirects

    scoping.install()
    integrity.install()
    personal.install()
    residents.install()
    points.install()  # after scoping: a redemption needs the unit scoping fills in
    audit.install()

    @app.before_request
    def _remember_actor() -> None:
        """Who writes, and which rows they may see: resolved once per request."""
        g.pop("tx_permissions", None)  # permissions are read afresh for each request
        user = app.appbuilder.sm.request_user()
        g.tongxin_user_id = user.id if user is not None else None
        g.tx_view_as = view_as.viewed_user(app)
        g.tx_scope = app.appbuilder.sm.scope_of(g.tx_view_as or user)
        view_as.guard_read_only()

    return app
