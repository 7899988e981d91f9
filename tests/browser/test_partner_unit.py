"""共建单位 in a real browser: a community worker adds a unit, then finds it by search."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from .conftest import Seed

pytestmark = pytest.mark.browser

#: FAB's string filters, in the order of its search form; "contains" is the third.
FILTER_CONTAINS = 2
#: The list widget's table (the search form has a ``table.filters`` of its own).
LIST_TABLE = "table.table:not(.filters)"
HEX_TO_HAN = dict(zip("0123456789abcdef", "零一二三四五六七八九甲乙丙丁戊己", strict=True))


def unique_han(length: int = 8) -> str:
    """A random run of Chinese characters, so each run adds a new unit."""
    return "".join(HEX_TO_HAN[c] for c in uuid.uuid4().hex[:length])


def log_in(page: Any, username: str, password: str) -> None:
    page.goto("/login/")
    page.fill("input#username", username)
    page.fill("input#password", password)
    with page.expect_navigation():
        page.click("form[name=login] [type=submit]")
    assert "/login" not in page.url, f"login of {username} failed: still on {page.url}"


def choose_remote(page: Any, field: str, term: str, text: str) -> None:
    """Pick ``text`` in the select2 remote select ``#field``, searching for ``term``."""
    container = page.locator(f"select#{field} + .select2-container")
    container.locator(".select2-selection").click()
    search = page.locator(".select2-container--open .select2-search__field")
    search.fill(term)
    option = page.locator(".select2-container--open li.select2-results__option",
                          has_text=text).first
    option.wait_for(state="visible")
    option.click()
    expected = page.locator(f"select#{field} option:checked")
    assert text in expected.all_inner_texts(), f"{text} not chosen in {field}"


def test_community_worker_adds_and_finds_partner_unit(page: Any, seed: Seed,
                                                      output_dir: Path) -> None:
    log_in(page, seed.username, seed.password)

    name = f"同心共建单位{unique_han()}"
    page.goto("/partnerunit/add")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.fill("input#name", name)
    choose_remote(page, "unit_type", seed.unit_type[:1], seed.unit_type)
    choose_remote(page, "communities", seed.community[-4:], seed.community)
    page.fill("input#contact_person", "李联络")
    # Left unticked: most units are not dual-reporting, and saving must not need them ticked.
    blocking = page.locator("#model_form input[type=checkbox][required]:not(:checked)")
    assert blocking.count() == 0, (
        "unticked checkboxes are `required`, so the browser refuses to save: "
        f"{[blocking.nth(i).get_attribute('name') for i in range(blocking.count())]}")
    with page.expect_navigation():
        page.click("#model_form [type=submit]")
    assert page.locator(".alert-success").count() == 1, page.locator(".alert").all_inner_texts()
    assert page.locator(".has-error, .alert-danger").count() == 0

    # The list page's search widget: open it, add a filter on 名称, "contains", a part.
    page.goto("/partnerunit/list/")
    assert seed.other_unit in page.locator(f"{LIST_TABLE} tbody").inner_text()
    page.click("#accordion1 a.accordion-toggle")
    page.locator("#accordion1_href.in").wait_for()
    form = page.locator("#filter_form")
    form.locator("button.dropdown-toggle").click()
    form.locator("a.filter[name=name]").click()
    row = form.locator("table.filters tr").last
    row.locator(".select2-selection").click()
    page.locator(".select2-container--open li.select2-results__option").nth(
        FILTER_CONTAINS).click()
    part = name[-7:-2]  # from the middle: "starts with" or "ends with" would not match
    value = row.locator(f"input[name=_flt_{FILTER_CONTAINS}_name]")
    value.fill(part)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()

    assert f"_flt_{FILTER_CONTAINS}_name=" in page.url
    rows = page.locator(f"{LIST_TABLE} tbody tr")
    texts = rows.all_inner_texts()
    assert any(name in t and seed.unit_type in t and "李联络" in t for t in texts), texts
    assert not any(seed.other_unit in t for t in texts), texts
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.click("#accordion1 a.accordion-toggle")  # show the active filter on the screenshot
    page.locator("#accordion1_href.in").wait_for()  # Bootstrap's collapse has finished
    active = page.locator(f"#filter_form input[name=_flt_{FILTER_CONTAINS}_name]")
    active.wait_for(state="visible")
    assert active.input_value() == part
    assert re.search(r"[\u4e00-\u9fff]", page.title()), page.title()

    page.locator("#accordion1 a.accordion-toggle").blur()
    page.screenshot(path=str(output_dir / "partner-unit-search.png"), full_page=True)
