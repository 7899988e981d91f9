"""首页看板 in Chromium with nothing but the portal to talk to: the charts are drawn by
the portal's own ECharts (canvas present, no failed request, no request to another
host), a click on a community's bar opens the list behind it, and the month's report
downloads as a workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from conftest import PASSWORD
from dashboard_rows import MONTH, seed
from flask import Flask
from openpyxl import load_workbook

from .test_partner_unit import LIST_TABLE, log_in

pytestmark = pytest.mark.browser

CHARTS = ("tx-chart-counts", "tx-chart-sums", "tx-chart-communities", "tx-chart-ranking")


def test_street_sees_its_month_clicks_a_bar_and_downloads_the_report(
        page: Any, app: Flask, live_server: str, output_dir: Path, tmp_path: Path) -> None:
    seed(app)
    here = urlparse(live_server).netloc
    elsewhere: list[str] = []
    failed: list[str] = []

    def only_the_portal(route: Any) -> None:  # an intranet: no other host answers
        if urlparse(route.request.url).netloc == here:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_portal)
    page.on("requestfailed", lambda req: failed.append(f"{req.url} {req.failure}"))
    page.set_viewport_size({"width": 1366, "height": 768})  # an office screen
    log_in(page, "dash_street", PASSWORD)
    page.goto(f"/dashboard/?month={MONTH:%Y-%m}")
    page.wait_for_load_state("networkidle")

    assert page.locator("h2").first.inner_text().strip().startswith("首页看板")
    for chart in CHARTS:
        box = page.locator(f"#{chart}")
        assert box.get_attribute("data-rendered") == "1", chart
        assert box.locator("canvas").count() == 1, chart
    assert page.evaluate("window.TX_CHARTS.length") >= len(CHARTS)
    published = page.locator('.tx-figure[data-figure="demand.published"]')
    assert published.get_attribute("data-value") == "3"
    page.screenshot(path=str(output_dir / "dashboard-street.png"), full_page=True)
    assert not failed, failed
    assert not elsewhere, elsewhere

    # the bar of 看板甲社区 in "demands published" opens that community's June demands
    page.locator("#tx-chart-communities").scroll_into_view_if_needed()
    names = page.evaluate("JSON.parse(document.getElementById('tx-dashboard-data')"
                          ".textContent).communities.names")
    index = names.index("看板甲社区")
    x, y = page.evaluate(f"""(() => {{
        const chart = window.TX_CHARTS.find(c => c.getDom().id === 'tx-chart-communities');
        const bar = chart.getModel().getSeriesByIndex(0).getData().getItemLayout({index});
        return [bar.x + bar.width / 2, bar.y + bar.height / 2];
    }})()""")
    box = page.locator("#tx-chart-communities").bounding_box()
    with page.expect_navigation():
        page.mouse.click(box["x"] + x, box["y"] + y)
    assert "/demand/list/" in page.url
    rows = page.locator(f"{LIST_TABLE} tbody tr")
    titles = sorted(rows.nth(i).inner_text() for i in range(rows.count()))
    assert len(titles) == 2 and all("看板甲社区" in t for t in titles), titles
    assert any("看板需求一" in t for t in titles) and any("看板需求二" in t for t in titles)

    page.goto(f"/dashboard/?month={MONTH:%Y-%m}")
    with page.expect_download() as download:
        page.click("text=下载月报")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"月报-{MONTH:%Y-%m}.xlsx"
    assert load_workbook(saved).sheetnames[0] == "主要指标"
