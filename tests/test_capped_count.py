"""List pages count their records up to a cap (``views.counting``): a list longer than
the cap says "30+ 条" and still pages on to its end; a shorter one — or a search, or a
user's scope, that leaves fewer rows — shows its exact count; the REST API keeps FAB's
exact count. The count is one statement with a LIMIT, no ORDER BY, that applies the
reader's scope inside it. A substring search on PostgreSQL shows its rows first and
asks its count of the list's ``count/`` address after (as the browser does, ``_page``
asks it too).

The cap is lowered to 30 rows (and one page ahead of the page read) for the tests; the
rows are demands of a street of their own: 45 in its community 甲, 12 in 乙.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import prison
import pytest
from conftest import PASSWORD, bound_user, login, statements
from flask import Flask
from flask.testing import FlaskClient
from flask_appbuilder.models.sqla.filters import FilterRelationOneToManyEqual
from sqlalchemy import delete, func, select

from app.extensions import db
from app.scoping import system
from models.cobuild import Demand
from models.org import Community, Street
from models.roles import COMMUNITY, STREET
from views import counting
from views.list_links import filter_index
from views.search import FilterSubstring

A_ROWS, B_ROWS = 45, 12
TOTAL = A_ROWS + B_ROWS
CAP = 30
TITLE = re.compile(r"封顶计数[甲乙] \d{3}")
RECORD_COUNT = re.compile(r"<strong>记录数:</strong>\s*(?:<span[^>]*>)?\s*([^<\s]+(?: 条)?)")
NEXT_PAGE = re.compile(r'<a href="([^"#]+)">&gt;</a>')
LIST = "/demand/list/"
COUNTING = "正在计数…"
PENDING = re.compile(r'data-tx-list-count="([^"]+)"')


@pytest.fixture(scope="module")
def place(app: Flask) -> Iterator[dict[str, int]]:
    with app.app_context(), system():
        street = Street(name="封顶计数街道")
        a = Community(name="封顶计数甲社区", street=street)
        b = Community(name="封顶计数乙社区", street=street)
        db.session.add_all([Demand(title=f"封顶计数甲 {n:03}", community=a)
                            for n in range(1, A_ROWS + 1)])
        db.session.add_all([Demand(title=f"封顶计数乙 {n:03}", community=b)
                            for n in range(1, B_ROWS + 1)])
        db.session.commit()
        ids = {"street": street.id, "a": a.id, "b": b.id}
        bound_user(app, "cap_street", STREET, street_id=street.id)
        bound_user(app, "cap_comm_a", COMMUNITY, community_id=a.id)
        bound_user(app, "cap_comm_b", COMMUNITY, community_id=b.id)
    yield ids
    with app.app_context(), system():  # other tests count demands of their own
        db.session.execute(delete(Demand).where(Demand.street_id == ids["street"]))
        db.session.commit()


@pytest.fixture
def capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(counting, "COUNT_CAP", CAP)
    monkeypatch.setattr(counting, "PAGES_AHEAD", 1)


def _client(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    login(client, username, PASSWORD)
    return client


def _page(client: FlaskClient, url: str, **args: Any) -> tuple[str, set[str], str | None]:
    """(record count as shown, titles listed, next-page link) of a list page."""
    resp = client.get(url, query_string=args or None)
    assert resp.status_code == 200, url
    body = resp.get_data(as_text=True)
    shown = RECORD_COUNT.search(body)
    assert shown, "the page shows its record count"
    titles = TITLE.findall(body)
    assert len(titles) == len(set(titles))
    link = NEXT_PAGE.search(body)
    count = shown.group(1)
    if count == COUNTING:  # as js/list_count.js does: the count from its address
        count = _later(client, body)["text"]
    return count, set(titles), unescape(link.group(1)) if link else None


def _later(client: FlaskClient, body: str) -> dict[str, Any]:
    """The answer of the count address of a page whose count is pending."""
    found = PENDING.search(body)
    assert found, "a pending count names its address"
    resp = client.get(unescape(found.group(1)))
    assert resp.status_code == 200 and resp.is_json
    return resp.get_json()


def test_a_list_longer_than_the_cap_says_so_and_pages_on_to_its_end(
        app: Flask, place: dict[str, int], capped: None) -> None:
    client = _client(app, "cap_street")  # the street: all 57 demands
    shown, first, link = _page(client, LIST)
    assert shown == "30+ 条" and len(first) == 20
    assert link and "page_DemandView=1" in link
    shown, second, link = _page(client, link)
    assert shown == "40+ 条" and len(second) == 20  # the cap follows the page read
    assert link and "page_DemandView=2" in link
    shown, third, link = _page(client, link)
    assert shown == str(TOTAL) and len(third) == TOTAL - 40  # the end: exact again
    assert link is None
    assert len(first | second | third) == TOTAL


def test_a_deep_page_shows_its_rows_and_the_cap_of_that_page(
        app: Flask, place: dict[str, int], capped: None) -> None:
    client = _client(app, "cap_street")
    shown, rows, link = _page(client, LIST, psize_DemandView=5, page_DemandView=10)
    assert shown == "55+ 条" and len(rows) == 5 and link  # rows 51-55 of 57
    shown, rows, link = _page(client, LIST, psize_DemandView=5, page_DemandView=11)
    assert shown == str(TOTAL) and len(rows) == 2 and link is None


def test_the_cap_counts_the_pages_ahead_of_the_page_read(
        app: Flask, place: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(counting, "COUNT_CAP", CAP)  # 10 pages ahead, as in production
    client = _client(app, "cap_street")
    assert _page(client, LIST, psize_DemandView=2)[0] == "30+ 条"
    assert _page(client, LIST, psize_DemandView=4)[0] == "40+ 条"
    assert _page(client, LIST, psize_DemandView=6)[0] == str(TOTAL)


def test_below_the_cap_the_count_is_exact(app: Flask, place: dict[str, int],
                                         capped: None) -> None:
    client = _client(app, "admin")
    with app.test_request_context():
        index = filter_index(Demand, "title", FilterSubstring)
    shown, rows, link = _page(client, LIST, **{f"_flt_{index}_title": "封顶计数乙"})
    assert shown == str(B_ROWS) and len(rows) == B_ROWS and link is None
    shown, rows, link = _page(client, LIST, **{f"_flt_{index}_title": "封顶计数"})
    assert shown == "30+ 条" and len(rows) == 20 and link
    with app.test_request_context():
        index = filter_index(Demand, "community", FilterRelationOneToManyEqual)
    shown, rows, link = _page(client, LIST, **{f"_flt_{index}_community": place["b"]})
    assert shown == str(B_ROWS) and len(rows) == B_ROWS and link is None


def test_a_scoped_user_counts_only_the_rows_of_their_scope(
        app: Flask, place: dict[str, int], capped: None) -> None:
    shown, rows, link = _page(_client(app, "cap_comm_b"), LIST)
    assert shown == str(B_ROWS) and link is None
    assert rows == {f"封顶计数乙 {n:03}" for n in range(1, B_ROWS + 1)}
    client = _client(app, "cap_comm_a")
    assert _page(client, LIST)[0] == "30+ 条"
    shown, rows, link = _page(client, LIST, page_DemandView=2)
    assert shown == str(A_ROWS) and len(rows) == A_ROWS - 40 and link is None
    assert all(t.startswith("封顶计数甲") for t in rows)


def test_the_english_page_says_it_in_english(app: Flask, place: dict[str, int],
                                             capped: None) -> None:
    client = _client(app, "cap_street")
    client.get("/lang/en")
    body = client.get(LIST).get_data(as_text=True)
    assert re.search(r"<strong>Record Count:</strong>\s*<span[^>]*>30\+ records</span>", body)
    client.get("/lang/zh")


def test_the_rest_api_keeps_the_exact_count(app: Flask, place: dict[str, int],
                                            capped: None) -> None:
    client = app.test_client()
    token = client.post("/api/v1/security/login", json={
        "username": "admin", "password": PASSWORD, "provider": "db"}).get_json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    with app.app_context(), system():
        everything = db.session.scalar(select(func.count()).select_from(Demand))
    assert everything > CAP
    resp = client.get("/api/v1/demand/", headers=auth,
                      query_string={"q": prison.dumps({"page_size": 5})})
    assert resp.status_code == 200 and resp.get_json()["count"] == everything
    query = prison.dumps({"page_size": 5, "filters": [
        {"col": "community", "opr": "rel_o_m", "value": place["a"]}]})
    resp = client.get("/api/v1/demand/", headers=auth, query_string={"q": query})
    assert resp.get_json()["count"] == A_ROWS and len(resp.get_json()["result"]) == 5


def _statements(app: Flask, client: FlaskClient, url: str) -> list[tuple[str, Any]]:
    with statements(app) as seen:
        assert client.get(url).status_code == 200
    return seen


def test_the_count_is_one_limited_statement_without_order(
        app: Flask, place: dict[str, int], capped: None) -> None:
    client = _client(app, "cap_street")
    seen = _statements(app, client, LIST)
    # the demands counted, but for the menu's to-do badge (the drafts to publish)
    counts = [(s, p) for s, p in seen if "count(" in s and re.search(r"FROM demand\b", s)
              and "demand.status = " not in s]
    assert len(counts) == 1, [s for s, _p in counts]
    statement, parameters = counts[0]
    assert "LIMIT" in statement and "ORDER BY" not in statement
    assert re.search(r"SELECT count\(\*\) AS \w+\s+FROM \(SELECT 1", statement), statement
    assert "street_id IN" in statement  # the reader's scope, inside the subquery
    with app.app_context():
        conn = db.session.connection()
        if conn.dialect.name == "postgresql":  # the scan stops at cap + 1 rows
            plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement,
                                        parameters).scalar()
            plan = plan if isinstance(plan, list) else json.loads(plan)
            limits = list(_nodes(plan[0]["Plan"], "Limit"))
            assert len(limits) == 1 and limits[0]["Actual Rows"] == CAP + 1
            assert all(scan["Actual Rows"] <= CAP + 1 for scan in _nodes(limits[0], "Scan"))
        db.session.rollback()


def _nodes(node: dict[str, Any], kind: str) -> Iterator[dict[str, Any]]:
    if kind in node["Node Type"]:
        yield node
    for child in node.get("Plans", []):
        yield from _nodes(child, kind)


def _search(app: Flask, word: str) -> dict[str, str]:
    with app.test_request_context():
        return {f"_flt_{filter_index(Demand, 'title', FilterSubstring)}_title": word}


def test_a_search_on_postgresql_shows_its_rows_first_and_its_count_after(
        app: Flask, place: dict[str, int], capped: None) -> None:
    client = _client(app, "cap_street")
    query = "&".join(f"{k}={v}" for k, v in _search(app, "封顶计数").items())
    seen = _statements(app, client, f"{LIST}?{query}")
    body = client.get(f"{LIST}?{query}").get_data(as_text=True)
    counted = [s for s, _p in seen if re.search(r"count\(\*\).*FROM demand\b", s, re.S)
               and "demand.status = " not in s]  # not the to-do badge
    assert len(TITLE.findall(body)) == 20
    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect == "sqlite":  # FTS5 counts the matches alone: at once
        assert RECORD_COUNT.search(body).group(1) == "30+ 条"  # type: ignore[union-attr]
        assert len(counted) == 1 and not PENDING.search(body)
        return
    assert RECORD_COUNT.search(body).group(1) == COUNTING  # type: ignore[union-attr]
    assert counted == []  # the page did not count
    assert NEXT_PAGE.search(body), "the next page is offered before the count comes"
    later = _later(client, body)
    assert later["count"] == CAP + 1 and later["text"] == "30+ 条" and later["title"]
    assert later["page"] == 0 and later["pages"] == 2


def test_the_count_address_counts_the_search_in_the_readers_scope(
        app: Flask, place: dict[str, int], capped: None) -> None:
    def count(username: str, **args: str) -> dict[str, Any]:
        resp = _client(app, username).get(f"{LIST}count/", query_string=args or None)
        assert resp.status_code == 200 and resp.is_json, username
        return resp.get_json()

    answer = count("cap_comm_b")
    assert (answer["count"], answer["text"], answer["title"]) == (B_ROWS, str(B_ROWS), "")
    assert count("cap_comm_b", **_search(app, "封顶计数甲"))["count"] == 0  # not theirs
    assert count("cap_street", **_search(app, "封顶计数乙"))["count"] == B_ROWS
    answer = count("cap_comm_a", **_search(app, "封顶计数"), psize_DemandView="10",
                   page_DemandView="1")
    assert (answer["count"], answer["page"], answer["pages"]) == (CAP + 1, 1, 4)


def test_the_count_address_needs_a_login(app: Flask, place: dict[str, int]) -> None:
    resp = app.test_client().get(f"{LIST}count/")
    assert resp.status_code in (302, 401, 403) and not resp.is_json


def test_a_search_page_past_its_end_counts_at_once(
        app: Flask, place: dict[str, int], capped: None) -> None:
    shown, rows, link = _page(_client(app, "cap_street"), LIST, page_DemandView=9,
                              **_search(app, "封顶计数乙"))
    assert shown == str(B_ROWS) and not rows and link is None


def test_a_blank_search_counts_at_once(app: Flask, place: dict[str, int],
                                       capped: None) -> None:
    # the search form sends its empty rows too: nothing is searched, nothing is pending
    body = _client(app, "cap_street").get(LIST, query_string=_search(app, "  ")
                                          ).get_data(as_text=True)
    assert RECORD_COUNT.search(body).group(1) == "30+ 条"  # type: ignore[union-attr]
    assert not PENDING.search(body)
