"""Substring search through the trigram index (issue 9): "contains" on a title finds
exactly the rows whose title holds the words — Chinese or not, long or short, with
quotes or percent signs — the index follows every create, rename and delete, and the
database really looks the words up in the index."""

from __future__ import annotations

import re
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select, text

import models
from app.extensions import db
from app.scoping import system
from models.cobuild import Demand
from models.org import Community, Street
from views.list_links import filter_index
from views.search import FilterSubstring

TITLES = ("检索测试：独居老人助餐", "检索测试：老旧小区加装电梯", "检索测试：独居老人理发",
          'ABC检索测试 "引号" 100%完成', "检索测试：楼道灯维修", "检索测试_下划线与百分号")
RECORD_COUNT = re.compile(r"<strong>(?:记录数|Record Count):</strong>\s*(\d+)")


@pytest.fixture(scope="module")
def demands(app: Flask) -> dict[str, int]:
    with app.app_context(), system():
        community = db.session.scalar(select(Community).where(Community.name == "检索社区"))
        if community is None:
            community = Community(name="检索社区", street=Street(name="检索街道"))
            db.session.add_all([Demand(title=t, community=community) for t in TITLES])
            db.session.commit()
        return {d.title: d.id for d in db.session.scalars(
            select(Demand).where(Demand.community_id == community.id))}


def search(client: FlaskClient, word: str) -> str:
    """The demand list searched with "contains" ``word``, as the user reads it."""
    with client.application.test_request_context():
        index = filter_index(Demand, "title", FilterSubstring)
    resp = client.get("/demand/list/", query_string={"psize_DemandView": 100,
                                                     f"_flt_{index}_title": word})
    assert resp.status_code == 200
    return unescape(resp.get_data(as_text=True))


def found(client: FlaskClient, word: str) -> set[str]:
    page = search(client, word)
    return {t for t in TITLES if t in page}


@pytest.mark.parametrize("word", ["独居老人", "检索测试：", "加装电梯", "老人", "梯", "abc检索",
                                  '"引号"', "100%", "%完", "试_下", "_下", " 独居老人 ",
                                  "不存在的词语"])
def test_contains_finds_exactly_the_rows_holding_the_words(admin_client: FlaskClient,
                                                           demands: dict[str, int],
                                                           word: str) -> None:
    expected = {t for t in TITLES if word.strip().lower() in t.lower()}
    assert found(admin_client, word) == expected


def test_the_index_follows_creates_renames_and_deletes(app: Flask, admin_client: FlaskClient,
                                                       demands: dict[str, int]) -> None:
    with app.app_context(), system():
        renamed = db.session.get(Demand, demands["检索测试：独居老人理发"])
        renamed.title = "检索测试：独居老人理发（改）"
        added = Demand(title="检索测试：新增的独居老人探访", community=renamed.community)
        db.session.add(added)
        db.session.commit()
        added_id = added.id
    try:
        body = search(admin_client, "独居老人")
        assert "检索测试：独居老人理发（改）" in body and "检索测试：新增的独居老人探访" in body
        with app.app_context(), system():
            db.session.delete(db.session.get(Demand, added_id))
            db.session.commit()
        body = search(admin_client, "新增的独居")
        assert "检索测试：新增的独居老人探访" not in body
        assert RECORD_COUNT.search(body) is None or RECORD_COUNT.search(body).group(1) == "0"
    finally:
        with app.app_context(), system():
            back = db.session.get(Demand, demands["检索测试：独居老人理发"])
            back.title = "检索测试：独居老人理发"
            db.session.commit()


def test_the_database_looks_the_words_up_in_the_index(app: Flask,
                                                      demands: dict[str, int]) -> None:
    with app.app_context():
        conn = db.session.connection()
        if conn.dialect.name == "sqlite":
            plan = " ".join(str(row[-1]) for row in conn.execute(text(
                "EXPLAIN QUERY PLAN SELECT id FROM demand WHERE id IN (SELECT rowid FROM "
                "demand_title_fts WHERE demand_title_fts MATCH '\"独居老人\"')")))
            assert "demand_title_fts VIRTUAL TABLE INDEX" in plan, plan
        else:
            # the test database is made as the README says (a UTF-8 LC_CTYPE), so Chinese
            # text has trigrams, and the planner can serve ILIKE from the GIN index
            assert conn.execute(text("SELECT show_trgm('独居老人')")).scalar() != []
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(conn.execute(text(
                "EXPLAIN SELECT id FROM demand WHERE title ILIKE '%独居老人%'")).scalars())
            assert "ix_demand_title_trgm" in plan, plan
        db.session.rollback()


def test_every_fulltext_column_has_its_index(app: Flask) -> None:
    """A column marked ``fulltext`` without its index (or, on SQLite, without the triggers
    keeping it current — a table rebuilt by a later migration loses them) is caught."""
    marked = [(model.__tablename__, column.key) for model in models.registry()
              for column in inspect(model).columns if column.info.get("fulltext")]
    assert len(marked) >= 6
    with app.app_context():
        conn = db.session.connection()
        if conn.dialect.name == "sqlite":
            names = set(conn.execute(text("SELECT name FROM sqlite_master")).scalars())
            wanted = [f"{t}_{c}_fts{suffix}" for t, c in marked
                      for suffix in ("", "_ai", "_ad", "_au")]
        else:
            names = set(conn.execute(text("SELECT indexname FROM pg_indexes")).scalars())
            wanted = [f"ix_{t}_{c}_trgm" for t, c in marked]
        db.session.rollback()
    assert not [w for w in wanted if w not in names]


def test_a_search_with_a_nul_character_is_refused(admin_client: FlaskClient) -> None:
    resp = admin_client.get("/demand/list/", query_string={"_flt_2_title": "\x00独居老人"})
    assert resp.status_code == 400
    assert "Traceback" not in resp.get_data(as_text=True)


@pytest.mark.parametrize("order", [None, "title", "id"])
def test_a_common_word_lists_the_same_rows_in_the_same_order_either_way(
        admin_client: FlaskClient, demands: dict[str, int], monkeypatch: pytest.MonkeyPatch,
        order: str | None) -> None:
    """A word found in many rows is checked on the rows read in the list's order
    (``views.search.in_list_order``) instead of looked up first: what the user sees is the
    same — the same rows, in the same order, whichever way the page was read."""
    import views.search

    def listed(ratio: int) -> list[str]:
        monkeypatch.setattr(views.search, "WALK_RATIO", ratio)
        with admin_client.application.test_request_context():
            index = filter_index(Demand, "title", FilterSubstring)
        query = {"psize_DemandView": 100, f"_flt_{index}_title": "检索测试"}
        if order:
            query |= {"_oc_DemandView": order, "_od_DemandView": "desc"}
        page = unescape(admin_client.get("/demand/list/", query_string=query)
                        .get_data(as_text=True))
        return sorted((t for t in TITLES if t in page), key=page.index)

    walked, looked_up = listed(0), listed(10**9)
    assert len(walked) == len(TITLES)
    assert walked == looked_up


def test_a_views_filters_are_made_once_and_handed_out_as_copies(app: Flask) -> None:
    from views.interface import PortalInterface
    from views.search import PortalFilterConverter

    datamodel = PortalInterface(Demand)
    first = PortalFilterConverter(datamodel).convert("title")
    assert any(isinstance(f, FilterSubstring) for f in first)
    first.append("added by FAB")  # FAB adds a view's own search filters to its list
    again = PortalFilterConverter(datamodel).convert("title")
    assert "added by FAB" not in again
    assert [id(f) for f in again] == [id(f) for f in first[:-1]]  # made once
