"""The ``tongxin`` console script, run in-process with click's CliRunner.

Every test gets its own instance folder and its own empty database: a SQLite file in
``tmp_path``, or, when ``DATABASE_URL`` names a PostgreSQL server, a throw-away database
on that server (the session fixtures keep the shared test database to themselves).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import csrf_token, throwaway_database
from flask import Flask
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

from app import create_app
from app.cli import main
from app.extensions import db
from app.policy import ADMIN, COMMUNITY, GRID, ROLES, SOCIAL, STREET, UNIT

Run = Callable[..., Result]

UNIT_TYPES = {"机关单位", "学校", "企业", "商户", "社会组织", "驻区单位"}
DEMO_ACCOUNTS = {"admin": ADMIN, "street1": STREET, "community1": COMMUNITY, "grid1": GRID,
                 "unit1": UNIT, "unit2": UNIT, "social1": SOCIAL}
ORG_TABLES = ("street", "community", "grid", "partner_unit", "partner_unit_community",
              "social_work_station", "station_community", "dict_item", "ab_user")


@pytest.fixture
def cli_db(tmp_path: Path) -> Iterator[str]:
    """URL of an empty database of this test only."""
    with throwaway_database(tmp_path) as url:
        yield url


@pytest.fixture
def engine(cli_db: str) -> Iterator[Engine]:
    eng = create_engine(cli_db)
    yield eng
    eng.dispose()


@pytest.fixture
def run(cli_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """``run("init", TONGXIN_ADMIN_PASSWORD="…")``: invoke the CLI with a clean environment."""
    monkeypatch.setenv("TONGXIN_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", cli_db)
    monkeypatch.setenv("TONGXIN_MODE", "test")
    for name in ("SECRET_KEY", "TONGXIN_ADMIN_PASSWORD", "TONGXIN_DEMO_PASSWORD"):
        monkeypatch.delenv(name, raising=False)

    def invoke(*args: str, **env: str) -> Result:
        return CliRunner().invoke(main, list(args), env=env)

    return invoke


@pytest.fixture
def portal(cli_db: str, tmp_path: Path) -> Iterator[Callable[[], Flask]]:
    """``portal()``: the portal on the test's database, built once the CLI has run."""
    apps: list[Flask] = []

    def build() -> Flask:
        if not apps:
            apps.append(create_app({"mode": "test", "instance_dir": str(tmp_path / "portal"),
                                    "database_url": cli_db}))
        return apps[0]

    yield build
    for application in apps:
        with application.app_context():
            db.engine.dispose()


def logs_in(application: Flask, username: str, password: str) -> bool:
    """True if the real login form accepts ``username`` / ``password``. (A refused login
    redirects too, so look at the session rather than at the status code.)"""
    client = application.test_client()
    resp = client.post("/login/", data={"username": username, "password": password,
                                        "csrf_token": csrf_token(client, "/login/")})
    assert resp.status_code == 302
    with client.session_transaction() as session:
        return session.get("_user_id") is not None


def count_rows(eng: Engine) -> dict[str, int]:
    with eng.connect() as conn:
        return {t: conn.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one()
                for t in sorted(inspect(conn).get_table_names())}


def scalar(eng: Engine, sql: str, **params: object) -> object:
    with eng.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def test_init_creates_roles_and_an_admin_who_can_log_in(
    run: Run, portal: Callable[[], Flask]
) -> None:
    result = run("init", TONGXIN_ADMIN_PASSWORD="Init#Pass2026")
    assert result.exit_code == 0, result.output
    app = portal()
    assert "已创建管理员 / admin created: admin" in result.output
    assert "数据库已就绪" in result.output
    with app.app_context():
        sm = app.appbuilder.sm  # type: ignore[attr-defined]
        for role in (ADMIN, *ROLES):
            assert sm.find_role(role) is not None, role
        admin = sm.find_user(username="admin")
        assert admin is not None
        assert [r.name for r in admin.roles] == [ADMIN]
    assert logs_in(app, "admin", "Init#Pass2026")
    assert not logs_in(app, "admin", "wrong-password")


def test_init_again_keeps_the_admin(run: Run, engine: Engine) -> None:
    assert run("init", TONGXIN_ADMIN_PASSWORD="Init#Pass2026").exit_code == 0
    again = run("init")  # no password needed: the admin exists
    assert again.exit_code == 0, again.output
    assert "已创建" not in again.output
    assert scalar(engine, "SELECT COUNT(*) FROM ab_user") == 1


def test_init_without_password_and_terminal_refuses(run: Run, engine: Engine) -> None:
    result = run("init")  # CliRunner's stdin is not a terminal
    assert result.exit_code != 0
    assert "请设置 TONGXIN_ADMIN_PASSWORD" in result.output
    assert "Set TONGXIN_ADMIN_PASSWORD" in result.output
    assert scalar(engine, "SELECT COUNT(*) FROM ab_user") == 0


@pytest.mark.parametrize("command", ["init", "run", "demo"])
def test_production_without_secret_key_refuses_to_start(
    command: str, run: Run, cli_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_start(*args: object, **kwargs: object) -> None:
        raise AssertionError("the portal started without SECRET_KEY")

    monkeypatch.setattr("app.cli.subprocess.call", must_not_start)
    monkeypatch.setattr(Flask, "run", must_not_start)
    result = run(command, TONGXIN_MODE="production", TONGXIN_ADMIN_PASSWORD="x" * 12)
    assert result.exit_code == 1, result.output
    assert "未设置 SECRET_KEY" in result.output
    assert "SECRET_KEY is not set" in result.output
    assert "Traceback" not in result.output
    if cli_db.startswith("sqlite"):
        assert not (tmp_path / "cli.db").exists()


def test_demo_is_complete_and_idempotent(
    run: Run, engine: Engine, portal: Callable[[], Flask]
) -> None:
    password = "Demo#Pass2026"
    first = run("demo", TONGXIN_MODE="demo", TONGXIN_DEMO_PASSWORD=password)
    assert first.exit_code == 0, first.output
    after_first = count_rows(engine)

    # the data set has the size and shape asked for
    assert after_first["street"] == 3
    assert after_first["community"] == 12
    assert 35 <= after_first["grid"] <= 45
    assert 55 <= after_first["partner_unit"] <= 65
    assert 2 <= after_first["social_work_station"] <= 3
    with engine.connect() as conn:
        types = set(conn.execute(text(
            "SELECT DISTINCT d.name FROM partner_unit p JOIN dict_item d "
            "ON d.id = p.unit_type_id WHERE d.kind = 'unit_type'")).scalars())
        assert types == UNIT_TYPES
        assert conn.execute(text(
            "SELECT COUNT(*) FROM grid WHERE households NOT BETWEEN 300 AND 500 "
            "OR worker_name IS NULL")).scalar() == 0
        phones = conn.execute(text("SELECT worker_phone FROM grid")).scalars().all()
        assert all(re.fullmatch(r"1[3-9]\d{9}", p) for p in phones), phones
        low, high, bound = conn.execute(text(
            "SELECT MIN(n), MAX(n), COUNT(*) FROM (SELECT COUNT(*) AS n "
            "FROM partner_unit_community GROUP BY partner_unit_id) AS links")).one()
        assert 1 <= low <= high <= 3 and bound == after_first["partner_unit"]
        assert conn.execute(text(
            "SELECT COUNT(*) FROM partner_unit p JOIN dict_item d ON d.id = p.unit_type_id "
            "WHERE d.name = '社会组织' AND p.grade_id IS NOT NULL")).scalar_one() > 0
        assert conn.execute(text(
            "SELECT COUNT(*) FROM partner_unit WHERE dual_report")).scalar_one() > 0
        # a user's last name names the org the account stands for
        names: dict[str, str] = dict(
            conn.execute(text("SELECT username, last_name FROM ab_user")).all())
        roles: dict[str, str] = dict(conn.execute(text(
            "SELECT u.username, r.name FROM ab_user u JOIN ab_user_role ur ON ur.user_id = u.id "
            "JOIN ab_role r ON r.id = ur.role_id")).all())
        community = conn.execute(text(
            "SELECT c.id FROM community c JOIN street s ON s.id = c.street_id "
            "WHERE s.name || c.name = :n"), {"n": names["community1"]}).scalar_one()
        served = [conn.execute(text(
            "SELECT l.community_id FROM partner_unit p JOIN partner_unit_community l "
            "ON l.partner_unit_id = p.id WHERE p.name = :n"), {"n": names[u]}).scalars().all()
            for u in ("unit1", "unit2")]
    assert names["unit1"] != names["unit2"]
    assert all(community in ids for ids in served)
    assert roles == DEMO_ACCOUNTS
    assert "street1" in first.output and "南圪洞街道" in first.output

    # run 2 changes nothing
    second = run("demo", TONGXIN_MODE="demo", TONGXIN_DEMO_PASSWORD=password)
    assert second.exit_code == 0, second.output
    after_second = count_rows(engine)
    assert {t: after_second[t] for t in ORG_TABLES} == {t: after_first[t] for t in ORG_TABLES}
    assert after_second == after_first

    for username in DEMO_ACCOUNTS:
        assert logs_in(portal(), username, password), username


def test_demo_keeps_edits_and_restores_only_what_is_missing(
    run: Run, engine: Engine
) -> None:
    assert run("demo", TONGXIN_MODE="demo").exit_code == 0
    before = count_rows(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE grid SET worker_name = '新网格员', households = 321"))
        conn.execute(text("UPDATE partner_unit SET contact_person = '新联系人'"))
        conn.execute(text("DELETE FROM partner_unit_community WHERE partner_unit_id = "
                          "(SELECT MIN(id) FROM partner_unit)"))
        conn.execute(text("UPDATE ab_user SET first_name = '改过' WHERE username = 'grid1'"))
        gone = conn.execute(text("SELECT MAX(id) FROM grid")).scalar()
        conn.execute(text("DELETE FROM grid WHERE id = :id"), {"id": gone})
    result = run("demo", TONGXIN_MODE="demo")
    assert result.exit_code == 0, result.output
    after = count_rows(engine)
    assert after["grid"] == before["grid"]  # the deleted grid is back
    links = before["partner_unit_community"] - after["partner_unit_community"]
    assert links > 0  # the admin's unbinding stays
    assert scalar(engine, "SELECT COUNT(*) FROM grid WHERE worker_name = '新网格员'") \
        == before["grid"] - 1
    assert scalar(engine, "SELECT COUNT(*) FROM partner_unit WHERE contact_person <> '新联系人'") \
        == 0
    assert scalar(engine, "SELECT first_name FROM ab_user WHERE username = 'grid1'") == "改过"


def test_check_reports_no_issues(run: Run) -> None:
    result = run("check")
    assert result.exit_code == 0, result.output
    assert "System check identified no issues." in result.output
    assert "检查通过" in result.output


def test_init_gives_existing_roles_the_permissions_of_new_views(tmp_path: Path) -> None:
    """An upgrade adds declared permissions on views it brings, and keeps admin edits."""
    from app.bootstrap import init_database
    from app.scoping import system

    portal = create_app({"mode": "test", "instance_dir": str(tmp_path),
                         "database_url": f"sqlite:///{tmp_path / 'upgrade.db'}"})
    init_database(portal)
    with portal.app_context(), system():
        sm = portal.appbuilder.sm
        role = sm.find_role(COMMUNITY)
        role.permissions.remove(sm.find_permission_view_menu("can_read", "street"))
        view = sm.find_view_menu("demand")  # as if "demand" came with this upgrade
        for pv in sm.session.query(sm.permissionview_model).filter_by(view_menu=view):
            for holder in sm.get_all_roles():
                if pv in holder.permissions:
                    holder.permissions.remove(pv)
            sm.session.delete(pv)
        sm.session.flush()
        sm.session.delete(view)
        sm.session.commit()
    init_database(portal)
    with portal.app_context(), system():
        sm = portal.appbuilder.sm
        names = {(p.permission.name, p.view_menu.name) for p in
                 sm.find_role(COMMUNITY).permissions}
        assert ("can_read", "demand") in names
        assert ("can_read", "street") not in names


def test_upgrade_fills_the_days_demands_reached_their_states(portal: Callable[[], Flask],
                                                             engine: Engine) -> None:
    """The dashboard's migration dates each demand from its timeline, in Beijing time
    (published at 01:00 on 1 November is November's), also when it has been closed since;
    without a timeline entry, the day it was last changed."""
    from app.bootstrap import migrate_to

    application = portal()
    with application.app_context():
        migrate_to(application, "c7a1d1700003")
    demand = ("INSERT INTO demand (id, title, source, urgency, status, created_on, changed_on,"
              " version) VALUES (:id, '迁移需求', 'visit', 'normal', :status, :at, :at, 1)")
    change = ("INSERT INTO state_change (resource, record_id, transition, transition_label,"
              " to_state, to_label, at) VALUES ('demand', :id, :name, :name, :to, :to, :at)")
    with engine.begin() as conn:
        for pk, status in ((1, "claimed"), (2, "closed"), (3, "completed")):
            conn.execute(text(demand), {"id": pk, "status": status, "at": "2026-11-20 03:00:00"})
        conn.execute(text(change), {"id": 1, "name": "publish", "to": "published",
                                    "at": "2026-10-31 17:00:00"})  # 01:00 Beijing, 1 Nov
        conn.execute(text(change), {"id": 1, "name": "claim", "to": "claimed",
                                    "at": "2026-11-02 02:00:00"})
        conn.execute(text(change), {"id": 2, "name": "publish", "to": "published",
                                    "at": "2026-11-05 02:00:00"})
    with application.app_context():
        migrate_to(application)
    with engine.connect() as conn:
        days = {row[0]: tuple(str(d)[:10] if d else None for d in row[1:]) for row in
                conn.execute(text("SELECT id, published_on, claimed_on, completed_on "
                                  "FROM demand ORDER BY id"))}
    assert days == {1: ("2026-11-01", "2026-11-02", None),
                    2: ("2026-11-05", None, None),
                    3: ("2026-11-20", "2026-11-20", "2026-11-20")}
