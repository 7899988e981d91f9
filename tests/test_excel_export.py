"""导出 Excel: exactly the rows of the list (its search, the user's scope), Chinese headers,
personal data masked, formulas neutralised, large exports in the background, every export
logged."""

from __future__ import annotations

import datetime as dt
import io
import time
from typing import Any

import pytest
from conftest import bound_user, login
from flask import Flask
from openpyxl import load_workbook

from app.excel import export as engine
from app.extensions import db
from app.scoping import system
from models.cobuild import Demand, Project, WorkLog
from models.excel import ExportJob
from models.org import Community, Grid, PartnerUnit, Street
from models.residents import Household
from models.roles import COMMUNITY, UNIT

PHONE = "13712340000"


@pytest.fixture(scope="module")
def place(app: Flask) -> dict[str, int]:
    with app.app_context(), system():
        street = Street(name="导出街道")
        here = Community(name="导出社区", street=street)
        there = Community(name="导出别的社区", street=street)
        grid = Grid(name="导出网格", community=here, street=street)
        unit = PartnerUnit(name="导出单位", communities=[here])
        other_unit = PartnerUnit(name="导出别的单位", communities=[here])
        demands = [Demand(title=f"导出需求{i}", community=here, street=street,
                          status="published" if i % 2 else "draft") for i in range(6)]
        demands.append(Demand(title="=HYPERLINK(\"http://x\")", community=here, street=street,
                              status="published"))
        demands.append(Demand(title="导出别处需求", community=there, street=street,
                              status="published"))
        project = Project(name="导出项目", partner_unit=unit, community=here, street=street)
        other = Project(name="导出别的项目", partner_unit=other_unit, community=here,
                        street=street)
        logs = [WorkLog(project=p, work_date=dt.date(2026, 11, i + 1), hours=1,
                        summary=f"{p.name}记录{i}") for p in (project, other) for i in range(3)]
        house = Household(grid=grid, building="1", room="101", head_name="导出户主",
                          phone=PHONE)
        db.session.add_all([street, here, there, grid, unit, other_unit, *demands, project,
                            other, *logs, house])
        db.session.commit()
        bound_user(app, "x_comm", COMMUNITY, community_id=here.id)
        bound_user(app, "x_unit", UNIT, partner_unit_id=unit.id)
        return {"here": here.id}


def _client(app: Flask, username: str) -> Any:
    client = app.test_client()
    login(client, username)
    return client


def _sheet(response: Any) -> list[list[Any]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_export_holds_the_rows_of_the_search_in_scope(app: Flask, place: dict[str, int]
                                                      ) -> None:
    client = _client(app, "x_comm")
    listing = client.get("/demand/list/").get_data(as_text=True)
    assert "导出 Excel" in listing and "/demand/export/" in listing
    rows = _sheet(client.get("/demand/export/?_flt_0_status=published"))
    header, body = rows[0], rows[1:]
    assert header[:2] == ["编号", "标题"] and "状态" in header
    assert all(not str(h).isascii() for h in header), header
    titles = {row[1] for row in body}
    assert {"导出需求1", "导出需求3", "导出需求5"} <= titles
    assert not {"导出需求0", "导出需求2", "导出别处需求"} & titles  # draft / other community
    status = header.index("状态")
    assert {row[status] for row in body} == {"已发布"}


def test_formulas_are_neutralised(app: Flask, place: dict[str, int]) -> None:
    rows = _sheet(_client(app, "x_comm").get("/demand/export/"))
    cells = [row[1] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://x\")" in cells
    assert not [c for c in cells if isinstance(c, str) and c.startswith("=")]


def test_a_unit_exports_only_its_own_rows(app: Flask, place: dict[str, int]) -> None:
    rows = _sheet(_client(app, "x_unit").get("/worklog/export/"))
    summaries = {row[rows[0].index("摘要")] for row in rows[1:]}
    assert summaries == {f"导出项目记录{i}" for i in range(3)}


def test_personal_data_is_masked_in_exports(app: Flask, place: dict[str, int]) -> None:
    rows = _sheet(_client(app, "x_comm").get("/household/export/"))
    phone = rows[0].index("电话")
    assert [row[phone] for row in rows[1:]] == ["137****0000"]
    assert PHONE not in repr(rows)


def test_the_api_exports_the_rows_of_its_filters(app: Flask, place: dict[str, int]) -> None:
    client = _client(app, "x_comm")
    q = "(filters:!((col:status,opr:eq,value:draft)))"
    rows = _sheet(client.get(f"/api/v1/demand/export?q={q}"))
    assert {row[1] for row in rows[1:]} == {"导出需求0", "导出需求2", "导出需求4"}
    for bad in ("(filters:", "!(1,2)", "(filters:!((col:nosuch,opr:eq,value:1)))",
                "(order_column:title,order_direction:sideways)"):
        assert client.get(f"/api/v1/demand/export?q={bad}").status_code == 400, bad


def test_every_export_is_logged(app: Flask, place: dict[str, int]) -> None:
    _client(app, "x_comm").get("/demand/export/?_flt_0_status=draft")
    with app.app_context(), system():
        job = db.session.query(ExportJob).filter_by(username="x_comm").order_by(
            ExportJob.id.desc()).first()
        assert job is not None and job.status == "done" and job.rows == 3
        assert job.resource == "demand" and "draft" in (job.filters or "")


def test_a_large_export_runs_in_the_background(app: Flask, place: dict[str, int],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "SYNC_LIMIT", 2)
    monkeypatch.setattr(engine, "CHUNK", 2)
    client = _client(app, "x_comm")
    started = client.get("/demand/export/")
    assert started.status_code == 302 and "/excel/jobs/" in started.location
    for _ in range(100):
        state = client.get(started.location, headers={"Accept": "application/json"}).json
        if state["status"] != "running":
            break
        time.sleep(0.1)
    assert state["status"] == "done" and state["rows"] == state["total"] == 7, state
    page = client.get(started.location).get_data(as_text=True)
    assert "7" in page and "下载" in page
    rows = _sheet(client.get(state["download_url"]))
    assert len(rows) == 8
    # another user cannot see or fetch the job
    assert _client(app, "x_unit").get(started.location).status_code == 404
    api = client.get("/api/v1/demand/export")
    assert api.status_code == 202 and "/excel/jobs/" in api.json["status_url"]


def _filter_arg(app: Flask, view_name: str, column: str, kind: str) -> str:
    """``_flt_<n>_<column>`` of FAB's search filter class ``kind`` (e.g. FilterGreater)."""
    view = next(v for v in app.appbuilder.baseviews if type(v).__name__ == view_name)
    filters = view._filters.get_search_filters()[column]
    index = next(i for i, f in enumerate(filters) if type(f).__name__ == kind)
    return f"_flt_{index}_{column}"


def test_a_month_of_work_logs_to_hand_upward(app: Flask, place: dict[str, int]) -> None:
    after = _filter_arg(app, "WorkLogView", "work_date", "FilterGreater")
    before = _filter_arg(app, "WorkLogView", "work_date", "FilterSmaller")
    client = _client(app, "x_comm")
    rows = _sheet(client.get(f"/worklog/export/?{after}=2026-11-01&{before}=2026-11-03"))
    header = rows[0]
    dates = sorted(row[header.index("日期")] for row in rows[1:])
    assert [d.day for d in dates] == [2, 2], dates  # both units' logs of 2 November
    assert {row[header.index("共建单位")] for row in rows[1:]} == {"导出单位", "导出别的单位"}


def test_times_show_in_beijing_time_and_flags_as_yes_or_no(app: Flask) -> None:
    """A time stored in UTC is written as the reader's (Beijing) time, a yes/no column
    reads 是/否 and a choice its label: found once per sheet, the same in every row."""
    from models.dictionary import DictItem
    from views.generator import describe

    with app.test_request_context(headers={"Accept-Language": "zh"}):
        columns = {c.key: c for c in engine.columns_of(
            describe(DictItem), ["kind", "active", "created_on"])}
    rows = [DictItem(kind="demand_category", active=flag,
                     created_on=dt.datetime(2026, 11, 30, 16, 30)) for flag in (True, False)]
    assert [columns["active"].value(r) for r in rows] == ["是", "否"]
    assert columns["created_on"].value(rows[0]) == dt.datetime(2026, 12, 1, 0, 30)
    assert columns["kind"].value(rows[0]) == "需求类别"
