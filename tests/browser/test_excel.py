"""Excel in a real browser, as community1: download the household import template, fill
it in, upload it, read the preview, import; then export the list to Excel.
Screenshot: ``import-preview.png``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from .conftest import COMMUNITY, Seed
from .test_partner_unit import LIST_TABLE, log_in, unique_han

pytestmark = pytest.mark.browser

GRID = "浏览器导入网格"


@pytest.fixture(scope="module")
def grid(app: Flask, seed: Seed) -> str:
    from app.extensions import db
    from app.scoping import system
    from models.org import Community, Grid

    with app.app_context(), system():
        community = db.session.scalar(select(Community).where(Community.name == COMMUNITY))
        if db.session.scalar(select(Grid).where(Grid.name == GRID)) is None:
            db.session.add(Grid(name=GRID, community=community, street=community.street))
            db.session.commit()
    return GRID


def test_template_filled_uploaded_previewed_imported_exported(
        page: Any, seed: Seed, grid: str, output_dir: Path, tmp_path: Path) -> None:
    heads = [f"导入户主{unique_han(3)}" for _ in range(2)]
    log_in(page, seed.username, seed.password)
    page.goto("/household/list/")
    with page.expect_navigation():
        page.locator(".tx-excel a", has_text="从 Excel 导入").click()
    assert "/household/import/" in page.url

    with page.expect_download() as fetched:
        page.locator("a.tx-import-template").click()
    template = tmp_path / "template.xlsx"
    fetched.value.save_as(template)
    book = load_workbook(template)
    sheet = book.worksheets[0]
    header = [str(c.value or "").rstrip("*") for c in sheet[1]]
    assert str(sheet.cell(row=2, column=1).value).startswith("填写说明")
    for row, head in enumerate(heads, 4):  # under the hint and example rows
        values = {"网格": grid, "楼栋": "12", "房号": f"{row}01", "户主": head,
                  "电话": "13912340000"}
        for column, name in enumerate(header, 1):
            if name in values:
                sheet.cell(row=row, column=column, value=values[name])
    filled = tmp_path / "filled.xlsx"
    book.save(filled)

    page.set_input_files("form.tx-import-upload input[type=file]", str(filled))
    with page.expect_navigation():
        page.locator("form.tx-import-upload button[type=submit]").click()
    preview = page.locator(".tx-import-preview")
    assert "将新增 2 条记录" in preview.inner_text(), preview.inner_text()
    assert heads[0] in preview.locator(".tx-import-rows").inner_text()
    page.screenshot(path=str(output_dir / "import-preview.png"), full_page=True)
    with page.expect_navigation():
        page.locator("button.tx-import-commit").click()
    assert "导入完成：新增 2 条" in page.locator(".alert-success").inner_text()

    page.goto("/household/list/?psize_HouseholdView=100")
    table = page.locator(LIST_TABLE).inner_text()
    assert heads[0] in table and heads[1] in table and "139****0000" in table
    with page.expect_download() as exported:
        page.locator(".tx-excel a.tx-export").click()
    path = tmp_path / "export.xlsx"
    exported.value.save_as(path)
    rows = [list(r) for r in load_workbook(path).worksheets[0].iter_rows(values_only=True)]
    assert "户主" in rows[0]
    names = {r[rows[0].index("户主")] for r in rows[1:]}
    assert set(heads) <= names
    assert "13912340000" not in repr(rows)
