"""A search's record count in a real browser, as community1: 25 demands hold a word, the
list shows 20 of them with "记录数: 25" and a link to page 2, which shows the other 5.
On PostgreSQL the page comes before its count ("正在计数…"): js/list_count.js asks the
list's count address, writes the count and redraws the page links. On SQLite the page
counts at once. Screenshot: ``list-count.png``."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from .conftest import COMMUNITY, Seed
from .test_partner_unit import LIST_TABLE, log_in, unique_han

pytestmark = pytest.mark.browser

ROWS = 25


@pytest.fixture(scope="module")
def word(app: Flask, seed: Seed) -> str:
    """A word held by the titles of :data:`ROWS` demands of community1's community."""
    from app.extensions import db
    from app.scoping import system
    from models.cobuild import Demand
    from models.org import Community

    found = f"计数{unique_han(4)}"
    with app.app_context(), system():
        community = db.session.scalar(select(Community).where(Community.name == COMMUNITY))
        db.session.add_all(Demand(title=f"{found}需求{n:02}", community=community)
                           for n in range(ROWS))
        db.session.commit()
    return found


def test_a_search_shows_its_count_and_its_pages(page: Any, seed: Seed, word: str,
                                                app: Flask, output_dir: Path) -> None:
    from models.cobuild import Demand
    from views.list_links import filter_index
    from views.search import FilterSubstring

    with app.test_request_context():
        index = filter_index(Demand, "title", FilterSubstring)
    log_in(page, seed.username, seed.password)
    page.goto(f"/demand/list/?_flt_{index}_title={quote(word)}")
    header = page.locator(".well .pull-right")
    expect(header).to_contain_text(f"记录数: {ROWS}")  # filled in, if it was pending
    expect(page.locator(f"{LIST_TABLE} tbody tr", has_text=word)).to_have_count(20)
    page.screenshot(path=str(output_dir / "list-count.png"), full_page=True)
    with page.expect_navigation():
        page.locator(".tx-pages .pagination a", has_text="2").click()
    assert "page_DemandView=1" in page.url
    expect(page.locator(f"{LIST_TABLE} tbody tr", has_text=word)).to_have_count(ROWS - 20)
    expect(header).to_contain_text(f"记录数: {ROWS}")
    expect(page.locator(".tx-pages .pagination li.active")).to_have_text("2")
