"""首页看板 (``/dashboard/``) and 月报 (``/dashboard/report/``, ``/dashboard/report.xlsx``):
the month at a glance for the viewer's scope, as charts, as a printable page and as a
workbook. What they show is built by ``app.dashboard``; charts are drawn by the portal's
own ECharts (``static/vendor/echarts``), nothing is loaded from elsewhere."""

from __future__ import annotations

from typing import Any

from flask import Flask, request, send_file
from flask_appbuilder import AppBuilder, BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import audit, clock, dashboard, report, stats
from views.permissions import READ

#: permission view and menu entry (both granted to every built-in role, ``app.policy``)
PERMISSION_VIEW = "dashboard"
MENU_NAME = "Dashboard"
#: months offered by the month picker, newest first
CHOICE_MONTHS = 36


class DashboardView(BaseView):
    """The dashboard of a month (``?month=YYYY-MM``, this month by default)."""

    route_base = "/dashboard"
    default_view = "index"
    class_permission_name = PERMISSION_VIEW
    method_permission_name = {"index": READ, "report_page": READ, "workbook": READ}

    @expose("/")
    @has_access
    def index(self) -> Any:
        month = stats.month_of(request.args.get("month"))
        board = dashboard.build(month)
        months = stats.last_months(clock.today().replace(day=1), CHOICE_MONTHS)[::-1]
        if month not in months:  # an older month asked for by its address
            months.append(month)
        return self.render_template("tongxin/dashboard.html", board=board, months=months,
                                    charts=board.chart_data(), title=_("Dashboard"))

    @expose("/report/")
    @has_access
    def report_page(self) -> Any:
        month = stats.month_of(request.args.get("month"))
        return self.render_template("tongxin/report.html", board=dashboard.build(month),
                                    title=_("Monthly report"))

    @expose("/report.xlsx")
    @has_access
    def workbook(self) -> Any:
        month = stats.month_of(request.args.get("month"))
        board = dashboard.build(month)
        stream, name = report.workbook(board)
        audit.record("export", summary=_("Monthly report %(month)s",
                                         month=dashboard.month_label(month)),
                     place=audit.place_of(current_user), commit=True)
        return send_file(stream, as_attachment=True, download_name=name,
                         mimetype="application/vnd.openxmlformats-officedocument."
                                  "spreadsheetml.sheet")


def register_dashboard(app: Flask, appbuilder: AppBuilder) -> None:
    """The pages, the menu entry 首页看板 (beside 我的待办) and the home page's cards."""
    from app.security_views import VIEW_LABELS

    appbuilder.add_view(DashboardView(), MENU_NAME, icon="fa-chart-bar",
                        label=_l("Dashboard"))
    app.jinja_env.globals["tx_figure"] = stats.fmt
    app.jinja_env.globals["tx_chart_id"] = dashboard.chart_id
    VIEW_LABELS.setdefault(PERMISSION_VIEW, _l("Dashboard"))
    VIEW_LABELS.setdefault(MENU_NAME, _l("Dashboard"))
