"""A list's search form reads no related table as a whole: its relation filters search the
server as the user types (``views.fields.RemoteFilterField``), like the add and edit
forms. On the demo data set the work-log list, as the system administrator and as a
partner unit's contact, runs no statement reading every project, unit or community,
holds no ``<option>`` per row, and a list opened with a relation filter still shows only
that record's rows, with the record's name in the filter."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from conftest import DEMO_PASSWORD, PASSWORD, login, statements
from flask import Flask
from flask.testing import FlaskClient
from flask_appbuilder.models.sqla.filters import FilterRelationOneToManyEqual
from sqlalchemy import select

from app.extensions import db
from app.scoping import system
from models.cobuild import Project, WorkLog

RELATIONS = {"project": "project", "partner_unit": "partner_unit", "community": "community"}
LIST = "/worklog/list/?psize_WorkLogView=100"
USERS = [("admin", PASSWORD), ("unit1", DEMO_PASSWORD)]




def _get(application: Flask, client: FlaskClient, url: str) -> tuple[str, list[str]]:
    """The page at ``url`` and the SQL statements it ran."""
    with statements(application) as seen:
        resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return resp.get_data(as_text=True), [" ".join(sql.split()) for sql, _p in seen]


def _reads_whole(sql: str, table: str) -> bool:
    """Whether ``sql`` reads ``table`` other than by its ids (a select of every row the
    user may see, or their count)."""
    return bool(re.search(rf"\bFROM {table}\b", sql)) and \
        not re.search(rf"\b{table}\.id (IN|=) ", sql)


def _search_form(body: str) -> dict[str, Any]:
    """The arguments the page gives ``AdminFilters`` (FAB's search form script)."""
    start = body.index("new AdminFilters(")
    rest = body[body.index("'#filter_form',", start) + len("'#filter_form',"):]
    decoder, values = json.JSONDecoder(), []
    for _name in ("labels", "fields", "filters", "active"):
        value, end = decoder.raw_decode(rest.lstrip())
        values.append(value)
        rest = rest.lstrip()[end:].lstrip().removeprefix(",")
    return dict(zip(("labels", "fields", "filters", "active"), values, strict=True))


def _shown_ids(body: str) -> set[int]:
    return {int(pk) for pk in re.findall(r"/worklog/show/(\d+)", body)}


def _logs_of(application: Flask, project_id: int) -> set[int]:
    with application.app_context(), system():
        return set(db.session.scalars(select(WorkLog.id).where(
            WorkLog.project_id == project_id)))


def _project(application: Flask, own: bool) -> tuple[int, str]:
    """A project of unit1's unit (``own``) or of another unit: (id, name)."""
    with application.app_context(), system():
        sm = application.appbuilder.sm  # type: ignore[attr-defined]
        unit = sm.find_user(username="unit1").partner_unit_id
        where = Project.partner_unit_id == unit if own else Project.partner_unit_id != unit
        found = db.session.execute(select(Project.id, Project.name).where(where).where(
            Project.id.in_(select(WorkLog.project_id))).order_by(Project.id)).first()
        assert found is not None
        return found.id, found.name


@pytest.mark.parametrize(("username", "password"), USERS)
def test_search_form_reads_no_related_table(demo_app: Flask, username: str,
                                            password: str) -> None:
    client = demo_app.test_client()
    login(client, username, password)
    _get(demo_app, client, LIST)  # warm
    body, statements = _get(demo_app, client, LIST)
    whole = [sql[:120] for sql in statements for table in RELATIONS.values()
             if _reads_whole(sql, table)]
    assert not whole, f"statements reading a related table as a whole: {whole}"
    form = _search_form(body)
    for name in RELATIONS:
        field = form["fields"][name]
        assert "tx-remote-select" in field
        assert f'data-endpoint="/api/v1/{name.replace("_", "")}/choices/"' in field
        assert field.count("<option") == 1, field  # the empty choice alone
    with demo_app.app_context(), system():
        names = list(db.session.scalars(select(Project.name)))
    assert len(names) > 10
    assert not [n for n in names if f">{n}</option>" in body.replace("\\u003c", "<")
                .replace("\\u003e", ">")]


@pytest.mark.parametrize(("username", "password"), USERS)
def test_relation_filter_keeps_filtering_and_shows_the_name(
        demo_app: Flask, username: str, password: str) -> None:
    from views.list_links import filter_index

    with demo_app.test_request_context():
        equal = filter_index(WorkLog, "project", FilterRelationOneToManyEqual)
    assert equal == 0
    project_id, name = _project(demo_app, own=True)
    client = demo_app.test_client()
    login(client, username, password)
    body, statements = _get(demo_app, client, f"{LIST}&_flt_{equal}_project={project_id}")
    expected = _logs_of(demo_app, project_id)
    assert expected and _shown_ids(body) == expected
    form = _search_form(body)
    assert form["active"] == [["project", form["filters"]["project"][0], [str(project_id)]]]
    assert f'<option value="{project_id}">{name}</option>' in form["fields"]["project"]
    assert not [sql for sql in statements for t in RELATIONS.values() if _reads_whole(sql, t)]


def test_a_filter_on_a_record_out_of_sight_shows_no_name(demo_app: Flask) -> None:
    """unit1 opens a list filtered by another unit's project: no row, and the filter
    keeps the bare id (the project's name is not theirs to read)."""
    project_id, name = _project(demo_app, own=False)
    client = demo_app.test_client()
    login(client, "unit1", DEMO_PASSWORD)
    body, _sql = _get(demo_app, client, f"{LIST}&_flt_0_project={project_id}")
    assert not _shown_ids(body) & _logs_of(demo_app, project_id)
    field = _search_form(body)["fields"]["project"]
    assert f'<option value="{project_id}">#{project_id}</option>' in field
    assert name not in field


def test_a_filter_the_user_cannot_search_is_not_offered(demo_app: Flask) -> None:
    """A partner unit may not read volunteers: their points list offers no volunteer
    filter (the server search would refuse it), but still the unit filter."""
    client = demo_app.test_client()
    login(client, "unit1", DEMO_PASSWORD)
    body, _sql = _get(demo_app, client, "/pointsentry/list/")
    labels = _search_form(body)["labels"]
    assert "partner_unit" in labels and "volunteer" not in labels
    admin = demo_app.test_client()
    login(admin)
    body, _sql = _get(demo_app, admin, "/pointsentry/list/")
    assert "volunteer" in _search_form(body)["labels"]


def test_dictionary_filter_searches_retired_entries_too(demo_app: Flask) -> None:
    """A search form finds records by a dictionary entry no longer in use; a form to
    fill in offers only the entries in use."""
    from models.dictionary import DictItem

    with demo_app.app_context(), system():
        item = db.session.scalar(select(DictItem).where(DictItem.kind == "demand_category"))
        item.active = False
        db.session.commit()
        name = item.name
    try:
        client = demo_app.test_client()
        login(client)
        body, _sql = _get(demo_app, client, "/demand/list/")
        field = _search_form(body)["fields"]["category"]
        url = "/api/v1/dictitem/choices/?kind=demand_category&inactive=1"
        assert f'data-endpoint="{url.replace("&", "&amp;")}"' in field
        found = client.get(f"{url}&q={name}").json["results"]
        assert name in [r["text"] for r in found]
        offered = client.get(f"/api/v1/dictitem/choices/?kind=demand_category&q={name}")
        assert name not in [r["text"] for r in offered.json["results"]]
    finally:
        with demo_app.app_context(), system():
            db.session.get(DictItem, item.id).active = True
            db.session.commit()
