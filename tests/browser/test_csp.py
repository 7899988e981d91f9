"""The content security policy in a real browser: the main pages work under it with no
violation in the console; deleting, a bulk action and logging out work as POST forms
with their confirmation; a script saved in a record never runs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.scoping import system
from models.cobuild import Demand
from models.org import Community, Street

from .conftest import Seed
from .test_cycle import accept_dialogs, log_out
from .test_partner_unit import LIST_TABLE, log_in

pytestmark = pytest.mark.browser

ATTACK = "<img src=x onerror=\"window.TX_PWNED=1\"><script>window.TX_PWNED=2</script>"


@pytest.fixture
def console(page: Any) -> Iterator[list[str]]:
    """Every console message about the content security policy, and failed requests
    (a blocked script, style, font or image fails)."""
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(msg.text)
            if "Content Security Policy" in msg.text or "Refused to" in msg.text else None)
    page.on("requestfailed", lambda req: messages.append(f"failed: {req.url} {req.failure}")
            if "ABORTED" not in (req.failure or "") else None)  # select2 drops stale asks
    yield messages


def _visit(page: Any, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof jQuery === 'function' && typeof window.TX_I18N === 'object'")


def test_main_pages_run_under_the_policy(page: Any, seed: Seed, app: Flask,
                                         console: list[str]) -> None:
    page.goto("/login/")
    page.wait_for_load_state("networkidle")
    log_in(page, seed.username, seed.password)
    with app.app_context(), system():
        demand = db.session.scalar(select(Demand).where(Demand.community.has(
            Community.name == seed.community)))
        if demand is None:
            community = db.session.scalar(select(Community).where(
                Community.name == seed.community))
            demand = Demand(title="策略测试需求", community=community,
                            street_id=community.street_id)
            db.session.add(demand)
            db.session.commit()
        pk = demand.id
    for url in ("/", "/todo/", "/demand/list/", f"/demand/show/{pk}", "/demand/import/"):
        _visit(page, url)
    _visit(page, "/partnerunit/add")  # select2 asks the server as one types
    page.locator("select#communities + .select2-container .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(seed.community[-2:])
    page.locator(".select2-container--open li.select2-results__option",
                 has_text=seed.community).first.wait_for(state="visible")
    _visit(page, "/demand/add")  # the date picker
    page.click("input#wanted_by")
    page.locator(".datepicker").first.wait_for(state="visible")
    assert not console, console
    policy = page.evaluate("fetch('/demand/list/').then(r => r.headers.get("
                           "'Content-Security-Policy'))")
    assert "script-src 'self' 'nonce-" in policy and "unsafe-eval" not in policy
    # the policy holds: a script put into the page without the nonce never runs
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate("() => { const s = document.createElement('script');"
                      " s.textContent = 'window.TX_INLINE = 1'; document.body.appendChild(s); }")
    assert page.evaluate("window.TX_INLINE === undefined")


def test_admin_pages_and_api_documentation_run_under_the_policy(
        page: Any, seed: Seed, console: list[str]) -> None:
    log_in(page, "admin", seed.password)
    for url in ("/users/list/", "/roles/list/", "/street/add", "/street/list/"):
        _visit(page, url)
    page.goto("/swagger/v1")
    page.locator("#swagger-ui .information-container, #swagger-ui .info").first.wait_for()
    assert not console, console


def _street(app: Flask, name: str) -> int:
    with app.app_context(), system():
        row = Street(name=name, district="策略区")
        db.session.add(row)
        db.session.commit()
        return row.id


def test_delete_from_the_list_asks_then_posts(page: Any, seed: Seed, app: Flask,
                                              console: list[str]) -> None:
    pk = _street(app, "策略删除街道")
    log_in(page, "admin", seed.password)
    page.goto("/street/list/?_flt_0_name=%E7%AD%96%E7%95%A5%E5%88%A0%E9%99%A4%E8%A1%97%E9%81%93")
    row = page.locator(f"{LIST_TABLE} tbody tr", has_text="策略删除街道")
    row.locator("a.confirm").click()  # the trash button
    dialog = page.locator("#modal-confirm")
    dialog.wait_for(state="visible")
    assert "确定" in dialog.inner_text() or "删除" in dialog.inner_text()
    with page.expect_request(lambda r: r.method == "POST" and f"/delete/{pk}" in r.url):
        with page.expect_navigation():
            page.click("#modal-confirm-ok")
    assert page.locator(".alert-success").count() == 1, page.locator(".alert").all_inner_texts()
    with app.app_context(), system():
        assert db.session.get(Street, pk) is None
    assert not console, console


def test_bulk_action_and_logout_post_with_their_token(page: Any, seed: Seed, app: Flask,
                                                      console: list[str]) -> None:
    with app.app_context(), system():
        community = db.session.scalar(select(Community).where(
            Community.name == seed.community))
        demand = Demand(title="策略批量发布需求", community=community,
                        street_id=community.street_id)
        db.session.add(demand)
        db.session.commit()
        pk = demand.id
    log_in(page, seed.username, seed.password)
    page.goto("/demand/list/?_flt_2_title=%E7%AD%96%E7%95%A5%E6%89%B9%E9%87%8F")
    page.locator(f"{LIST_TABLE} tbody tr", has_text="策略批量发布需求").locator(
        "input.action_check").check()
    page.locator(".well button.dropdown-toggle", has_text="操作").click()
    page.locator("a.publish_menu_item").click()
    ok = page.locator("#modal-confirm-ok")
    if ok.is_visible():
        with page.expect_navigation():
            ok.click()
    else:
        page.wait_for_load_state("networkidle")
    with app.app_context(), system():
        assert db.session.get(Demand, pk).status == "published"
    accept_dialogs(page)
    log_out(page)
    page.goto("/demand/list/")
    assert "/login" in page.url  # logged out for real
    assert not console, console


def test_a_saved_script_never_runs(page: Any, seed: Seed, app: Flask,
                                   console: list[str]) -> None:
    pk = _street(app, f"策略脚本街道{ATTACK}")
    with app.app_context(), system():
        db.session.get(Street, pk).note = ATTACK
        db.session.commit()
    dialogs = accept_dialogs(page)
    log_in(page, "admin", seed.password)
    for url in (f"/street/show/{pk}", f"/street/edit/{pk}",
                "/street/list/?_flt_2_name=%E7%AD%96%E7%95%A5%E8%84%9A%E6%9C%AC"):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.TX_PWNED === undefined"), url
        assert ATTACK in page.locator("body").inner_text() or url.endswith("edit/" + str(pk))
    assert not dialogs and not console, (dialogs, console)


def test_an_empty_search_row_is_left_out(page: Any, seed: Seed, console: list[str]) -> None:
    """A related-record search left empty is not sent (the server would refuse it)."""
    log_in(page, seed.username, seed.password)
    page.goto("/demand/list/")
    page.click("#accordion1 a.accordion-toggle")
    page.locator("#accordion1_href.in").wait_for()
    form = page.locator("#filter_form")
    form.locator("button.dropdown-toggle").click()
    form.locator("a.filter[name=community]").click()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "_flt_" not in page.url and "请求有误" not in page.title(), page.url
    assert not console, console
