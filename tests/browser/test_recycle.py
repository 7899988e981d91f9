"""回收站 in a real browser, as community1: delete a convention from its list, find it in
系统设置 → 回收站, restore it, and it is back in the list.
Screenshot: ``recycle.png`` (the bin's detail page with its 恢复 button).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from .conftest import COMMUNITY, Seed
from .test_partner_unit import LIST_TABLE, log_in, unique_han

pytestmark = pytest.mark.browser


@pytest.fixture
def convention(app: Flask, seed: Seed) -> str:
    """A convention of the seed community, with a title of its own."""
    from app.extensions import db
    from app.scoping import system
    from models.ledgers import Convention
    from models.org import Community

    title = f"浏览器回收公约{unique_han(4)}"
    with app.app_context(), system():
        community = db.session.scalar(select(Community).where(Community.name == COMMUNITY))
        db.session.add(Convention(title=title, content="文明养犬，随手清理。",
                                  community=community, street=community.street))
        db.session.commit()
    return title


def test_delete_from_the_list_then_restore_from_the_bin(page: Any, seed: Seed,
                                                        convention: str,
                                                        output_dir: Path) -> None:
    log_in(page, seed.username, seed.password)
    page.goto("/convention/list/?psize_ConventionView=100")
    row = page.locator(f"{LIST_TABLE} tr", has_text=convention)
    row.locator("a.confirm[id^='btn-delete-']").click()
    page.locator("#modal-confirm-ok").wait_for(state="visible")
    with page.expect_navigation():
        page.click("#modal-confirm-ok")
    page.goto("/convention/list/?psize_ConventionView=100")
    assert page.locator(f"{LIST_TABLE} tr", has_text=convention).count() == 0

    page.click("a.dropdown-toggle:has-text('系统设置')")
    with page.expect_navigation():
        page.click("a:has-text('回收站')")
    assert "/recycleitem/list/" in page.url
    item = page.locator(f"{LIST_TABLE} tr", has_text=convention)
    assert "还剩 30 天" in item.inner_text()
    with page.expect_navigation():
        item.locator("a[href*='/recycleitem/show/']").click()
    panel = page.locator(".tx-recycle")
    assert "文明养犬" in panel.inner_text() and "居民公约" in page.content()
    page.screenshot(path=str(output_dir / "recycle.png"), full_page=True)

    with page.expect_navigation():
        page.click("button.tx-restore")
    assert "已恢复" in page.locator(".alert-success").inner_text()
    with page.expect_navigation():
        page.click("a.tx-restored")
    assert "/convention/show/" in page.url and convention in page.content()
    page.goto("/convention/list/?psize_ConventionView=100")
    assert page.locator(f"{LIST_TABLE} tr", has_text=convention).count() == 1
