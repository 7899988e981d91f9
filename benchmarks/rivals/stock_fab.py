"""The rival of ``tongxin bench``: a stock Flask-AppBuilder app over our ``work_log`` table.

What an ordinary FAB developer writes: plain ``SQLA``, minimal declarative models mapped
on the existing tables (never created nor altered here), plain ``ModelView``s scoped by
``base_filters``, FAB's default security manager (AUTH_DB), configuration by FAB keys only.
CSRF stays on. Our stored password hashes are werkzeug's (``scrypt:…``), which FAB's
``check_password_hash`` verifies as they are.

Environment, read at import: ``BENCH_DATABASE_URL``, ``BENCH_UNIT_ID``,
``BENCH_COMMUNITY_ID``, ``BENCH_STREET_ID``, ``BENCH_PASSWORD`` (admin's, used by
``count``), ``BENCH_SECRET`` (SECRET_KEY).

URLs (``<scope>`` is ``unit``, ``community`` or ``street``; ``<View>`` the class name,
``WorkLogUnitView``, ``WorkLogCommunityView`` or ``WorkLogStreetView``):

* list:      ``/worklog<scope>view/list/``
* page N:    ``/worklog<scope>view/list/?page_<View>=N-1`` (0-based)
* search:    ``/worklog<scope>view/list/?_flt_2_summary=理发`` (index 2 = "contains")
* show:      ``/worklog<scope>view/show/<id>``
* login:     GET ``/login/``, read the hidden ``csrf_token`` input, POST ``username``,
  ``password``, ``csrf_token`` to ``/login/`` (302 on success).

Commands::

    python -m benchmarks.rivals.stock_fab count PATH [PATH ...]
    python -m benchmarks.rivals.stock_fab startup
    gunicorn -w 2 -b 127.0.0.1:PORT benchmarks.rivals.stock_fab:app
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()

import datetime as dt  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
from decimal import Decimal  # noqa: E402
from typing import Any  # noqa: E402

from flask import Flask  # noqa: E402
from flask_appbuilder import AppBuilder, Model, ModelView  # noqa: E402
from flask_appbuilder.models.sqla.base import SQLA  # noqa: E402
from flask_appbuilder.models.sqla.filters import FilterEqual  # noqa: E402
from flask_appbuilder.models.sqla.interface import SQLAInterface  # noqa: E402
from flask_appbuilder.security.manager import AUTH_DB  # noqa: E402
from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, Text, event  # noqa: E402
from sqlalchemy.orm import Mapped, mapped_column, relationship  # noqa: E402

UNIT_ID = int(os.environ["BENCH_UNIT_ID"])
COMMUNITY_ID = int(os.environ["BENCH_COMMUNITY_ID"])
STREET_ID = int(os.environ["BENCH_STREET_ID"])


class _Named:
    """A related row, shown by its name."""

    def __repr__(self) -> str:
        return str(self.name)  # type: ignore[attr-defined]


class Street(_Named, Model):
    __tablename__ = "street"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class Community(_Named, Model):
    __tablename__ = "community"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class PartnerUnit(_Named, Model):
    __tablename__ = "partner_unit"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150))


class Project(_Named, Model):
    __tablename__ = "project"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))


class WorkLog(Model):
    __tablename__ = "work_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    project: Mapped[Project] = relationship()
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street.id"))
    street: Mapped[Street | None] = relationship()
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    community: Mapped[Community | None] = relationship()
    partner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("partner_unit.id"))
    partner_unit: Mapped[PartnerUnit | None] = relationship()
    work_date: Mapped[dt.date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    people_sent: Mapped[int] = mapped_column(Integer)
    beneficiaries: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(String(120))
    content: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))


class _WorkLogView(ModelView):
    """The work logs, read only in practice; subclasses pick the scope."""

    datamodel = SQLAInterface(WorkLog)
    list_columns = ["work_date", "summary", "project", "partner_unit", "hours",
                    "beneficiaries", "status"]
    search_columns = ["summary", "project", "partner_unit", "status", "work_date"]
    label_columns = {"work_date": "日期", "summary": "摘要", "project": "项目",
                     "partner_unit": "共建单位", "hours": "时长", "beneficiaries": "服务人数",
                     "status": "状态", "community": "社区", "street": "街道",
                     "people_sent": "派出人数", "content": "服务内容"}
    base_order = ("work_date", "desc")
    page_size = 20


class WorkLogUnitView(_WorkLogView):
    base_filters = [["partner_unit_id", FilterEqual, UNIT_ID]]


class WorkLogCommunityView(_WorkLogView):
    base_filters = [["community_id", FilterEqual, COMMUNITY_ID]]


class WorkLogStreetView(_WorkLogView):
    base_filters = [["street_id", FilterEqual, STREET_ID]]


db = SQLA(model_class=Model)
appbuilder = AppBuilder()


def create_app() -> Flask:
    """The Flask app with FAB, its security views and the three work-log views."""
    flask_app = Flask(__name__)
    flask_app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=os.environ["BENCH_DATABASE_URL"],
        SECRET_KEY=os.environ.get("BENCH_SECRET") or "stock-fab-bench",
        AUTH_TYPE=AUTH_DB,
        AUTH_ROLE_ADMIN="系统管理员",
        APP_NAME="Stock FAB",
    )
    with flask_app.app_context():
        db.init_app(flask_app)
        appbuilder.init_app(flask_app, db.session)
        for view, name in ((WorkLogUnitView, "共建单位工作日志"),
                           (WorkLogCommunityView, "社区工作日志"),
                           (WorkLogStreetView, "街道工作日志")):
            appbuilder.add_view(view, name, category="工作日志")
    return flask_app


app = create_app()
STARTUP_SECONDS = time.perf_counter() - _T0


def count(paths: list[str]) -> dict[str, dict[str, int]]:
    """Log in as admin by the form, then GET each path (warm-up, counted): status and
    SQL statements of the counted GET."""
    client = app.test_client()
    page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        raise SystemExit("no csrf_token on /login/")
    answer = client.post("/login/", data={"username": "admin", "csrf_token": token[1],
                                          "password": os.environ["BENCH_PASSWORD"]})
    if answer.status_code != 302:
        raise SystemExit(f"login refused ({answer.status_code})")
    statements = [0]

    def counted(*_: Any) -> None:
        statements[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counted)
    result = {}
    for path in paths:
        client.get(path)
        statements[0] = 0
        status = client.get(path).status_code
        result[path] = {"status": status, "statements": statements[0]}
    event.remove(engine, "before_cursor_execute", counted)
    return result


if __name__ == "__main__":
    command, *args = sys.argv[1:] or ["help"]
    if command == "count" and args:
        print(json.dumps(count(args), ensure_ascii=False))
    elif command == "startup" and not args:
        print(json.dumps({"seconds": round(STARTUP_SECONDS, 4)}))
    else:
        raise SystemExit(__doc__)
