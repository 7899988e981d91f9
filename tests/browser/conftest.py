"""Browser fixtures: the test app served over HTTP, Debian's Chromium through Playwright.

The suite fails (it never skips) when Chromium is missing: install Debian's ``chromium``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSWORD
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"  # Debian's package; never a downloaded browser
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

COMMUNITY_USER = "community1"
UNIT_TYPE = "学校"
STREET = "浏览器测试街道"
COMMUNITY = "浏览器测试社区"
OTHER_UNIT = "对照共建单位（浏览器测试）"
UNIT_USER = "unit1"
UNIT = "浏览器测试共建单位"
DEMAND_CATEGORY = "助老"


#: Whether a test's call phase failed (read by the ``page`` fixture's teardown).
_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


@dataclass(frozen=True)
class Seed:
    """Rows the browser tests rely on."""

    username: str
    password: str
    unit_type: str
    community: str
    other_unit: str
    unit_username: str = UNIT_USER
    unit: str = UNIT
    demand_category: str = DEMAND_CATEGORY


@pytest.fixture(scope="session")
def seed(app: Flask) -> Seed:
    """A unit type, a community with two units, the community worker bound to the
    community and a unit's contact person (``unit1``) bound to the second unit."""
    from app.extensions import db
    from app.policy import COMMUNITY as COMMUNITY_ROLE
    from app.policy import UNIT as UNIT_ROLE
    from app.scoping import system
    from models.dictionary import DictItem
    from models.org import Community, PartnerUnit, Street

    with app.app_context(), system():  # set-up sees every row, whatever the scope
        session = db.session
        if session.scalar(select(DictItem).where(DictItem.kind == "unit_type",
                                                 DictItem.name == UNIT_TYPE)) is None:
            session.add(DictItem(kind="unit_type", name=UNIT_TYPE, code="school", active=True))
        street = session.scalar(select(Street).where(Street.name == STREET))
        if street is None:
            street = Street(name=STREET, district="测试区")
            session.add(street)
        community = session.scalar(select(Community).where(Community.name == COMMUNITY))
        if community is None:
            community = Community(name=COMMUNITY, street=street)
            session.add(community)
        if session.scalar(select(PartnerUnit).where(PartnerUnit.name == OTHER_UNIT)) is None:
            session.add(PartnerUnit(name=OTHER_UNIT, contact_person="王对照",
                                    communities=[community]))
        if session.scalar(select(DictItem).where(DictItem.kind == "demand_category",
                                                 DictItem.name == DEMAND_CATEGORY)) is None:
            session.add(DictItem(kind="demand_category", name=DEMAND_CATEGORY, code="elderly",
                                 active=True))
        unit = session.scalar(select(PartnerUnit).where(PartnerUnit.name == UNIT))
        if unit is None:
            unit = PartnerUnit(name=UNIT, contact_person="赵联络", communities=[community])
            session.add(unit)
        session.commit()

        sm = app.appbuilder.sm
        user = sm.find_user(username=COMMUNITY_USER)
        if user is None:
            role = sm.find_role(COMMUNITY_ROLE)
            assert role is not None, f"role {COMMUNITY_ROLE} missing: did init_database run?"
            user = sm.add_user(COMMUNITY_USER, "社区", "工作者", "community1@tongxin.local",
                               role, password=PASSWORD)
            assert user, f"could not create {COMMUNITY_USER}"
        if user.community_id is None:
            user.community_id = community.id  # a community worker works for one community
            session.commit()
        contact = sm.find_user(username=UNIT_USER)
        if contact is None:
            contact = sm.add_user(UNIT_USER, "赵", "联络员", "unit1@tongxin.local",
                                  sm.find_role(UNIT_ROLE), password=PASSWORD)
            assert contact, f"could not create {UNIT_USER}"
        if contact.partner_unit_id is None:
            contact.partner_unit_id = unit.id  # a unit's contact works for its unit
            session.commit()
    return Seed(COMMUNITY_USER, PASSWORD, UNIT_TYPE, COMMUNITY, OTHER_UNIT)


@pytest.fixture(scope="session")
def live_server(app: Flask, seed: Seed) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port) in a background thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="tongxin-live-server",
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless (never a downloaded browser)."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's package "
            "(apt-get install chromium fonts-wqy-microhei).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, live_server: str, output_dir: Path,
         request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh Chinese browser context and page; a screenshot is kept when the test fails."""
    context = browser.new_context(base_url=live_server, locale="zh-CN",
                                  timezone_id="Asia/Shanghai",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield tab
        if request.node.stash.get(_FAILED, False):
            name = request.node.name.replace("/", "_")
            tab.screenshot(path=str(output_dir / f"FAILED-{name}.png"), full_page=True)
        assert not errors, f"JavaScript errors on the page: {errors}"
    finally:
        context.close()
