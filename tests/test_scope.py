"""The scope matrix: for every scoped model, route and actor pair, a user never sees or
changes a row outside its scope. Built from ``app.url_map`` and the model registry, so a
new model or route is covered automatically (a route with no expectation fails)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import PASSWORD, bound_user, csrf_token, login, statements
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select, text

import models
from app.extensions import db
from app.policy import COMMUNITY, GRID, SOCIAL, STREET, UNIT
from app.scoping import is_scoped, system
from models.audit import AuditEntry
from models.cobuild import Demand, DemandOffer, Project, Resource, WorkLog
from models.dictionary import DictItem
from models.disputes import Dispute
from models.ledgers import Convention, FeeEntry, HazardInspection, LivelihoodProject, Training
from models.meetings import Meeting, Resolution
from models.org import Community, Grid, PartnerUnit, SocialWorkStation, Street
from models.points import PointsEntry, ShopItem
from models.requests import ResidentRequest
from models.volunteers import Volunteer, VolunteerActivity, VolunteerService, VolunteerTeam
from models.wishes import MicroWish

SCOPED = [m for m in models.registry() if is_scoped(m)]


@dataclass
class World:
    """Two of everything: side A and side B, plus a second unit inside community A."""

    rows: dict[str, dict[type, int]]


@pytest.fixture(scope="module")
def world(app: Flask) -> World:
    with app.app_context(), system():
        kind = DictItem(kind="unit_type", name="范围测试类型")
        rows: dict[str, dict[type, Any]] = {}
        for side in ("A", "B"):
            street = Street(name=f"范围街道{side}")
            community = Community(name=f"范围社区{side}", street=street)
            grid = Grid(name=f"范围网格{side}", community=community, street=street)
            unit = PartnerUnit(name=f"范围单位{side}", unit_type=kind, communities=[community])
            station = SocialWorkStation(name=f"范围社工站{side}", street=street,
                                        communities=[community])
            project = Project(name=f"范围项目{side}", partner_unit=unit, community=community,
                              street=street)
            demand = Demand(title=f"范围需求{side}", community=community, street=street,
                            status="published")
            rows[side] = {Street: street, Community: community, Grid: grid,
                          PartnerUnit: unit, SocialWorkStation: station,
                          Demand: demand,
                          DemandOffer: DemandOffer(demand=demand, partner_unit=unit,
                                                   community=community, street=street,
                                                   plan=f"范围报名{side}"),
                          Project: project,
                          WorkLog: WorkLog(project=project, work_date=dt.date(2026, 11, 2),
                                           hours=2, summary=f"范围记录{side}"),
                          Resource: Resource(name=f"范围资源{side}", partner_unit=unit),
                          PointsEntry: PointsEntry(partner_unit=unit, street=street, points=5,
                                                   balance=5, reason=f"范围积分{side}"),
                          ShopItem: ShopItem(name=f"范围商品{side}", street=street, cost=1,
                                             stock=1)}
            rows[side].update(_affairs(side, street, community, grid, unit))
            rows[f"{side}V"] = {PointsEntry: PointsEntry(
                volunteer=rows[side][Volunteer], street=street, points=3, balance=3,
                reason=f"范围志愿积分{side}")}
        # a second unit in community A: unit1 ↔ unit2 of the same community
        unit_a2 = PartnerUnit(name="范围单位A2", unit_type=kind,
                              communities=[rows["A"][Community]])
        rows["A2"] = {PartnerUnit: unit_a2,
                      Resource: Resource(name="范围资源A2", partner_unit=unit_a2),
                      Demand: Demand(title="范围需求A2", community=rows["A"][Community],
                                     street=rows["A"][Street], status="claimed",
                                     partner_unit=unit_a2)}
        db.session.add_all([kind, *(r for side in rows.values() for r in side.values())])
        db.session.commit()
        a, a2 = rows["A"], rows["A2"]
        bound_user(app, "s_street", STREET, street_id=a[Street].id)
        bound_user(app, "s_comm", COMMUNITY, community_id=a[Community].id)
        bound_user(app, "s_grid", GRID, grids=[a[Grid]])
        bound_user(app, "s_unit1", UNIT, partner_unit_id=a[PartnerUnit].id)
        bound_user(app, "s_unit2", UNIT, partner_unit_id=a2[PartnerUnit].id)
        bound_user(app, "s_social", SOCIAL, station_id=a[SocialWorkStation].id)
        bound_user(app, "s_nobody", COMMUNITY)
        ids = {side: {m: r.id for m, r in side_rows.items()} for side, side_rows in rows.items()}
    return World(rows=ids)


def _affairs(side: str, street: Any, community: Any, grid: Any, unit: Any) -> dict[type, Any]:
    """One row of each community-ledger record type on ``side``."""
    day, here = dt.date(2026, 11, 3), {"community": community, "street": street}
    team = VolunteerTeam(name=f"范围服务队{side}", **here)
    volunteer = Volunteer(name=f"范围志愿者{side}", team=team, grid=grid, **here)
    activity = VolunteerActivity(title=f"范围活动{side}", starts_at=dt.datetime(2026, 11, 3, 1),
                                 **here)
    meeting = Meeting(title=f"范围会议{side}", held_on=day, topics="议题", units=[unit], **here)
    return {
        ResidentRequest: ResidentRequest(subject=f"范围诉求{side}", grid=grid,
                                         partner_unit=unit, status="assigned", **here),
        MicroWish: MicroWish(title=f"范围心愿{side}", wisher="范围心愿人", grid=grid,
                             status="claimed", partner_unit=unit, **here),
        Dispute: Dispute(title=f"范围纠纷{side}", parties="甲乙", received_on=day, grid=grid,
                         **here),
        VolunteerTeam: team, Volunteer: volunteer, VolunteerActivity: activity,
        VolunteerService: VolunteerService(activity=activity, volunteer=volunteer, **here),
        Meeting: meeting,
        Resolution: Resolution(meeting=meeting, content=f"范围决议{side}", partner_unit=unit,
                               **here),
        Convention: Convention(title=f"范围公约{side}", content="条款", **here),
        LivelihoodProject: LivelihoodProject(name=f"范围实事{side}", year=2026, **here),
        Training: Training(title=f"范围培训{side}", held_on=day, hours=2, **here),
        HazardInspection: HazardInspection(address=f"范围地址{side}", inspected_on=day,
                                           inspector="范围排查人", grid=grid, **here),
        FeeEntry: FeeEntry(fund="范围停车基金", occurred_on=day, item=f"范围费用{side}",
                           amount=5, **here),
    }


AFFAIRS = (ResidentRequest, MicroWish, Dispute, VolunteerTeam, Volunteer, VolunteerActivity,
           VolunteerService, Meeting, Resolution, Convention, LivelihoodProject, Training,
           HazardInspection, FeeEntry)
SIDED = (Street, Community, Grid, PartnerUnit, SocialWorkStation, Demand, DemandOffer,
         Project, WorkLog, Resource, PointsEntry, ShopItem, *AFFAIRS)
#: points held by a volunteer: staff of the volunteer's place see them, units never
ALL_B = [("B", m) for m in SIDED] + [("BV", PointsEntry)]
#: what a unit never reaches even in its own community: residents' and volunteers' records
PRIVATE_A = [("A", m) for m in (Dispute, Volunteer, VolunteerService)] + [("AV", PointsEntry)]

#: actor → the rows (side, model) it must NOT reach
FOREIGN: dict[str, list[tuple[str, type]]] = {
    "s_street": ALL_B,
    "s_comm": ALL_B,
    "s_grid": ALL_B,
    # unit1 ↔ unit2 of the same community: each other's unit, resources, claimed demands
    "s_unit1": [("A2", PartnerUnit), ("A2", Resource), ("A2", Demand), *PRIVATE_A, *ALL_B],
    "s_unit2": [("A", PartnerUnit), ("A", Project), ("A", WorkLog), ("A", Resource),
                ("A", PointsEntry), ("A", DemandOffer), ("A", ResidentRequest),
                ("A", MicroWish), ("A", Resolution), *PRIVATE_A],
    "s_social": ALL_B,
    "s_nobody": [(side, m) for side in ("A", "B") for m in SIDED] + [("AV", PointsEntry),
                                                                      ("BV", PointsEntry)],
}

#: the record count a list page shows (when it has rows)
RECORD_COUNT = re.compile(r"<strong>记录数:</strong>\s*(\d+)\s*<")

#: what each route of a resource is, so every route has an expectation
ROUTE_KINDS = {
    "list/": "list", "list/count/": "list", "show/<pk>": "row", "edit/<pk>": "row",
    "delete/<pk>": "row",
    "add": "add", "download/<string:filename>": "file", "action/<string:name>/<pk>": "row",
    "action_post": "bulk", "": "api_list", "<pk>": "api_row", "<int:pk>": "api_row",
    "_info": "api_info", "choices/": "api_choices",
    "transition/<pk>/<name>": "row", "<int:pk>/<name>": "api_row",
    "export/": "list", "export": "api_list", "import/": "add", "import/template": "add",
    "import/<token>/marked": "add", "import/<token>/commit": "add",
    "import/undo/<int:batch_id>": "add",
}


def _checksum(app: Flask) -> str:
    with app.app_context(), system():
        digest = hashlib.sha256()
        for model in SCOPED:
            if model is AuditEntry:  # the log grows with what the actor does (an export)
                continue
            table = model.__table__
            for row in db.session.execute(select(table).order_by(*table.primary_key)):
                digest.update(repr(tuple(row)).encode())
        for name in ("partner_unit_community", "station_community"):
            for row in db.session.execute(text(f"SELECT * FROM {name} ORDER BY 1, 2")):
                digest.update(repr(tuple(row)).encode())
        return digest.hexdigest()


def test_every_route_of_a_scoped_model_has_an_expectation(app: Flask) -> None:
    for model in SCOPED:
        res = model.__resource__
        for rule in app.url_map.iter_rules():
            for prefix in (f"/{res}/", f"/api/v1/{res}/"):
                if rule.rule.startswith(prefix):
                    rest = rule.rule[len(prefix):]
                    assert rest in ROUTE_KINDS, f"no scope expectation for {rule.rule}"


@pytest.fixture
def as_actor(app: Flask) -> Iterator[Any]:
    clients = []

    def make(username: str) -> Any:
        client = app.test_client()
        login(client, username)
        clients.append(client)
        return client

    yield make


@pytest.mark.parametrize("actor", sorted(FOREIGN))
def test_actor_never_reaches_foreign_rows(app: Flask, world: World, as_actor: Any,
                                          actor: str) -> None:
    client = as_actor(actor)
    before = _checksum(app)
    token = csrf_token(client, "/resetmypassword/form")
    for side, model in FOREIGN[actor]:
        res, pk = model.__resource__, world.rows[side][model]
        name = f"{model.__name__}{side}"
        listing = client.get(f"/{res}/list/?psize_{model.__name__}View=1000")
        assert listing.status_code in (200, 302, 403)
        with app.app_context(), system():
            title = str(db.session.get(model, pk))
        assert f">{title}<" not in listing.get_data(as_text=True), f"{actor} lists {name}"
        counted = client.get(f"/{res}/list/count/")  # the count a list may ask for later
        if listing.status_code == 200:
            shown = RECORD_COUNT.search(listing.get_data(as_text=True))
            assert counted.status_code == 200 and shown, f"{actor} counts {res}"
            assert str(counted.json["count"]) == shown.group(1), f"{actor} counts {name}"
        else:
            assert counted.status_code in (302, 403), f"{actor} counts {res}"
        for url in (f"/{res}/show/{pk}", f"/{res}/edit/{pk}"):
            assert client.get(url).status_code in (302, 403, 404), f"{actor} opens {url}"
        edited = client.post(f"/{res}/edit/{pk}", data={"name": "被改了", "csrf_token": token})
        assert edited.status_code in (302, 403, 404)
        assert client.post(f"/{res}/delete/{pk}", data={"csrf_token": token}
                           ).status_code in (302, 403, 404)
        assert client.post(f"/{res}/action/muldelete/{pk}", data={"csrf_token": token}
                           ).status_code in (302, 403, 404)
        client.post(f"/{res}/action_post", data={"action": "muldelete", "rowid": [str(pk)],
                                                "csrf_token": token})
        api = client.get(f"/api/v1/{res}/?q=(page_size:100)")
        if api.status_code == 200:
            assert pk not in api.json["ids"], f"{actor} lists {name} in the API"
        exported = client.get(f"/{res}/export/")
        if exported.status_code == 200:
            sheet = load_workbook(io.BytesIO(exported.get_data()), read_only=True).active
            cells = {str(v) for row in sheet.iter_rows(values_only=True) for v in row}
            assert title not in cells, f"{actor} exports {name}"
        assert client.get(f"/api/v1/{res}/{pk}").status_code in (401, 403, 404)
        assert client.put(f"/api/v1/{res}/{pk}", json={"name": "被改了"}
                          ).status_code in (401, 403, 404)
        assert client.delete(f"/api/v1/{res}/{pk}").status_code in (401, 403, 404)
        choices = client.get(f"/api/v1/{res}/choices/?q={title}")
        if choices.status_code == 200:
            assert pk not in [r["id"] for r in choices.json["results"]], f"{actor}: {name}"
    assert _checksum(app) == before, f"{actor} changed rows outside its scope"


OWN = {"s_street": ("A", Street), "s_comm": ("A", Community), "s_grid": ("A", Grid),
       "s_unit1": ("A", PartnerUnit), "s_unit2": ("A2", PartnerUnit),
       "s_social": ("A", SocialWorkStation)}


@pytest.mark.parametrize("actor", sorted(OWN))
def test_actor_sees_its_own_place(world: World, as_actor: Any, actor: str) -> None:
    side, model = OWN[actor]
    pk = world.rows[side][model]
    client = as_actor(actor)
    assert client.get(f"/api/v1/{model.__resource__}/{pk}").status_code == 200
    assert client.get(f"/{model.__resource__}/show/{pk}").status_code == 200


def test_own_rows_are_visible(app: Flask, world: World, as_actor: Any) -> None:
    client = as_actor("s_comm")
    assert client.get(f"/community/show/{world.rows['A'][Community]}").status_code == 200
    assert client.get(f"/grid/show/{world.rows['A'][Grid]}").status_code == 200
    assert client.get(f"/partnerunit/show/{world.rows['A2'][PartnerUnit]}").status_code == 200
    unit = as_actor("s_unit1")
    assert unit.get(f"/partnerunit/show/{world.rows['A'][PartnerUnit]}").status_code == 200
    assert unit.get(f"/api/v1/partnerunit/{world.rows['A'][PartnerUnit]}").status_code == 200


def test_no_write_outside_scope(app: Flask, world: World, as_actor: Any) -> None:
    client = as_actor("s_comm")
    before = _checksum(app)
    # a grid created in the other community, through the API and through the form
    api = client.post("/api/v1/grid/", json={"name": "越界网格",
                                             "community": world.rows["B"][Community]})
    assert api.status_code in (403, 422)
    token = csrf_token(client, "/grid/add")
    form = client.post("/grid/add", data={"name": "越界网格", "csrf_token": token,
                                          "community": str(world.rows["B"][Community])})
    assert form.status_code == 200  # the form again, with an error
    # moving its own grid to the other community
    moved = client.put(f"/api/v1/grid/{world.rows['A'][Grid]}",
                       json={"name": "范围网格A", "community": world.rows["B"][Community]})
    assert moved.status_code == 422 and "community" in moved.json["message"], moved.json
    # a unit it can see, edited so that it no longer serves the worker's community
    dropped = client.put(f"/api/v1/partnerunit/{world.rows['A2'][PartnerUnit]}",
                         json={"name": "范围单位A2", "communities": []})
    assert dropped.status_code == 403, dropped.json
    assert _checksum(app) == before


def test_new_rows_land_in_the_writers_place(app: Flask, world: World, as_actor: Any) -> None:
    client = as_actor("s_comm")
    made = client.post("/api/v1/grid/", json={"name": "自动归属网格"})
    assert made.status_code == 201, made.json
    with app.app_context(), system():
        grid = db.session.get(Grid, made.json["id"])
        assert grid.community_id == world.rows["A"][Community]
        assert grid.street_id == world.rows["A"][Street]


def test_list_page_query_count_is_constant(app: Flask, world: World, as_actor: Any) -> None:
    client = as_actor("s_street")
    counts = []
    for size in (5, 50):
        with statements(app) as seen:
            assert client.get(f"/grid/list/?psize_GridView={size}").status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1], counts


def test_scope_violation_through_the_api_is_403(world: World, as_actor: Any) -> None:
    client = as_actor("s_unit1")
    moved = client.put(f"/api/v1/partnerunit/{world.rows['A'][PartnerUnit]}",
                       json={"name": "范围单位A", "communities": [world.rows["B"][Community]]})
    assert moved.status_code in (403, 422), moved.json  # 422: B is not a choice it can see
    street = as_actor("s_street")
    made = street.post("/api/v1/grid/", json={"name": "别街网格",
                                              "community": world.rows["B"][Community]})
    assert made.status_code in (403, 422), made.json


def test_admin_binds_a_user_on_the_user_screen(app: Flask, world: World,
                                               admin_client: Any) -> None:
    with app.app_context(), system():
        user = app.appbuilder.sm.find_user(username="s_nobody")
        user_id, roles = user.id, [str(r.id) for r in user.roles]
    base = {"first_name": "s_nobody", "last_name": "测试", "username": "s_nobody",
            "email": "s_nobody@scope.test", "active": "y", "roles": roles}
    token = csrf_token(admin_client, f"/users/edit/{user_id}")
    both = admin_client.post(f"/users/edit/{user_id}", data={
        **base, "csrf_token": token, "community": str(world.rows["A"][Community]),
        "street": str(world.rows["A"][Street])})
    assert both.status_code == 200 and "只能绑定一个组织" in both.get_data(as_text=True)
    saved = admin_client.post(f"/users/edit/{user_id}", data={
        **base, "csrf_token": token, "community": str(world.rows["B"][Community])})
    assert saved.status_code == 302
    with app.app_context(), system():
        assert app.appbuilder.sm.find_user(username="s_nobody").community_id == \
            world.rows["B"][Community]
    shown = admin_client.get(f"/users/show/{user_id}").get_data(as_text=True)
    assert "范围社区B" in shown and "以此用户视角查看" in shown
    try:
        client = app.test_client()
        login(client, "s_nobody")
        page = client.get(f"/community/show/{world.rows['B'][Community]}")
        assert page.status_code == 200 and "本社区的记录" in page.get_data(as_text=True)
        assert client.get(f"/community/show/{world.rows['A'][Community]}").status_code == 404
    finally:
        with app.app_context(), system():
            app.appbuilder.sm.find_user(username="s_nobody").community_id = None
            db.session.commit()


def test_admin_views_as_another_user_read_only(app: Flask, world: World,
                                               admin_client: Any) -> None:
    with app.app_context(), system():
        target = app.appbuilder.sm.find_user(username="s_unit1").id
    before = _checksum(app)
    token = csrf_token(admin_client, "/street/add")
    assert admin_client.post(f"/viewas/start/{target}", data={"csrf_token": token}
                             ).status_code == 302
    home = admin_client.get("/").get_data(as_text=True)
    assert "s_unit1" in home and "只读" in home
    api = admin_client.get("/api/v1/partnerunit/?q=(page_size:100)").json
    assert api["ids"] == [world.rows["A"][PartnerUnit]]
    refused = admin_client.post("/street/add", data={"name": "视角新街道", "csrf_token": token})
    assert refused.status_code == 403
    assert admin_client.post("/viewas/stop", data={"csrf_token": token}).status_code == 302
    assert world.rows["B"][PartnerUnit] in admin_client.get(
        "/api/v1/partnerunit/?q=(page_size:100)").json["ids"]
    assert _checksum(app) == before


def test_view_as_is_for_admins_only(world: World, as_actor: Any) -> None:
    client = as_actor("s_comm")
    token = csrf_token(client, "/grid/add")
    assert client.post("/viewas/start/1", data={"csrf_token": token}).status_code in (302, 403)
    assert "只读" not in client.get("/").get_data(as_text=True)


def test_api_token_users_get_their_scope(app: Flask, world: World) -> None:
    client = app.test_client()
    token = client.post("/api/v1/security/login", json={
        "username": "s_comm", "password": PASSWORD, "provider": "db"}).json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    ids = client.get("/api/v1/grid/?q=(page_size:100)", headers=headers).json["ids"]
    assert world.rows["A"][Grid] in ids and world.rows["B"][Grid] not in ids
    assert client.get("/api/v1/grid/", headers={"Authorization": "Bearer nonsense"}
                      ).status_code in (401, 422)  # FAB's answer to a malformed token


def test_moving_a_row_moves_its_parent_keys(app: Flask, world: World,
                                            admin_client: Any) -> None:
    grid_id = world.rows["A"][Grid]
    moved = admin_client.put(f"/api/v1/grid/{grid_id}",
                             json={"name": "范围网格A", "community": world.rows["B"][Community]})
    assert moved.status_code == 200, moved.json
    with app.app_context(), system():
        grid = db.session.get(Grid, grid_id)
        assert (grid.community_id, grid.street_id) == (world.rows["B"][Community],
                                                       world.rows["B"][Street])
    back = admin_client.put(f"/api/v1/grid/{grid_id}",
                            json={"name": "范围网格A", "community": world.rows["A"][Community]})
    assert back.status_code == 200
    with app.app_context(), system():
        assert db.session.get(Grid, grid_id).street_id == world.rows["A"][Street]


@pytest.mark.parametrize("actor", sorted(FOREIGN))
def test_no_foreign_row_in_any_dropdown_or_form_metadata(app: Flask, world: World,
                                                        as_actor: Any, actor: str) -> None:
    """Relation choices, search-filter dropdowns and ``_info`` only offer rows in scope."""
    client = as_actor(actor)
    with app.app_context(), system():
        foreign = {str(db.session.get(model, world.rows[side][model]))
                   for side, model in FOREIGN[actor]}
    for model in SCOPED:
        res = model.__resource__
        for url in (f"/{res}/list/", f"/{res}/add"):
            html = client.get(url).get_data(as_text=True)
            shown = [t for t in foreign if f">{t}<" in html]
            assert not shown, f"{actor} sees {shown} on {url}"
        info = client.get(f"/api/v1/{res}/_info")
        assert info.status_code in (200, 401, 403), (res, info.status_code)
        if info.status_code == 200:
            offered = {str(v.get("value")) for key in ("add_columns", "edit_columns")
                       for col in info.json.get(key, []) for v in col.get("values", [])}
            assert not offered & foreign, f"{actor} is offered {offered & foreign} in _info"


def test_info_offers_related_rows_at_all(world: World, admin_client: Any) -> None:
    """The check above is not vacuous: an admin is offered the rows of both sides."""
    info = admin_client.get("/api/v1/grid/_info?q=(add_columns:(community:(page_size:100)))"
                            ).json
    values = {v["value"] for col in info["add_columns"] for v in col.get("values", [])}
    assert {"范围社区A", "范围社区B"} <= values


def test_published_demands_are_shared_with_the_units_serving_the_community(
        world: World, as_actor: Any) -> None:
    published = world.rows["A"][Demand]
    for actor in ("s_unit1", "s_unit2"):
        ids = as_actor(actor).get("/api/v1/demand/?q=(page_size:100)").json["ids"]
        assert published in ids, actor
        assert world.rows["B"][Demand] not in ids, actor
    # unit2's claimed demand is its own: unit1 no longer sees it, unit2 does
    claimed = world.rows["A2"][Demand]
    assert claimed in as_actor("s_unit2").get("/api/v1/demand/").json["ids"]
    assert claimed not in as_actor("s_unit1").get("/api/v1/demand/").json["ids"]


def test_view_as_needs_the_form_token(app: Flask, world: World, admin_client: Any) -> None:
    with app.app_context(), system():
        target = app.appbuilder.sm.find_user(username="s_unit1").id
    assert admin_client.post(f"/viewas/start/{target}", data={}).status_code == 400
    assert "只读" not in admin_client.get("/").get_data(as_text=True)
