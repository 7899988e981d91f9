"""The database goes away in the middle of a session: pages answer a Chinese 503 and the
API a JSON 503 within seconds, with no database text; when the database is back, the
same running portal serves the same signed-in user again.

On PostgreSQL a second portal reaches the test database through a TCP proxy that the test
stops (listener closed, open connections cut) and starts again on the same port. On
SQLite the second portal works on a copy of the test database whose folder is moved away
and back.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import login
from flask import Flask
from sqlalchemy import make_url, text

from app import create_app
from app.extensions import db

#: the issue's bound: an answer within five seconds while the database is away
ANSWER_WITHIN = 5.0
DATABASE_TEXT = ("sqlalchemy", "sqlite", "psycopg", "operationalerror", "traceback",
                 "select ", "connection refused", "unable to open", "errno", "5432")


class Proxy:
    """Forwards 127.0.0.1:<port> to the database server until :meth:`stop`."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        """Close the listener and cut every forwarded connection."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            conns, self._open = self._open, set()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                server = socket.create_connection(self.target, timeout=3)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            client.settimeout(None)
            with self._lock:
                self._open.update((client, server))
            for src, dst in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for conn in (src, dst):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Outage:
    """A database the test can take away (:meth:`down`) and bring back (:meth:`up`)."""

    def __init__(self, url: str, down: Callable[[], None], up: Callable[[], None]) -> None:
        self.url, self.down, self.up = url, down, up


@pytest.fixture
def outage(app: Flask, database_url: str, tmp_path: Path) -> Iterator[Outage]:
    """The session's test database, reached in a way the test can break and mend."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
        proxy.start()
        yield Outage(url.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False), proxy.stop, proxy.start)
        proxy.stop()
        return
    folder, away = tmp_path / "data", tmp_path / "data-away"
    folder.mkdir()
    copy = folder / "tongxin.db"
    with sqlite3.connect(str(url.database)) as source, sqlite3.connect(str(copy)) as target:
        source.backup(target)
    yield Outage(f"sqlite:///{copy}", lambda: os.rename(folder, away),
                 lambda: os.rename(away, folder))
    if away.exists():
        os.rename(away, folder)


@pytest.fixture
def portal(outage: Outage, tmp_path: Path) -> Iterator[Flask]:
    """A second, running portal on the breakable database."""
    application = create_app({"mode": "test", "instance_dir": str(tmp_path / "instance"),
                              "database_url": outage.url})
    yield application
    with application.app_context():
        db.engine.dispose()


def _timed_get(client, url: str):  # type: ignore[no-untyped-def]
    start = time.monotonic()
    response = client.get(url)
    return response, time.monotonic() - start


def _no_database_text(body: str) -> None:
    lowered = body.lower()
    assert not [t for t in DATABASE_TEXT if t in lowered], body[:500]


def test_database_away_gives_503_then_recovers(portal: Flask, outage: Outage) -> None:
    client = portal.test_client()
    login(client)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/street/").status_code == 200

    outage.down()
    page, took = _timed_get(client, "/")
    assert page.status_code == 503 and took < ANSWER_WITHIN, (page.status_code, took)
    body = page.get_data(as_text=True)
    assert "数据库暂时无法连接" in body and "暂时无法使用" in body
    _no_database_text(body)
    listing, took = _timed_get(client, "/street/list/")
    assert listing.status_code == 503 and took < ANSWER_WITHIN, (listing.status_code, took)
    api, took = _timed_get(client, "/api/v1/street/")
    assert api.status_code == 503 and took < ANSWER_WITHIN, (api.status_code, took)
    assert api.is_json and "数据库暂时无法连接" in api.json["message"]
    _no_database_text(api.get_data(as_text=True))
    saved = client.post("/api/v1/street/", json={"name": "断线时新增的街道"})
    assert saved.status_code == 503

    outage.up()
    home = client.get("/")
    assert home.status_code == 200, home.status_code  # the same user, still signed in
    assert "退出" in home.get_data(as_text=True) or "admin" in home.get_data(as_text=True)
    made = client.post("/api/v1/street/", json={"name": "恢复后新增的街道"})
    assert made.status_code == 201
    assert client.get(f"/api/v1/street/{made.json['id']}").json["result"]["name"] == \
        "恢复后新增的街道"
    with portal.app_context():
        db.session.execute(text("DELETE FROM street WHERE id = :id"), {"id": made.json["id"]})
        db.session.commit()
