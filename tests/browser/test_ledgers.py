"""The community ledgers in a real browser, as grid1 and unit1.

grid1 sees its grid's households with masked phone numbers, the overdue one highlighted
and on its to-do; records a visit and the flag clears; takes a resident request from
intake (派单, 签收办理, 办结) to 回访 with a satisfaction note. unit1 claims a published
micro-wish from its to-do and never reaches a household.
Screenshot: ``request.png`` (the closed request with its timeline).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from .conftest import COMMUNITY, Seed
from .test_cycle import (
    SHOW_PK,
    accept_dialogs,
    fire_with_form,
    log_out,
    open_from_todo,
    state,
    submit,
)
from .test_partner_unit import LIST_TABLE, choose_remote, log_in, unique_han

pytestmark = pytest.mark.browser

GRID_USER = "grid1"
GRID = "浏览器测试网格"
PHONE = "13912345678"


@pytest.fixture(scope="module")
def ledgers(app: Flask, seed: Seed) -> dict[str, str]:
    """grid1 bound to a grid of the seed community, an overdue household in it and a
    published micro-wish of the community."""
    from conftest import PASSWORD

    from app.extensions import db
    from app.policy import GRID as GRID_ROLE
    from app.scoping import system
    from models.org import Community, Grid
    from models.residents import Household, HouseholdTag
    from models.wishes import MicroWish

    head, wish = f"浏览器户主{unique_han(3)}", f"想要一台收音机{unique_han(3)}"
    with app.app_context(), system():
        session = db.session
        community = session.scalar(select(Community).where(Community.name == COMMUNITY))
        grid = session.scalar(select(Grid).where(Grid.name == GRID))
        if grid is None:
            grid = Grid(name=GRID, community=community, street=community.street)
            session.add(grid)
        tag = session.scalar(select(HouseholdTag).where(HouseholdTag.name == "浏览器高龄"))
        if tag is None:
            tag = HouseholdTag(name="浏览器高龄", colour="红", visit_every_days=30)
        long_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=60)
        session.add_all([
            Household(grid=grid, building="9", room=head[-3:], head_name=head, phone=PHONE,
                      tags=[tag], created_on=long_ago),
            MicroWish(title=wish, wisher="浏览器心愿人", community=community,
                      street=community.street, status="published")])
        session.commit()
        sm = app.appbuilder.sm
        user = sm.find_user(username=GRID_USER)
        if user is None:
            user = sm.add_user(GRID_USER, "网格", "员", "grid1@tongxin.local",
                               sm.find_role(GRID_ROLE), password=PASSWORD)
            assert user, f"could not create {GRID_USER}"
        user.grids = [grid]
        session.commit()
    return {"head": head, "address": f"9栋{head[-3:]}室", "wish": wish}


def household_row(page: Any, head: str) -> Any:
    page.goto("/household/list/?psize_HouseholdView=100")
    return page.locator(f"{LIST_TABLE} tbody tr", has_text=head)


def test_grid_worker_visits_an_overdue_household(page: Any, seed: Seed,
                                                 ledgers: dict[str, str]) -> None:
    head = ledgers["head"]
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    log_in(page, GRID_USER, seed.password)
    row = household_row(page, head)
    assert row.count() == 1
    text = row.inner_text()
    assert "139****5678" in text and PHONE not in page.content(), text
    assert row.locator(".tx-overdue").count() == 1, "an overdue visit is highlighted"
    household_pk = open_from_todo(page, "overdue_visits", ledgers["address"])

    page.goto("/visit/add")
    choose_remote(page, "household", head[-3:], ledgers["address"])
    page.locator("input#visited_on").press_sequentially(today)
    page.keyboard.press("Enter")
    page.fill("input#visitor", "网格员")
    page.fill("input#health", "身体硬朗，血压正常")
    page.fill("input#needs", "希望有人帮忙取药")
    submit(page)
    assert page.locator(".alert-success").count() == 1

    row = household_row(page, head)
    assert row.locator(".tx-overdue").count() == 0, "the visit cleared the overdue flag"
    page.goto("/todo/")
    assert page.locator(".tx-todo-kind[data-kind=overdue_visits] a",
                        has_text=ledgers["address"]).count() == 0
    page.goto(f"/household/show/{household_pk}")
    assert PHONE not in page.content()


def test_grid_worker_takes_a_request_from_intake_to_visit_back(
        page: Any, seed: Seed, ledgers: dict[str, str], output_dir: Path) -> None:
    subject = f"楼道灯不亮{unique_han(4)}"
    log_in(page, GRID_USER, seed.password)
    page.goto("/residentrequest/add")
    page.fill("input#subject", subject)
    page.fill("textarea#content", "三单元二楼到五楼的楼道灯坏了一周，老人晚上上下楼不方便。")
    page.fill("input#requester", "刘阿姨")
    page.fill("input#requester_phone", "13712345678")
    page.fill("input#assignee", "物业维修员")
    submit(page)
    assert page.locator(".alert-success").count() == 1
    page.goto("/residentrequest/list/")
    with page.expect_navigation():
        page.locator(f"{LIST_TABLE} tbody tr", has_text=subject).locator(
            "a[href*='/residentrequest/show/']").first.click()
    assert SHOW_PK.search(page.url)
    assert state(page) == "已受理"
    assert "137****5678" in page.content() and "13712345678" not in page.content()

    fire_with_form(page, "派单", "请物业两天内修好。")
    assert state(page) == "已派单"
    with page.expect_navigation():
        page.locator(".tx-transitions button", has_text="签收办理").click()
    assert state(page) == "办理中"
    fire_with_form(page, "记录进展", "已采购灯泡。")
    assert state(page) == "办理中"
    fire_with_form(page, "办结", "更换了四个楼层的声控灯。")
    assert state(page) == "已办结"
    fire_with_form(page, "回访", "刘阿姨说晚上亮堂了，很满意。", rating=5)
    assert state(page) == "已回访"

    body = page.locator("body").inner_text()
    assert "非常满意" in body and "刘阿姨说晚上亮堂了，很满意。" in body
    assert "更换了四个楼层的声控灯。" in body  # the result
    steps = page.locator(".tx-timeline li.list-group-item").all_inner_texts()
    assert [s.split()[2] for s in steps] == ["派单", "签收办理", "记录进展", "办结", "回访"], steps
    assert "已采购灯泡。" in steps[2]
    page.screenshot(path=str(output_dir / "request.png"), full_page=True)
    log_out(page)


def test_unit_claims_a_wish_but_never_sees_a_household(page: Any, seed: Seed,
                                                       ledgers: dict[str, str]) -> None:
    dialogs = accept_dialogs(page)
    log_in(page, seed.unit_username, seed.password)
    open_from_todo(page, "claim_wishes", ledgers["wish"])
    assert state(page) == "已发布"
    with page.expect_navigation():
        page.locator(".tx-transitions button", has_text="认领").click()
    assert dialogs and "认领" in dialogs[-1], dialogs
    assert page.locator(".alert-success").count() == 1
    assert state(page) == "已认领"
    assert seed.unit in page.locator("body").inner_text()

    for url in ("/household/list/", "/member/list/", "/visit/list/", "/api/v1/household/"):
        response = page.goto(url)
        assert response is not None
        assert ledgers["head"] not in page.content(), url
        assert response.status in (403, 404) or "/login" in page.url or \
            page.locator(".alert-danger").count() >= 1, (url, response.status)
    assert page.locator("a[href*='/household/list/']").count() == 0, "no household menu"
