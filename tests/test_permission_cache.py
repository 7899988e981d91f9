"""Permissions are read at most once per request, and not at all while nothing changed
them: a list page asks FAB dozens of questions (menu, buttons, cards) and each process
keeps the permission sets it read until the database's change counter moves; a page's
statement count does not grow with its page size; a permission taken away — on a
screen, or by plain SQL from another process — counts from the next request on."""

from __future__ import annotations

import re

from conftest import PASSWORD, bound_user, login, statements
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from app.extensions import db
from app.scoping import system

PERMISSION_QUERY = re.compile(r"ab_permission_view", re.I)


def _community_worker(app: Flask) -> None:
    from models.cobuild import Demand
    from models.dictionary import DictItem
    from models.org import Community, PartnerUnit, Street

    with app.app_context(), system():
        community = db.session.scalar(select(Community).where(Community.name == "缓存社区"))
        if community is None:  # a dozen demands, each with its category and unit
            community = Community(name="缓存社区", street=Street(name="缓存街道"))
            units = [PartnerUnit(name=f"缓存单位{n}", communities=[community]) for n in range(3)]
            kinds = [DictItem(kind="demand_category", name=f"缓存类别{n}") for n in range(3)]
            db.session.add_all([Demand(title=f"缓存需求{n}", community=community,
                                       category=kinds[n % 3], partner_unit=units[n % 3],
                                       status="claimed") for n in range(12)])
            db.session.commit()
        bound_user(app, "cache_comm", "社区工作者", community_id=community.id)


def _permission_queries(app: Flask, client: FlaskClient) -> int:
    with statements(app) as seen:
        assert client.get("/demand/list/").status_code == 200
    return len([s for s, _p in seen if PERMISSION_QUERY.search(s)])


def test_permissions_are_read_once_then_kept_until_they_change(app: Flask) -> None:
    _community_worker(app)
    client = app.test_client()
    login(client, "cache_comm", PASSWORD)
    client.get("/demand/list/")  # warm: FAB builds its menu and forms once per process
    assert _permission_queries(app, client) == 0  # nothing changed: the kept set
    with app.app_context(), system():
        sm = app.appbuilder.sm
        sm.add_permission_role(sm.find_role("社区工作者"),
                               sm.find_permission_view_menu("can_list", "UserDBModelView"))
    try:
        assert _permission_queries(app, client) == 1  # changed: read once, for the page
        assert _permission_queries(app, client) == 0
    finally:
        with app.app_context(), system():
            sm.del_permission_role(sm.find_role("社区工作者"),
                                   sm.find_permission_view_menu("can_list", "UserDBModelView"))


def test_a_list_page_is_three_statements_whatever_its_size_or_depth(app: Flask) -> None:
    """The user (with roles, place, the permission counter and the session's row), the
    capped count, the page's rows with their category and unit: three statements for 5
    rows or 12, page 1 or 3."""
    _community_worker(app)
    client = app.test_client()
    login(client, "cache_comm", PASSWORD)
    counts = {}
    for query in ("psize_DemandView=5", "psize_DemandView=50",
                  "psize_DemandView=5&page_DemandView=2"):
        client.get(f"/demand/list/?{query}")
        with statements(app) as seen:
            page = client.get(f"/demand/list/?{query}")
        assert page.status_code == 200 and "缓存需求" in page.get_data(as_text=True)
        counts[query] = len(seen)
    assert set(counts.values()) == {3}, counts


def test_a_permission_taken_away_counts_from_the_next_request(app: Flask) -> None:
    _community_worker(app)
    client = app.test_client()
    login(client, "cache_comm", PASSWORD)
    assert client.get("/resource/list/").status_code == 200
    with app.app_context(), system():
        sm = app.appbuilder.sm
        role = sm.find_role("社区工作者")
        held = sm.find_permission_view_menu("can_read", "resource")
        sm.del_permission_role(role, held)
    try:
        assert client.get("/resource/list/").status_code in (302, 403)
    finally:
        with app.app_context(), system():
            sm.add_permission_role(sm.find_role("社区工作者"),
                                   sm.find_permission_view_menu("can_read", "resource"))
    assert client.get("/resource/list/").status_code == 200


def test_a_permission_taken_away_by_another_process_counts_from_the_next_request(
        app: Flask) -> None:
    """Plain SQL on a connection of its own (as another worker process, or an operator
    at the database, would) moves the counter too: the kept set is not used again."""
    _community_worker(app)
    client = app.test_client()
    login(client, "cache_comm", PASSWORD)
    assert client.get("/resource/list/").status_code == 200
    assert client.get("/resource/list/").status_code == 200  # from the kept set
    with app.app_context(), system():
        sm = app.appbuilder.sm
        link = (sm.find_role("社区工作者").id,
                sm.find_permission_view_menu("can_read", "resource").id)
        db.session.rollback()
        engine = db.engine
    unlink = text("DELETE FROM ab_permission_view_role "
                  "WHERE role_id = :r AND permission_view_id = :p")
    with engine.begin() as conn:
        conn.execute(unlink, {"r": link[0], "p": link[1]})
    try:
        assert client.get("/resource/list/").status_code in (302, 403)
    finally:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO ab_permission_view_role (role_id, "
                              "permission_view_id) VALUES (:r, :p)"),
                         {"r": link[0], "p": link[1]})
    assert client.get("/resource/list/").status_code == 200


def test_the_menu_follows_a_changed_permission_at_once(app: Flask) -> None:
    """The menu's HTML is kept per permission set: taking ``menu_access`` away hides the
    entry on the next page, giving it back shows it again."""
    _community_worker(app)
    client = app.test_client()
    login(client, "cache_comm", PASSWORD)
    entry = 'href="/resource/list/"'
    assert entry in client.get("/demand/list/").get_data(as_text=True)
    assert entry in client.get("/demand/list/").get_data(as_text=True)  # the kept menu
    with app.app_context(), system():
        sm = app.appbuilder.sm
        sm.del_permission_role(sm.find_role("社区工作者"),
                               sm.find_permission_view_menu("menu_access", "Resource"))
    try:
        assert entry not in client.get("/demand/list/").get_data(as_text=True)
    finally:
        with app.app_context(), system():
            sm.add_permission_role(sm.find_role("社区工作者"),
                                   sm.find_permission_view_menu("menu_access", "Resource"))
    assert entry in client.get("/demand/list/").get_data(as_text=True)
