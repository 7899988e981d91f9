"""No lost updates: a save based on a stale copy is refused, on the screens and the API."""

from __future__ import annotations

import re
import threading
from collections import Counter
from typing import Any

import pytest
from conftest import PASSWORD, csrf_token, login
from flask import Flask

from app.extensions import db
from app.scoping import system
from models.org import Street
from models.points import ShopItem

CONFLICT = "该记录已被他人修改，请刷新后再改"


@pytest.fixture
def item(app: Flask) -> int:
    with app.app_context(), system():
        street = db.session.query(Street).filter_by(name="版本街道").one_or_none() \
            or Street(name="版本街道")
        shop = ShopItem(name=f"版本商品{db.session.query(ShopItem).count()}", street=street,
                        cost=5, stock=0)
        db.session.add(shop)
        db.session.commit()
        return shop.id


def _client(app: Flask) -> Any:
    client = app.test_client()
    login(client)
    return client


def _api(app: Flask) -> tuple[Any, dict[str, str]]:
    """A client as a script uses the API: with a token, no browser session."""
    client = app.test_client()
    token = client.post("/api/v1/security/login", json={
        "username": "admin", "password": PASSWORD, "provider": "db"}).get_json()["access_token"]
    return client, {"Authorization": f"Bearer {token}"}


def _edit_form(client: Any, pk: int) -> dict[str, str]:
    page = client.get(f"/shopitem/edit/{pk}").get_data(as_text=True)
    fields = dict(re.findall(r'<input[^>]*?name="(\w+)"[^>]*?value="([^"]*)"', page))
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', page)
    assert version, "the edit form carries the version"
    return {"csrf_token": csrf_token(client, f"/shopitem/edit/{pk}"),
            "version": version.group(1), "name": fields["name"], "cost": fields["cost"],
            "stock": fields["stock"], "active": "y"}


def _stored(app: Flask, pk: int) -> ShopItem:
    with app.app_context(), system():
        shop = db.session.get(ShopItem, pk)
        db.session.expunge(shop)
        return shop


def test_two_people_edit_the_same_record(app: Flask, item: int) -> None:
    first, second = _client(app), _client(app)
    form_a, form_b = _edit_form(first, item), _edit_form(second, item)

    saved = first.post(f"/shopitem/edit/{item}", data={**form_a, "stock": "7"})
    assert saved.status_code == 302

    stale = second.post(f"/shopitem/edit/{item}", data={**form_b, "stock": "99",
                                                        "name": "第二人改的名字"})
    page = stale.get_data(as_text=True)
    assert stale.status_code == 200 and CONFLICT in page
    assert 'value="第二人改的名字"' in page and 'value="99"' in page  # input kept
    shop = _stored(app, item)
    assert (shop.stock, shop.version) == (7, 2)  # the colleague's save stands

    fresh = _edit_form(second, item)  # after a refresh the save goes through
    assert second.post(f"/shopitem/edit/{item}", data={**fresh, "stock": "8"}).status_code \
        == 302
    assert _stored(app, item).stock == 8


def test_api_etag_and_if_match(app: Flask, item: int) -> None:
    client, auth = _api(app)
    got = client.get(f"/api/v1/shopitem/{item}", headers=auth)
    assert got.status_code == 200 and got.headers["ETag"] == '"1"'

    body = {key: got.get_json()["result"][key] for key in ("name", "cost")}
    ok = client.put(f"/api/v1/shopitem/{item}", json={**body, "stock": 3},
                    headers={**auth, "If-Match": '"1"'})
    assert ok.status_code == 200 and ok.headers["ETag"] == '"2"'

    stale = client.put(f"/api/v1/shopitem/{item}", json={**body, "stock": 4},
                       headers={**auth, "If-Match": '"1"'})
    assert stale.status_code == 409 and stale.get_json()["message"] == CONFLICT
    assert _stored(app, item).stock == 3


@pytest.mark.parametrize("threads,rounds", [(20, 50)])
def test_concurrent_saves_lose_nothing(app: Flask, item: int, threads: int,
                                       rounds: int) -> None:
    """1,000 read-then-save attempts at once, as many threads as a worker's connection
    pool holds: every save reported as done is in the final count; the others were
    refused with 409, none failed otherwise."""
    outcomes: Counter[int] = Counter()
    lock = threading.Lock()

    def worker() -> None:
        client, auth = _api(app)
        for _round in range(rounds):
            got = client.get(f"/api/v1/shopitem/{item}", headers=auth)
            if got.status_code != 200:  # counted, so the assertion below names it
                with lock:
                    outcomes[got.status_code] += 1
                continue
            row = got.get_json()["result"]
            saved = client.put(f"/api/v1/shopitem/{item}", json={
                "name": row["name"], "cost": row["cost"], "stock": row["stock"] + 1},
                               headers={**auth, "If-Match": got.headers["ETag"]})
            with lock:
                outcomes[saved.status_code] += 1

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()

    assert sum(outcomes.values()) == threads * rounds
    assert set(outcomes) <= {200, 409}, outcomes
    shop = _stored(app, item)
    assert shop.stock == outcomes[200] and shop.version == 1 + outcomes[200]
    assert outcomes[200] > 0
