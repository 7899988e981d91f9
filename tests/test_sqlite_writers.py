"""Twenty writers at the same moment: none is refused with "database is locked", and every
write lands. Written for SQLite (WAL, busy timeout, transactions that begin at the first
write); the same tests run on PostgreSQL, where they check the same promise."""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from conftest import login
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.points import post
from app.scoping import system
from models.org import PartnerUnit, Street
from models.points import PointsAccount, PointsEntry

WRITERS = 20
HIDDEN = re.compile(r'<input id="(csrf_token|version)" name="\1" type="hidden" value="([^"]*)"')


def _at_once(work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` for every writer in its own thread, all released together."""
    barrier = threading.Barrier(WRITERS)
    results: list[Any] = [None] * WRITERS

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as err:  # noqa: BLE001 - reported by the assertion below
            results[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a writer never finished"
    return results


def _no_lock_errors(caplog: pytest.LogCaptureFixture) -> None:
    locked = [r.getMessage() for r in caplog.records if "locked" in r.getMessage().lower()
              or "locked" in str(r.exc_info[1] if r.exc_info else "").lower()]
    assert not locked, locked


def test_twenty_users_save_forms_at_once(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    """Each writer adds a street through the API, then opens its edit form and saves it
    (a read, then a write), all twenty at the same moment."""
    tag = uuid.uuid4().hex[:6]
    clients: list[FlaskClient] = []
    for _ in range(WRITERS):
        client = app.test_client()
        login(client)
        clients.append(client)
    caplog.set_level(logging.WARNING)

    def write(i: int) -> tuple[int, int]:
        client = clients[i]
        made = client.post("/api/v1/street/", json={"name": f"并发街道{tag}-{i}"})
        if made.status_code != 201:
            return made.status_code, 0
        url = f"/street/edit/{made.json['id']}"
        hidden = dict(HIDDEN.findall(client.get(url).get_data(as_text=True)))
        edited = client.post(url, data={**hidden, "name": f"并发街道{tag}-{i}",
                                        "district": f"并发区{i}"})
        return made.status_code, edited.status_code

    results = _at_once(write)
    assert results == [(201, 302)] * WRITERS, results
    _no_lock_errors(caplog)
    with app.app_context(), system():
        saved = dict(db.session.execute(select(Street.name, Street.district).where(
            Street.name.like(f"并发街道{tag}-%"))).all())
    assert saved == {f"并发街道{tag}-{i}": f"并发区{i}" for i in range(WRITERS)}


def test_twenty_credits_to_one_account_at_once(app: Flask,
                                               caplog: pytest.LogCaptureFixture) -> None:
    """Twenty sessions read the unit, then credit the same points account at once: the
    balance counts every credit and the ledger has every entry."""
    with app.app_context(), system():
        unit = PartnerUnit(name=f"并发积分单位{uuid.uuid4().hex[:6]}")
        db.session.add(unit)
        db.session.flush()
        post(db.session, unit.id, 5, "开户", street_id=None)
        db.session.commit()
        unit_id = unit.id
    caplog.set_level(logging.WARNING)

    def credit(i: int) -> int:
        with app.app_context(), system():
            assert db.session.get(PartnerUnit, unit_id) is not None  # read first…
            entry = post(db.session, unit_id, 1, f"并发加分{i}", street_id=None)  # …then write
            db.session.commit()
            return entry.points

    assert _at_once(credit) == [1] * WRITERS
    _no_lock_errors(caplog)
    with app.app_context(), system():
        balance = db.session.scalar(select(PointsAccount.balance).where(
            PointsAccount.partner_unit_id == unit_id))
        entries = db.session.scalars(select(PointsEntry.balance).where(
            PointsEntry.partner_unit_id == unit_id)).all()
    assert balance == 5 + WRITERS
    # each entry records the balance right after its own credit: 6, 7, … 25, each once
    assert sorted(entries) == list(range(5, 5 + WRITERS + 1))
