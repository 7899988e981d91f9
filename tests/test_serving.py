"""The production server as shipped: gunicorn with ``app/gunicorn_conf.py`` serves pages
from threaded workers, and PostgreSQL's pool is sized from the settings."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Flask

from app.config import build


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


def test_gunicorn_config_serves_login_pages_in_parallel(
    app: Flask, database_url: str, tmp_path: Path
) -> None:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "TONGXIN_MODE": "test",
           "TONGXIN_INSTANCE_DIR": str(tmp_path), "TONGXIN_WORKERS": "1",
           "TONGXIN_THREADS": "3"}
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:app.gunicorn_conf",
             "-b", f"127.0.0.1:{port}"], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/login/"
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(url)
                break
            except OSError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
        with ThreadPoolExecutor(6) as pool:
            pages = list(pool.map(_get, [url] * 12))
        assert {status for status, _ in pages} == {200}
        assert all("登录" in body for _, body in pages)
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = log.read_text()
    assert "Using worker: gthread" in text, text
    assert '"GET /login/ HTTP/1.1" 200' in text  # the access log is on


def test_postgresql_pool_follows_the_settings(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql+psycopg://u:p@127.0.0.1:5432/x"
    default = build({"mode": "test", "instance_dir": str(tmp_path), "database_url": url})
    options = default["SQLALCHEMY_ENGINE_OPTIONS"]
    assert (options["pool_size"], options["max_overflow"]) == (10, 20)
    monkeypatch.setenv("TONGXIN_DB_POOL_SIZE", "4")
    tuned = build({"mode": "test", "instance_dir": str(tmp_path), "database_url": url})
    assert tuned["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] == 4
    sqlite = build({"mode": "test", "instance_dir": str(tmp_path),
                    "database_url": f"sqlite:///{tmp_path / 'x.db'}"})
    assert "pool_size" not in sqlite["SQLALCHEMY_ENGINE_OPTIONS"]


def test_url_builders_are_compiled_on_first_use(app: Flask) -> None:
    """Start-up leaves the rules' URL builders for later; ``url_for`` works the same."""
    from flask import url_for

    from app.routing import LazyRule

    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "WorkLogView.show")
    assert isinstance(rule, LazyRule)
    with app.test_request_context():
        assert url_for("WorkLogView.show", pk=7) == "/worklog/show/7"
        assert url_for("WorkLogView.list", _flt_0_status="待审核") == \
            "/worklog/list/?_flt_0_status=%E5%BE%85%E5%AE%A1%E6%A0%B8"
        assert url_for("WorkLogView.show", pk=7, _external=True) == \
            "http://localhost/worklog/show/7"


def test_a_worker_hides_its_start_up_objects_from_the_garbage_collector() -> None:
    import gc

    from app import gunicorn_conf

    try:
        gunicorn_conf.post_worker_init(None)
        assert gc.get_freeze_count() > 10_000  # the test session's app, models, views
    finally:
        gc.unfreeze()
