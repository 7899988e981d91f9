"""Shared fixtures: one migrated database per test session (SQLite, or PostgreSQL when
``DATABASE_URL`` says so), the app, a client, and a login helper that fills CSRF tokens."""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.exc import ProgrammingError

from app import create_app
from app.bootstrap import ensure_admin, init_database, wipe_postgres_schema

PASSWORD = "Tongxin@2026"
CSRF = re.compile(r'name="csrf_token"[^>]* value="([^"]+)"')
#: a full mainland mobile or 18-digit ID number standing alone (a masked one has ****)
FULL_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:1[3-9]\d{9}|\d{17}[\dXx])(?![0-9A-Za-z])")
#: every response of the run that showed a partner-unit user or a grid worker a full number
LEAKS: list[str] = []


def full_numbers(body: str) -> list[str]:
    """The full phone and ID numbers in ``body``."""
    return FULL_NUMBER.findall(body)


def watch_personal_data(app: Flask) -> None:
    """Scan every response a partner-unit user or a grid worker gets in the whole run —
    pages read, API calls, browser tests — for a full phone or ID number. Not scanned:
    the logged reveal itself (``/personal/``) and a form posted back with what the user
    typed."""
    from flask import request
    from flask_login import current_user

    from models.roles import GRID, UNIT

    @app.after_request
    def scan(response: Any) -> Any:
        if request.path.startswith("/personal/") or response.direct_passthrough or \
                response.mimetype not in ("text/html", "application/json") or \
                (request.method != "GET" and not request.path.startswith("/api/")):
            return response
        roles = {role.name for role in getattr(current_user, "roles", None) or []}
        if roles & {UNIT, GRID}:
            found = full_numbers(response.get_data(as_text=True))
            if found:
                LEAKS.append(f"{current_user.username} {request.method} {request.full_path}: "
                             f"{sorted(set(found))}")
        return response


@pytest.fixture(scope="session", autouse=True)
def no_full_number_shown_to_units_or_grid_workers() -> Iterator[None]:
    """Fails the run when any response scanned by :func:`watch_personal_data` leaked."""
    yield
    assert not LEAKS, "full personal numbers shown:\n" + "\n".join(LEAKS)


@contextmanager
def statements(app: Flask) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements (with their parameters) ``app`` runs while the block runs."""
    from app.extensions import db

    seen: list[tuple[str, Any]] = []

    def note(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


@contextmanager
def throwaway_database(folder: Path) -> Iterator[str]:
    """URL of an empty database of one test or module: a SQLite file in ``folder``, or,
    when ``DATABASE_URL`` names a PostgreSQL server, a database made on that server and
    dropped afterwards (the session fixtures keep the shared test database to themselves)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        yield f"sqlite:///{folder / 'own.db'}"
        return
    name = f"tongxin_own_{uuid.uuid4().hex[:12]}"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        drop_database(server, name)
        server.dispose()


def drop_database(server: Any, name: str) -> None:
    """Drop PostgreSQL database ``name`` and whatever is still connected to it. The
    server's autovacuum may be at work in it right then (a process our role may not
    end): that takes a moment, so the drop is tried again."""
    for attempt in range(20):
        try:
            with server.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except ProgrammingError:
            if attempt == 19:
                raise
            time.sleep(0.5)


#: password of the demo accounts in the demo databases of :func:`demo_app`
DEMO_PASSWORD = "Demo#Pass2026"


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A portal of the test module's own over a fresh database holding the demo data set
    (``admin`` with :data:`PASSWORD`, the demo accounts with :data:`DEMO_PASSWORD`)."""
    from app.demo import load_demo
    from app.extensions import db
    from app.scoping import system

    folder = tmp_path_factory.mktemp("demo")
    with throwaway_database(folder) as url:
        application = create_app({"mode": "test", "instance_dir": str(folder / "instance"),
                                  "database_url": url})
        init_database(application)
        ensure_admin(application, "admin", PASSWORD)
        with application.app_context(), system():
            load_demo(DEMO_PASSWORD)
        yield application
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        wipe_postgres_schema(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'tongxin-test.db'}"


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    instance = tmp_path_factory.mktemp("instance")
    application = create_app({"mode": "test", "instance_dir": str(instance),
                              "database_url": database_url})
    init_database(application)
    ensure_admin(application, "admin", PASSWORD)
    watch_personal_data(application)
    return application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_token(client: FlaskClient, url: str) -> str:
    """The CSRF token of the form at ``url``."""
    page = client.get(url)
    match = CSRF.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({page.status_code})"
    return match.group(1)


def login(client: FlaskClient, username: str = "admin", password: str = PASSWORD) -> None:
    """Log ``client`` in through the real login form."""
    resp = client.post("/login/", data={"username": username, "password": password,
                                        "csrf_token": csrf_token(client, "/login/")})
    assert resp.status_code == 302, f"login of {username} failed"
    assert "/login" not in resp.headers.get("Location", ""), f"login of {username} refused"
    # like a page's script calling the API with the session: the token in X-CSRFToken
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client, "/")


def bound_user(app: Flask, username: str, role: str, **binding: Any) -> None:
    """Create ``username`` with ``role`` and its organisation ``binding`` (street_id,
    community_id, grids, partner_unit_id, station_id) unless it exists. Call it inside
    ``app.app_context()`` and ``app.scoping.system()``."""
    from app.extensions import db

    sm = app.appbuilder.sm  # type: ignore[attr-defined]
    if sm.find_user(username=username) is not None:
        return
    user = sm.add_user(username, "测试", "用户", f"{username}@tongxin.test",
                       sm.find_role(role), password=PASSWORD)
    for key, value in binding.items():
        setattr(user, key, value)
    db.session.commit()


@pytest.fixture
def admin_client(client: FlaskClient) -> Iterator[FlaskClient]:
    login(client)
    yield client


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Where tests leave files for people to look at (screenshots)."""
    path = Path(os.environ.get("TONGXIN_TEST_OUTPUT", "test-output"))
    path.mkdir(parents=True, exist_ok=True)
    return path
