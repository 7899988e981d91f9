"""A relation filter of a list's search form in a real browser, as unit1: the 项目 filter
searches the server as the user types (only unit1's projects are suggested), the list
then shows that project's work logs alone, and a list opened with the filter in its
address shows the project's name in the filter and keeps it on the next search.
Screenshot: ``relation-filter.png``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from flask import Flask
from sqlalchemy import select

from .conftest import COMMUNITY, OTHER_UNIT, UNIT, Seed
from .test_partner_unit import LIST_TABLE, log_in, unique_han

pytestmark = pytest.mark.browser

#: FAB's relation filters, in the order of its search form; "equal" is the first.
FILTER_EQUAL = 0
WORD = "关联筛选"


@pytest.fixture(scope="module")
def projects(app: Flask, seed: Seed) -> dict[str, Any]:
    """Two projects of unit1's unit and one of another unit, all named with ``WORD``,
    each with work logs of unique summaries."""
    from app.extensions import db
    from app.scoping import system
    from models.cobuild import Project, WorkLog
    from models.org import Community, PartnerUnit

    tag = unique_han(4)
    made: dict[str, Any] = {}
    with app.app_context(), system():
        session = db.session
        community = session.scalar(select(Community).where(Community.name == COMMUNITY))
        for key, mark, unit_name, logs in (("mine", "甲", UNIT, 2),
                                           ("also_mine", "乙", UNIT, 1),
                                           ("theirs", "丙", OTHER_UNIT, 1)):
            unit = session.scalar(select(PartnerUnit).where(PartnerUnit.name == unit_name))
            place = {"partner_unit_id": unit.id, "community_id": community.id,
                     "street_id": community.street_id}
            project = Project(name=f"浏览器{WORD}{mark}{tag}", **place)
            session.add(project)
            session.flush()
            summaries = [f"项目{mark}的服务{tag}{n}" for n in range(logs)]
            session.add_all(WorkLog(project_id=project.id, work_date=dt.date(2026, 11, 2),
                                    hours=Decimal(2), summary=summary, **place)
                            for summary in summaries)
            made[key] = {"id": project.id, "name": project.name, "summaries": summaries}
        session.commit()
    return made


def _listed(page: Any) -> list[str]:
    return page.locator(f"{LIST_TABLE} tbody tr").all_inner_texts()


def _open_search(page: Any) -> Any:
    page.click("#accordion1 a.accordion-toggle")
    page.locator("#accordion1_href.in").wait_for()
    return page.locator("#filter_form")


def test_unit_searches_a_project_and_lists_its_logs(page: Any, seed: Seed,
                                                    projects: dict[str, Any],
                                                    output_dir: Path) -> None:
    mine, also_mine, theirs = projects["mine"], projects["also_mine"], projects["theirs"]
    log_in(page, seed.unit_username, seed.password)
    page.goto("/worklog/list/")
    form = _open_search(page)
    # the form's 项目 field holds no project: the browser asks as the user types
    assert WORD not in form.inner_html()
    form.locator("button.dropdown-toggle").click()
    form.locator("a.filter[name=project]").click()
    row = form.locator("table.filters tr").last
    value = row.locator(f"select[name=_flt_{FILTER_EQUAL}_project]")
    assert value.get_attribute("data-endpoint") == "/api/v1/project/choices/"
    row.locator("td.filter").last.locator(".select2-selection").click()

    def typed(response: Any) -> bool:
        url = urlparse(response.url)
        return url.path == "/api/v1/project/choices/" and \
            parse_qs(url.query).get("q") == [WORD]

    with page.expect_response(typed) as answer:
        page.locator(".select2-container--open .select2-search__field").fill(WORD)
    assert answer.value.ok
    found = [r["text"] for r in answer.value.json()["results"]]
    assert sorted(found) == sorted([mine["name"], also_mine["name"]]), found  # in scope
    options = page.locator(".select2-container--open li.select2-results__option")
    options.filter(has_text=also_mine["name"]).wait_for(state="visible")
    assert not options.filter(has_text=theirs["name"]).count()
    options.filter(has_text=mine["name"]).click()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()

    assert f"_flt_{FILTER_EQUAL}_project={mine['id']}" in page.url
    listed = _listed(page)
    assert len(listed) == len(mine["summaries"]), listed
    for summary in mine["summaries"]:
        assert any(summary in t for t in listed), (summary, listed)
    _open_search(page)
    shown = page.locator("#filter_form table.filters .select2-selection__rendered").last
    assert mine["name"] in shown.inner_text()
    page.locator("#accordion1 a.accordion-toggle").blur()
    page.screenshot(path=str(output_dir / "relation-filter.png"), full_page=True)


def test_a_list_opened_with_a_relation_filter_shows_its_name(
        page: Any, seed: Seed, projects: dict[str, Any]) -> None:
    also_mine = projects["also_mine"]
    log_in(page, seed.unit_username, seed.password)
    page.goto(f"/worklog/list/?_flt_{FILTER_EQUAL}_project={also_mine['id']}")
    listed = _listed(page)
    assert len(listed) == 1 and also_mine["summaries"][0] in listed[0], listed
    form = _open_search(page)
    value = form.locator(f"select[name=_flt_{FILTER_EQUAL}_project]")
    assert value.input_value() == str(also_mine["id"])
    rendered = form.locator("table.filters .select2-selection__rendered").last
    assert also_mine["name"] in rendered.inner_text()
    assert str(also_mine["id"]) != rendered.inner_text().strip()
    # searching again keeps the filter
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert f"_flt_{FILTER_EQUAL}_project={also_mine['id']}" in page.url
    assert len(_listed(page)) == 1
