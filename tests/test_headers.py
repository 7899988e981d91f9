"""Security headers and cookie flags on every response (issue 7, web hardening, first step)."""

from __future__ import annotations

from typing import Any

from conftest import login
from flask import Flask

from app import create_app


def _assert_hardened(response: Any) -> None:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_pages_api_and_errors_carry_the_headers(app: Flask) -> None:
    client = app.test_client()
    for url in ("/login/", "/public/fees/", "/no-such-page", "/static/css/tongxin.css"):
        _assert_hardened(client.get(url))
    login(client)
    for url in ("/", "/demand/list/", "/api/v1/demand/", "/todo/"):
        response = client.get(url)
        _assert_hardened(response)
        assert response.headers["Cache-Control"] == "no-store", url  # may hold personal data


def test_anonymous_static_files_stay_cacheable(app: Flask) -> None:
    response = app.test_client().get("/static/css/tongxin.css")
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_session_cookie_flags(app: Flask, tmp_path: Any) -> None:
    client = app.test_client()
    login(client)
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert not cookie.secure  # plain HTTP on an intranet unless HTTPS is declared
    secure = create_app({"mode": "test", "instance_dir": str(tmp_path),
                         "secure_cookies": True})
    assert secure.config["SESSION_COOKIE_SECURE"] and secure.config["REMEMBER_COOKIE_SECURE"]
