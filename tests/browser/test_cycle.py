"""The co-building cycle end to end, in a real browser, as community1 and unit1.

需求 (added through the form) → 发布 → the unit sees it on 我的待办 → 认领 (a confirm
dialog) → its project → 服务记录 (the form) → 退回 with a reason → the unit sees the returned
log on its to-do and 重新提交 → 通过 with a 评分 → the log's 办理记录 lists every step.
Screenshots: ``todo.png`` (the unit's to-do page) and ``timeline.png`` (the log's page).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from .conftest import Seed
from .test_partner_unit import LIST_TABLE, choose_remote, log_in, unique_han

pytestmark = pytest.mark.browser

SHOW_PK = re.compile(r"/show/(\d+)")


def log_out(page: Any) -> None:
    """退出 from the user menu (a POST: the address alone does not log out)."""
    page.locator(".navbar-right a.dropdown-toggle:has(.fa-user)").click()
    with page.expect_navigation():
        page.click("form.tx-logout button")
    page.goto("/login/")
    assert page.locator("input#username").count() == 1


def submit(page: Any, selector: str = "#model_form [type=submit]") -> None:
    with page.expect_navigation():
        page.click(selector)
    assert page.locator(".alert-danger, .has-error").count() == 0, \
        page.locator(".alert, .has-error").all_inner_texts()


def state(page: Any) -> str:
    return page.locator(".tx-transitions .tx-state strong").inner_text().strip()


def todo_panel(page: Any, kind: str) -> Any:
    return page.locator(f".tx-todo-kind[data-kind={kind}]")


def open_from_todo(page: Any, kind: str, title: str) -> int:
    """Open the record ``title`` from the to-do page's panel ``kind``; return its id."""
    page.goto("/todo/")
    link = todo_panel(page, kind).locator("a", has_text=title)
    assert link.count() == 1, todo_panel(page, kind).all_inner_texts()
    with page.expect_navigation():
        link.click()
    match = SHOW_PK.search(page.url)
    assert match, page.url
    return int(match.group(1))


def accept_dialogs(page: Any) -> list[str]:
    """Accept every confirm dialog of ``page``; the returned list collects their texts."""
    dialogs: list[str] = []

    def accept(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    return dialogs


def fire_with_form(page: Any, label: str, note: str, rating: int | None = None) -> None:
    """A transition that asks for input: its button opens a form (备注, 评分)."""
    with page.expect_navigation():
        page.locator(".tx-transitions a.btn", has_text=label).click()
    assert "/transition/" in page.url
    page.fill("textarea#note", note)
    if rating is not None:
        assert page.locator("label[for=rating]").inner_text().startswith("评分")
        page.fill("input#rating", str(rating))
    submit(page, "form.tx-transition-form button[type=submit]")
    assert page.locator(".alert-success").count() == 1


def test_demand_claim_log_review_cycle(page: Any, seed: Seed, output_dir: Path) -> None:
    title = f"独居老人上门理发{unique_han(4)}"
    summary = f"为{title[-4:]}号楼三位老人理发"
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    dialogs = accept_dialogs(page)

    # 1. 社区工作者: a demand through the form, published from its detail page
    log_in(page, seed.username, seed.password)
    page.goto("/demand/add")
    page.fill("input#title", title)
    choose_remote(page, "category", seed.demand_category, seed.demand_category)
    page.fill("textarea#description", "三位独居老人行动不便，希望每月有人上门理发。")
    choose_remote(page, "community", seed.community[-4:], seed.community)
    page.fill("input#beneficiaries", "3")
    submit(page)
    assert page.locator(".alert-success").count() == 1
    page.goto("/demand/list/")
    row = page.locator(f"{LIST_TABLE} tbody tr", has_text=title)
    with page.expect_navigation():
        row.locator("a[href*='/demand/show/']").first.click()
    demand_pk = int(SHOW_PK.search(page.url).group(1))  # type: ignore[union-attr]
    assert state(page) == "草稿"
    with page.expect_navigation():
        page.locator(".tx-transitions button", has_text="发布").click()
    assert page.locator(".alert-success").count() == 1
    assert state(page) == "已发布"
    log_out(page)

    # 2. 共建单位: the demand waits on the to-do page; claim it, see its project, log work
    log_in(page, seed.unit_username, seed.password)
    assert todo_panel(page, "claim_demands").locator("a", has_text=title).count() == 1, \
        "the home page after login starts with the to-do list"
    page.goto("/todo/")
    assert page.locator(".tx-todo-badge").count() == 1
    counted = page.locator(".tx-todo-badge").inner_text()
    page.goto("/demand/list/")  # a page that leaves the count to its script
    expect(page.locator(".tx-todo-badge")).to_have_text(counted)
    expect(page.locator(".tx-todo-badge")).to_be_visible()
    page.goto("/todo/")
    page.locator(".tx-todo").first.hover()  # no tooltip or dropdown over the page
    page.screenshot(path=str(output_dir / "todo.png"), full_page=True)
    assert open_from_todo(page, "claim_demands", title) == demand_pk
    with page.expect_navigation():
        page.locator(".tx-transitions button", has_text="认领").click()
    assert dialogs and "认领" in dialogs[-1], dialogs
    assert page.locator(".alert-success").count() == 1
    assert state(page) == "已认领"
    open_from_todo(page, "projects_without_log", title)  # the claim made a project
    assert "/project/show/" in page.url
    assert title in page.locator(".panel, table").first.inner_text()

    page.goto("/worklog/add")
    choose_remote(page, "project", title[-4:], title)
    # typed key by key, as people do: the date picker keeps a filled-in value only when
    # it has seen the keys (fill + Tab leaves the field empty); Enter closes the picker
    page.locator("input#work_date").press_sequentially(today)
    page.keyboard.press("Enter")
    assert page.locator("input#work_date").input_value() == today
    page.fill("input#hours", "3")
    page.fill("input#people_sent", "2")
    page.fill("input#beneficiaries", "3")
    page.fill("input#summary", summary)
    page.fill("textarea#content", "携带理发工具上门，为三位老人理发并清扫。")
    submit(page)
    assert page.locator(".alert-success").count() == 1
    page.goto("/todo/")
    assert todo_panel(page, "projects_without_log").locator(
        "a", has_text=title).count() == 0, "the project has its log for this month"
    log_out(page)

    # 3. 社区工作者: the log waits for review; return it with a reason
    log_in(page, seed.username, seed.password)
    log_pk = open_from_todo(page, "review_logs", summary)
    assert state(page) == "待审核"
    fire_with_form(page, "退回", "请补充服务对象签字。")
    assert state(page) == "已退回"
    log_out(page)

    # 4. 共建单位: the returned log waits on the to-do page; resubmit it
    log_in(page, seed.unit_username, seed.password)
    assert open_from_todo(page, "returned_logs", summary) == log_pk
    with page.expect_navigation():
        page.locator(".tx-transitions button", has_text="重新提交").click()
    assert state(page) == "待审核"
    log_out(page)

    # 5. 社区工作者: approve with a rating; the timeline lists every step
    log_in(page, seed.username, seed.password)
    assert open_from_todo(page, "review_logs", summary) == log_pk
    fire_with_form(page, "通过", "服务认真，老人很满意。", rating=5)
    assert state(page) == "已通过"
    timeline = page.locator(".tx-timeline")
    assert timeline.locator(".panel-heading").inner_text().strip() == "办理记录"
    steps = timeline.locator("li.list-group-item").all_inner_texts()
    assert [s.split()[2] for s in steps] == ["退回", "重新提交", "通过"], steps
    assert "请补充服务对象签字。" in steps[0] and "服务认真，老人很满意。" in steps[2]
    assert "社区 工作者" in steps[0] and "赵 联络员" in steps[1], steps
    assert re.search(r"[\u4e00-\u9fff]", page.title()), page.title()
    page.screenshot(path=str(output_dir / "timeline.png"), full_page=True)

    # the demand's own timeline: published by the community, claimed by the unit
    page.goto(f"/demand/show/{demand_pk}")
    steps = page.locator(".tx-timeline li.list-group-item").all_inner_texts()
    assert [s.split()[2] for s in steps] == ["发布", "认领"], steps
