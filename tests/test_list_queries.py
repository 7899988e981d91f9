"""No list page runs a query per row: on a database holding the demo data set, every
generated list page runs as many SQL statements for one row as for a full page, for the
system administrator and for a partner unit's contact (issue 9: no N+1)."""

from __future__ import annotations

import pytest
from conftest import DEMO_PASSWORD, PASSWORD, login, statements
from flask import Flask
from sqlalchemy import func, inspect, select

import models
from app.extensions import db
from app.scoping import system


def _statements(application: Flask, client: object, url: str) -> int:
    with statements(application) as seen:
        resp = client.get(url)  # type: ignore[attr-defined]
    assert resp.status_code == 200, (url, resp.status_code)
    return len(seen)


@pytest.mark.parametrize(("username", "password"), [("admin", PASSWORD),
                                                   ("unit1", DEMO_PASSWORD)])
def test_list_pages_run_no_query_per_row(demo_app: Flask, username: str,
                                         password: str) -> None:
    client = demo_app.test_client()
    login(client, username, password)
    sm = demo_app.appbuilder.sm
    checked, growing = 0, []
    for model in models.registry():
        with demo_app.test_request_context():
            user = sm.find_user(username=username)
            if not sm._has_view_access(user, "can_read", model.__resource__):
                continue
        with demo_app.app_context(), system():
            if db.session.scalar(select(func.count()).select_from(model)) < 3:
                continue
        view = f"{model.__name__}View"
        base = f"/{model.__resource__}/list/?psize_{view}="
        _statements(demo_app, client, base + "1")  # warm
        one, page = (_statements(demo_app, client, base + size) for size in ("1", "25"))
        checked += 1
        # a relation all of whose shown rows are empty needs no query: at most one more
        # query per listed relation, never one per row
        relations = [c for c in model.__list_columns__ if c in inspect(model).relationships]
        if page > one + len(relations):
            growing.append(f"{model.__resource__}: {one} → {page}")
    assert checked >= 5, f"only {checked} lists with rows to compare"
    assert not growing, "statements grow with the rows shown: " + "; ".join(growing)
