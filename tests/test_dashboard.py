"""首页看板 and 月报: figures equal counts made here from the rows, inside each viewer's
scope; small sensitive counts are hidden; each number opens the list of its rows; the
workbook carries the same numbers."""

from __future__ import annotations

import io
import re
from html import unescape
from typing import Any

import pytest
from conftest import login
from dashboard_rows import MONTH, STREET, Place, seed
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import text

from app.extensions import db

MONTH_ARG = MONTH.strftime("%Y-%m")
FIGURE = re.compile(r'data-figure="([\w.]+)" data-value="([^"]*)"')
LINK = re.compile(r'data-figure="([\w.]+)".*?<a href="([^"]+)" class="tx-figure-link">', re.S)
RECORD_COUNT = re.compile(r"<strong>(?:记录数|Record Count):</strong>\s*(\d+)")


@pytest.fixture(scope="module")
def place(app: Flask) -> Place:
    return seed(app)


def page(client: FlaskClient, user: str, url: str = f"/dashboard/?month={MONTH_ARG}") -> str:
    login(client, user)
    resp = client.get(url)
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def figures(html: str) -> dict[str, str]:
    return dict(FIGURE.findall(html))


def sql(app: Flask, query: str, **params: Any) -> Any:
    """A number counted straight from the tables (not through the portal's code)."""
    with app.app_context():
        return db.session.execute(text(query), params).scalar()


def in_june(column: str) -> str:
    return f"{column} >= '2026-06-01' AND {column} < '2026-07-01'"


def test_street_figures_equal_counts_of_the_rows(app: Flask, client: FlaskClient,
                                                 place: Place) -> None:
    shown = figures(page(client, "dash_street"))
    s = {"s": place.street}
    where = "street_id = :s AND "
    assert shown["demand.published"] == str(sql(
        app, f"SELECT COUNT(*) FROM demand WHERE {where}{in_june('published_on')}", **s)) == "3"
    assert shown["demand.claimed"] == str(sql(
        app, f"SELECT COUNT(*) FROM demand WHERE {where}{in_june('claimed_on')}", **s)) == "3"
    assert shown["demand.completed"] == "2"
    logs = sql(app, f"SELECT COUNT(*) FROM work_log WHERE {where}status = 'approved' AND "
                    f"{in_june('work_date')}", **s)
    hours = sql(app, f"SELECT SUM(hours) FROM work_log WHERE {where}status = 'approved' AND "
                     f"{in_june('work_date')}", **s)
    people = sql(app, f"SELECT SUM(beneficiaries) FROM work_log WHERE {where}"
                      f"status = 'approved' AND {in_june('work_date')}", **s)
    assert (shown["worklog.logs"], shown["worklog.hours"], shown["worklog.beneficiaries"]) \
        == (str(logs), f"{float(hours):.1f}", str(people)) == ("3", "9.5", "35")
    # a month is the portal's (Beijing time): 00:30 on 1 June counts in June, 23:30 on
    # 31 May in May, though both are 31 May in UTC
    assert shown["residentrequest.received"] == "2"
    assert shown["residentrequest.resolved"] == "2"
    assert shown["residentrequest.hours_to_close"] == "38"
    assert shown["microwish.fulfilled"] == "1"
    assert shown["dispute.settled"] == "1"
    assert shown["household.overdue"] == str(sql(
        app, "SELECT COUNT(*) FROM household WHERE street_id = :s AND next_visit_due < "
             "CURRENT_DATE", **s)) == "2"


def test_last_month_and_change_are_shown(client: FlaskClient, place: Place) -> None:
    html = page(client, "dash_street")
    card = re.search(r'data-figure="demand.published".*?</div>\s*</div>\s*</div>', html, re.S)
    assert card is not None
    assert re.search(r"上月\s*1\s*<span[^>]*>\+2</span>", card.group(0)), card.group(0)
    rate = re.search(r'data-figure="demand.completed".*?tx-rate">([^<]*)<strong>([^<]+)',
                     html, re.S)
    # of the 4 demands published in the twelve months to June, 2 were completed by its end
    assert rate is not None and rate.groups() == ("近12个月完成率 ", "50.0%")


def test_unit_dashboard_counts_only_its_own_rows(client: FlaskClient, place: Place) -> None:
    shown = figures(page(client, "dash_unit"))
    # unit 一 served one demand and logged two approved logs (5.5 h, 15 people) in June
    assert shown["demand.published"] == "1"
    assert shown["demand.claimed"] == "1"
    assert shown["demand.completed"] == "1"
    assert (shown["worklog.logs"], shown["worklog.hours"], shown["worklog.beneficiaries"]) \
        == ("2", "5.5", "15")
    # residents' records are never a unit's: no household or dispute figure at all
    assert not [k for k in shown if k.startswith(("household.", "dispute."))]


def test_community_and_grid_see_their_own_place(client: FlaskClient, place: Place,
                                                app: Flask) -> None:
    community = figures(page(client, "dash_comm"))
    assert community["demand.published"] == "2"  # 一 and 二 in 甲; 三 is 乙's
    assert community["worklog.logs"] == "2"
    assert community["residentrequest.received"] == "1"
    grid = figures(page(app.test_client(), "dash_grid"))
    assert grid["residentrequest.received"] == "1"  # 诉求一 in 甲一网格
    assert grid["household.overdue"] == "1"


def test_small_sensitive_counts_read_less_than_five_outside_the_grid(
        client: FlaskClient, app: Flask, place: Place) -> None:
    def groups(html: str) -> dict[str, str]:
        table = re.search(r'<table class="table table-condensed tx-groups">(.*?)</table>',
                          html, re.S)
        assert table is not None
        return {name: unescape(re.sub(r"<[^>]+>", "", value)).strip() for name, value in
                re.findall(r"<tr><td>([^<]+)</td><td[^>]*>(.*?)</td></tr>", table.group(1),
                           re.S)}

    community = groups(page(client, "dash_comm"))
    assert community["看板低保户"] == "<5"  # 3 households of a sensitive group
    assert community["看板残疾"] == "<5"  # and 1 of another
    assert community["看板高龄"] == "2"  # not a sensitive group: shown as it is
    # in name order: ordered by size, 低保户 (3) before 高龄 (2) before 残疾 (1) would
    # tell what "<5" hides
    assert list(community) == sorted(community), list(community)
    street = groups(page(app.test_client(), "dash_street"))
    assert street["看板低保户"] == "<5" and street["看板高龄"] == "3"
    grid = groups(page(app.test_client(), "dash_grid"))
    assert grid["看板低保户"] == "3"  # inside the grid that holds them
    assert "看板高龄" not in grid


def test_every_number_opens_the_list_of_its_rows(client: FlaskClient, place: Place) -> None:
    html = page(client, "dash_street")
    shown, links = figures(html), dict(LINK.findall(html))
    counted = [k for k in shown if not k.endswith((".hours", ".beneficiaries",
                                                   ".hours_to_close"))]
    assert set(counted) <= set(links), set(counted) - set(links)
    for key in counted:
        listing = client.get(links[key])
        assert listing.status_code == 200, (key, links[key])
        found = RECORD_COUNT.search(listing.get_data(as_text=True))
        number = found.group(1) if found else "0"
        assert number == shown[key].replace(",", ""), (key, links[key])


def test_streets_compare_their_communities(client: FlaskClient, app: Flask,
                                           place: Place) -> None:
    html = page(client, "dash_street")
    table = re.search(r'tx-community-table">(.*?)</table>', html, re.S)
    assert table is not None
    rows = re.findall(r"<tr><th>([^<]+)</th>(.*?)</tr>", table.group(1), re.S)[1:]
    assert sorted(name for name, _cells in rows) == ["看板乙社区", "看板甲社区"]
    by_name = {name: re.findall(r">([\d.,]+)</a>", cells) for name, cells in rows}
    assert by_name["看板甲社区"][0] == "2" and by_name["看板乙社区"][0] == "1"  # published
    assert "tx-community-table" not in page(app.test_client(), "dash_comm")


def test_monthly_report_workbook(client: FlaskClient, place: Place) -> None:
    login(client, "dash_street")
    resp = client.get(f"/dashboard/report.xlsx?month={MONTH_ARG}")
    assert resp.status_code == 200
    assert "attachment" in resp.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(resp.data))
    head, *areas = book.sheetnames
    assert head == "主要指标"
    assert {"需求", "服务记录", "群众诉求", "住户"} <= set(areas), areas
    rows = {r[0]: r for r in book[head].iter_rows(values_only=True) if r and r[0]}
    assert rows["发布需求"][2:5] == (3, 1, "+2")
    assert rows["服务时长"][2] == 9.5
    log_sheet = [r for r in book["服务记录"].iter_rows(values_only=True) if r and r[0]]
    by_community = {r[0]: r[1] for r in log_sheet if r[0] in ("看板甲社区", "看板乙社区")}
    assert by_community == {"看板甲社区": 2, "看板乙社区": 1}
    households = [r for r in book["住户"].iter_rows(values_only=True) if r and r[0]]
    assert ("看板低保户", "<5") in [(r[0], r[1]) for r in households]
    june = [r for r in log_sheet if r[0] == "2026-06"]
    assert june and june[-1][1:4] == (3, 9.5, 35)
    # handing figures out is an export like any other: in the audit log
    assert sql(client.application, "SELECT COUNT(*) FROM audit_entry WHERE kind = 'export' "
               "AND username = 'dash_street' AND summary = '月报 2026-06'") >= 1


def test_printable_report_has_the_same_figures(client: FlaskClient, place: Place) -> None:
    html = page(client, "dash_street", f"/dashboard/report/?month={MONTH_ARG}")
    row = re.search(r"<tr><td>发布需求</td><td>件</td><td[^>]*>(\d+)</td><td[^>]*>(\d+)</td>",
                    html)
    assert row is not None and row.groups() == ("3", "1")
    assert "data-tx-print" in html


def test_a_fired_transition_stamps_its_day(app: Flask, client: FlaskClient,
                                           place: Place) -> None:
    login(client, "dash_comm")
    with app.app_context():
        pk = db.session.execute(text("SELECT id FROM demand WHERE title = '看板需求五'")).scalar()
    resp = client.post(f"/api/v1/demand/{pk}/publish", json={})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    from app import clock

    with app.test_request_context():
        today = clock.today()
    stamped = sql(app, "SELECT published_on FROM demand WHERE id = :pk", pk=pk)
    assert str(stamped)[:10] == today.isoformat()
    this_month = figures(client.get("/dashboard/").get_data(as_text=True))
    assert int(this_month["demand.published"]) >= 1


def test_bad_month_falls_back_to_this_month(client: FlaskClient, place: Place) -> None:
    login(client, "dash_street")
    for month in ("abc", "9999-12", "2026-13", "2026-06-01"):
        resp = client.get(f"/dashboard/?month={month}")
        assert resp.status_code == 200, month
        assert b'value="2026-06" selected' not in resp.data


def test_home_page_shows_this_month_at_a_glance(client: FlaskClient, place: Place) -> None:
    html = page(client, "dash_comm", "/")
    assert "本月概况" in html and 'href="/dashboard/"' in html
    assert 'data-figure="demand.published"' in html
    assert STREET not in html  # nothing of the street beyond the user's community


def test_a_request_handled_again_is_no_longer_resolved(app: Flask, client: FlaskClient,
                                                       place: Place) -> None:
    from dashboard_rows import local

    from app.scoping import system
    from models.org import Grid
    from models.requests import ResidentRequest

    with app.app_context(), system():
        request = ResidentRequest(subject="看板重办诉求", grid=db.session.get(Grid, place.b1),
                                  received_at=local("2026-03-02", 9),
                                  resolved_at=local("2026-03-03", 9), status="resolved")
        db.session.add(request)
        db.session.commit()
        pk = request.id
    march = "/dashboard/?month=2026-03"
    assert figures(page(client, "dash_street", march))["residentrequest.resolved"] == "1"
    resp = client.post(f"/api/v1/residentrequest/{pk}/reopen", json={"note": "居民不满意"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert figures(client.get(march).get_data(as_text=True))["residentrequest.resolved"] == "0"
