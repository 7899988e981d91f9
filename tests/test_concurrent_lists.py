"""Two people searching the same list at the same moment each get their own search: the
threads of one worker do not share a list's filters."""

from __future__ import annotations

import sys
import threading
from urllib.parse import quote

from conftest import login
from flask import Flask

from app.extensions import db
from app.scoping import system
from models.cobuild import Demand
from models.org import Community, Street

WORDS = ("并发甲组需求", "并发乙组需求")


def test_simultaneous_searches_do_not_mix(app: Flask) -> None:
    with app.app_context(), system():
        if not db.session.query(Demand).filter(Demand.title.like("并发%")).count():
            community = Community(name="并发社区", street=Street(name="并发街道"))
            db.session.add_all([Demand(title=f"{word}{n}", community=community)
                                for word in WORDS for n in range(3)])
            db.session.commit()
    wrong: list[str] = []

    def person(word: str, other: str) -> None:
        client = app.test_client()
        login(client)
        for _ in range(40):
            page = client.get(f"/demand/list/?_flt_2_title={quote(word)}")
            html = page.get_data(as_text=True)
            if page.status_code != 200 or word not in html or other in html:
                wrong.append(f"{word}: {page.status_code}")

    threads = [threading.Thread(target=person, args=(a, b))
               for a, b in (WORDS, WORDS[::-1]) * 2]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # the threads take turns often, as under load
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not wrong, wrong[:5]
