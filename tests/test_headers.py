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


def test_pages_load_only_from_this_site_and_run_only_their_own_scripts(app: Flask) -> None:
    client = app.test_client()
    login(client)
    first, second = client.get("/demand/list/"), client.get("/demand/list/")
    policy = first.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "img-src 'self' data: blob:",
                      "style-src 'self' 'unsafe-inline'", "object-src 'none'",
                      "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'"):
        assert directive in policy
    assert "unsafe-eval" not in policy and "http" not in policy and "*" not in policy
    script = next(d for d in policy.split("; ") if d.startswith("script-src"))
    assert "'unsafe-inline'" not in script
    nonce = script.split("'nonce-")[1].rstrip("'")
    page = first.get_data(as_text=True)
    assert page.count("<script") == page.count(f'nonce="{nonce}"')  # each script carries it
    assert nonce not in second.headers["Content-Security-Policy"]  # a new one per response


def test_a_served_file_keeps_its_stricter_policy(app: Flask) -> None:
    """An attachment is served with a policy of its own (nothing runs, sandboxed)."""
    import io

    from PIL import Image

    from app.extensions import db
    from app.scoping import system
    from models.org import PartnerUnit

    with app.app_context(), system():
        unit = PartnerUnit(name="响应头共建单位")
        db.session.add(unit)
        db.session.commit()
        pk = unit.id
    client = app.test_client()
    login(client)
    photo = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 200)).save(photo, "PNG")
    client.post(f"/attachments/partnerunit/{pk}", content_type="multipart/form-data",
                data={"files": (io.BytesIO(photo.getvalue()), "照片.png")})
    listed = client.get(f"/attachments/partnerunit/{pk}").json["result"]
    served = client.get(listed[0]["url"])
    assert served.status_code == 200
    assert served.headers["Content-Security-Policy"] == \
        "default-src 'none'; img-src 'self'; sandbox"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
