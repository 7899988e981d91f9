"""What every page shares: the home page, the page language and the texts scripts need."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from babel.dates import get_day_names, get_month_names
from flask import Flask, g
from flask_appbuilder import IndexView as FabIndexView
from flask_appbuilder import expose
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy import func, select

from views.matching import page_context as matching_page_context
from views.personal import reveal_url
from views.workflow import fireable
from views.workflow import page_context as workflow_page_context


def html_lang() -> str:
    """The ``lang`` attribute of pages: ``zh-CN`` for Chinese."""
    locale = str(get_locale() or "zh")
    return "zh-CN" if locale.startswith("zh") else locale


def js_strings() -> dict[str, Any]:
    """Texts used by the page scripts (select2, date picker), in the current language
    (made once per language: every page sends them)."""
    return _js_strings(str(get_locale()))


@lru_cache(maxsize=8)
def _js_strings(locale: str) -> dict[str, Any]:
    """:func:`js_strings` for ``locale``, the language of the request that first asks."""
    months = get_month_names("wide", locale=locale)
    months_short = get_month_names("abbreviated", locale=locale)
    days = get_day_names("wide", locale=locale)
    days_short = get_day_names("abbreviated", locale=locale)
    days_min = get_day_names("narrow", locale=locale)
    week = [6, 0, 1, 2, 3, 4, 5]  # Babel counts from Monday, the date picker from Sunday
    return {
        "select": _("Please choose"),
        "errorLoading": _("The results could not be loaded."),
        "inputTooLong": _("Too many characters."),
        "inputTooShort": _("Please type more characters."),
        "loadingMore": _("Loading more results…"),
        "maximumSelected": _("You cannot choose more items."),
        "noResults": _("No results found"),
        "searching": _("Searching…"),
        "removeAllItems": _("Remove all items"),
        "noRowSelected": _("No row selected"),
        "datepicker": {
            "days": [days[i] for i in week],
            "daysShort": [days_short[i] for i in week],
            "daysMin": [days_min[i] for i in week],
            "months": [months[i] for i in range(1, 13)],
            "monthsShort": [months_short[i] for i in range(1, 13)],
            "today": _("Today"),
            "clear": _("Clear"),
            "format": "yyyy-mm-dd",
            "titleFormat": _("MM yyyy"),
            "weekStart": 1,
        },
    }


def scope_reason() -> str:
    """Why the current user sees the records it sees (e.g. 本社区的记录)."""
    scope = g.get("tx_scope")
    return scope.describe() if scope is not None else ""


class IndexView(FabIndexView):
    """Home page: a card per record type the user may read, with its row count."""

    index_template = "tongxin/index.html"

    @expose("/")
    def index(self) -> Any:
        import models
        from views.permissions import READ

        sm = self.appbuilder.sm
        cards = []
        for model in models.registry():
            if sm.has_access(f"can_{READ}", model.__resource__):
                count = self.appbuilder.session.scalar(select(func.count()).select_from(model))
                cards.append({"model": model, "count": count,
                              "url": f"/{model.__resource__}/list/"})
        self.update_redirect()
        from app import clock, dashboard, todo
        from views.dashboard import PERMISSION_VIEW as DASHBOARD

        glance = dashboard.glance(clock.today().replace(day=1)) \
            if sm.has_access(f"can_{READ}", DASHBOARD) else []
        if sm.has_access(f"can_{READ}", todo.PERMISSION_VIEW):  # 我的待办 on top (after login)
            return self.render_template("tongxin/todo.html", appbuilder=self.appbuilder,
                                        cards=cards, todo=todo.summary(3), home=True,
                                        glance=glance)
        return self.render_template(self.index_template, appbuilder=self.appbuilder,
                                    cards=cards, glance=glance)


def show_value(value: Any) -> Any:
    """How a value read from the database is shown (the ``tx_show`` filter of the list and
    show pages): nothing for an empty value (never "None"), a list as 甲、乙 (never a
    Python list), anything else as it is (escaped by the template)."""
    if value is None:
        return ""
    if isinstance(value, str | Mapping) or not isinstance(value, Iterable):
        return value
    return Markup("、").join(escape(item) for item in value)


def register_ui(app: Flask) -> None:
    """Template helpers every page uses."""
    app.jinja_env.globals["tx_html_lang"] = html_lang
    app.jinja_env.globals["tx_js_strings"] = js_strings
    app.jinja_env.globals["tx_scope_reason"] = scope_reason
    app.jinja_env.globals["tx_workflow"] = workflow_page_context
    app.jinja_env.globals["tx_matches"] = matching_page_context
    app.jinja_env.globals["tx_reveal_url"] = reveal_url
    app.jinja_env.filters["tx_fireable"] = fireable
    app.jinja_env.filters["tx_show"] = show_value
    app.jinja_env.filters["tx_datetime"] = lambda v: format_datetime(v, "yyyy-MM-dd HH:mm")
    app.jinja_env.globals.setdefault("csrf_token", generate_csrf)
    app.jinja_env.globals["tx_view_as"] = lambda: g.get("tx_view_as")
