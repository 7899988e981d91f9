"""费用公开: residents read a community's published fee ledger without an account."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from flask import Flask
from test_i18n import assert_chinese_page

from app.extensions import db
from app.scoping import system
from models.ledgers import FeeEntry
from models.org import Community, Street


@pytest.fixture(scope="module")
def ledger(app: Flask) -> dict[str, int]:
    with app.app_context(), system():
        street = Street(name="公示街道")
        here = Community(name="公示社区", street=street)
        other = Community(name="不公示社区", street=street)
        day = dt.date(2026, 11, 2)
        db.session.add_all([street, here, other, *(
            FeeEntry(community=here, street=street, fund="停车自治小组", occurred_on=day,
                     kind=kind, item=item, amount=Decimal(amount), handler="公示经手人",
                     published=published)
            for kind, item, amount, published in (
                ("income", "十月停车费", "1200.00", True),
                ("expense", "道闸维修", "350.50", True),
                ("expense", "未公示的支出", "99.00", False))),
            FeeEntry(community=other, street=street, fund="楼道基金", occurred_on=day,
                     kind="expense", item="别处的支出", amount=Decimal(7), published=False)])
        db.session.commit()
        return {"here": here.id, "other": other.id}


def test_residents_read_the_published_ledger_without_signing_in(
        app: Flask, ledger: dict[str, int]) -> None:
    page = app.test_client().get(f"/public/fees/{ledger['here']}/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert_chinese_page(f"/public/fees/{ledger['here']}/", html)
    assert "公示社区" in html and "停车自治小组" in html
    assert "十月停车费" in html and "道闸维修" in html
    assert "1200.00" in html and "350.50" in html and "849.50" in html  # the balance
    assert "未公示的支出" not in html  # not marked 向居民公示
    assert "99.00" not in html


def test_the_index_lists_only_communities_that_publish(app: Flask,
                                                       ledger: dict[str, int]) -> None:
    html = app.test_client().get("/public/fees/").get_data(as_text=True)
    assert f"/public/fees/{ledger['here']}/" in html
    assert f"/public/fees/{ledger['other']}/" not in html
    other = app.test_client().get(f"/public/fees/{ledger['other']}/").get_data(as_text=True)
    assert "别处的支出" not in other and "尚未公示" in other


def test_an_unknown_community_is_a_chinese_404(app: Flask) -> None:
    page = app.test_client().get("/public/fees/999999/")
    assert page.status_code == 404
    assert "<html" in page.get_data(as_text=True)
