"""Configuration: typed defaults, then environment overrides, then explicit overrides."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_appbuilder.const import AUTH_DB

from app.extensions import NEVER_PREPARE
from app.passwords import fab_validator

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"

MODES = ("production", "demo", "test")
#: login attempts per address and minute; the test suite logs in hundreds of times
LOGIN_RATE, TEST_LOGIN_RATE = 20, 10000


#: scrypt with werkzeug's default cost (N·r·p = 2^18) spread as N=2^13, p=4: 8 MiB per
#: password check instead of 32, so a worker's memory does not jump by 32 MiB at every
#: login (OWASP lists N=2^13, r=8 as an equivalent form). Older hashes still verify.
PASSWORD_HASH = "scrypt:8192:8:4"
FAKE_HASH = ("scrypt:8192:8:4$iIHFEhDhE8s508UD$aa4ea10ab2f72f74586c927be20460322966a353bd78"
             "d8d0479e863185840955c2e5c146c7ad52c1d5b7504bbadf73c16a77bcc83a40b6b6de02c096b0"
             "508692")


class ConfigError(RuntimeError):
    """The configuration cannot run; the message says what to set, in Chinese and English."""


@dataclass(frozen=True)
class Defaults:
    """The settings people change, with their defaults (env names in brackets)."""

    mode: str = "production"  # TONGXIN_MODE: production | demo | test
    instance_dir: str = str(Path.cwd() / "instance")  # TONGXIN_INSTANCE_DIR
    database_url: str = ""  # DATABASE_URL; default: SQLite file in the instance folder
    secret_key: str = ""  # SECRET_KEY; required in production
    locale: str = "zh"  # TONGXIN_LOCALE: default language of the UI
    page_size: int = 20  # TONGXIN_PAGE_SIZE: rows per list page
    upload_dir: str = ""  # TONGXIN_UPLOAD_DIR; default: <instance_dir>/attachments
    max_upload: int = 10 * 1024 * 1024  # TONGXIN_MAX_UPLOAD: bytes per attached file
    secure_cookies: bool = False  # TONGXIN_SECURE_COOKIES: cookies only over HTTPS
    recycle_days: int = 30  # TONGXIN_RECYCLE_DAYS: deleted records can be restored
    proxy_count: int = 0  # TONGXIN_PROXY_COUNT: trusted proxies (nginx) in front
    login_rate_per_minute: int = 0  # TONGXIN_LOGIN_RATE_PER_MINUTE; 0: 20 (test mode 10000)
    idle_minutes: int = 30  # TONGXIN_IDLE_MINUTES: a session unused this long ends
    session_hours: int = 12  # TONGXIN_SESSION_HOURS: a session ends this long after login
    db_pool_size: int = 10  # TONGXIN_DB_POOL_SIZE: PostgreSQL connections kept per worker
    db_pool_overflow: int = 20  # TONGXIN_DB_POOL_OVERFLOW: extra connections in a burst


_INTEGERS = ("page_size", "max_upload", "recycle_days", "proxy_count",
             "login_rate_per_minute", "idle_minutes", "session_hours", "db_pool_size",
             "db_pool_overflow")


def _from_env() -> dict[str, Any]:
    env = os.environ
    out: dict[str, Any] = {}
    for field, name in (
        ("mode", "TONGXIN_MODE"),
        ("instance_dir", "TONGXIN_INSTANCE_DIR"),
        ("database_url", "DATABASE_URL"),
        ("secret_key", "SECRET_KEY"),
        ("locale", "TONGXIN_LOCALE"),
        ("page_size", "TONGXIN_PAGE_SIZE"),
        ("upload_dir", "TONGXIN_UPLOAD_DIR"),
        ("max_upload", "TONGXIN_MAX_UPLOAD"),
        ("secure_cookies", "TONGXIN_SECURE_COOKIES"),
        ("recycle_days", "TONGXIN_RECYCLE_DAYS"),
        ("proxy_count", "TONGXIN_PROXY_COUNT"),
        ("login_rate_per_minute", "TONGXIN_LOGIN_RATE_PER_MINUTE"),
        ("idle_minutes", "TONGXIN_IDLE_MINUTES"),
        ("session_hours", "TONGXIN_SESSION_HOURS"),
        ("db_pool_size", "TONGXIN_DB_POOL_SIZE"),
        ("db_pool_overflow", "TONGXIN_DB_POOL_OVERFLOW"),
    ):
        if env.get(name):
            out[field] = int(env[name]) if field in _INTEGERS else env[name]
    if "secure_cookies" in out:
        out["secure_cookies"] = str(out["secure_cookies"]).lower() in ("1", "true", "yes", "on")
    return out


def _demo_secret(instance: Path) -> str:
    """A random key kept in the instance folder, so demo sessions survive a restart."""
    path = instance / "demo-secret-key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


def engine_options(db_url: str, pool_size: int = 10, pool_overflow: int = 20
                   ) -> dict[str, Any]:
    """Pool settings: a dead connection is replaced before use, and a server that does
    not answer is given up on within seconds (the portal then answers 503 and recovers by
    itself once the database is back). SQLite's settings are in ``app.extensions``."""
    options: dict[str, Any] = {"pool_pre_ping": True}
    if db_url.startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": 3, "prepare_threshold": NEVER_PREPARE}
        # a connection for every thread of a worker (gunicorn.conf.py: 4) and room for
        # bursts; 2 workers x 30 stay well under PostgreSQL's default of 100 connections
        options["pool_size"], options["max_overflow"] = pool_size, pool_overflow
        options["pool_timeout"] = 10  # then 503 "try again", not a hung request
    return options


def build(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the Flask config: defaults < environment < ``overrides`` (Flask keys allowed)."""
    overrides = dict(overrides or {})
    settings = {**Defaults().__dict__, **_from_env()}
    for key in list(overrides):
        if key in settings:
            settings[key] = overrides.pop(key)
    mode = settings["mode"]
    if mode not in MODES:
        raise ConfigError(
            f"TONGXIN_MODE 只能是 {', '.join(MODES)} / TONGXIN_MODE must be one of {MODES}"
        )
    instance = Path(settings["instance_dir"])
    instance.mkdir(parents=True, exist_ok=True)
    secret = settings["secret_key"] or overrides.get("SECRET_KEY", "")
    if not secret:
        if mode == "production":
            raise ConfigError(
                "未设置 SECRET_KEY：生产环境必须通过环境变量 SECRET_KEY 提供一个随机长字符串。\n"
                "SECRET_KEY is not set: in production, provide a long random string in the "
                "SECRET_KEY environment variable."
            )
        secret = _demo_secret(instance) if mode == "demo" else secrets.token_hex(32)
    db_url = settings["database_url"] or f"sqlite:///{instance / 'tongxin.db'}"
    config: dict[str, Any] = {
        "TONGXIN_MODE": mode,
        "TONGXIN_INSTANCE_DIR": str(instance),
        "TONGXIN_PAGE_SIZE": settings["page_size"],
        # attached files live outside the web root (never under a static folder)
        "TONGXIN_UPLOAD_DIR": settings["upload_dir"] or str(instance / "attachments"),
        "TONGXIN_MAX_UPLOAD": settings["max_upload"],
        "TONGXIN_RECYCLE_DAYS": settings["recycle_days"],
        # any request body: one file and its form; the upload route allows several files
        "MAX_CONTENT_LENGTH": settings["max_upload"] + 1024 * 1024,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(db_url, settings["db_pool_size"],
                                                    settings["db_pool_overflow"]),
        "APP_NAME": "同心",
        "APP_ICON": "",
        "AUTH_TYPE": AUTH_DB,
        "AUTH_ROLE_ADMIN": "系统管理员",
        "AUTH_ROLE_PUBLIC": "公众",  # the role of visitors who are not signed in
        "AUTH_USER_REGISTRATION": False,
        "FAB_API_SWAGGER_UI": True,
        "FAB_ADD_SECURITY_VIEWS": True,
        "FAB_UPDATE_PERMS": False,
        "FAB_CREATE_DB": False,
        "FAB_API_MAX_PAGE_SIZE": 100,
        "BABEL_DEFAULT_LOCALE": settings["locale"],
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "BABEL_TRANSLATION_DIRECTORIES": str(TRANSLATIONS),
        "LANGUAGES": {
            "zh": {"flag": "cn", "name": "简体中文"},
            "en": {"flag": "gb", "name": "English"},
        },
        "WTF_CSRF_ENABLED": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": bool(settings["secure_cookies"]),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": bool(settings["secure_cookies"]),
        # login security (app.login_guard, app.sessions, app.passwords)
        "TONGXIN_PROXY_COUNT": settings["proxy_count"],
        "TONGXIN_LOGIN_RATE_PER_MINUTE": settings["login_rate_per_minute"]
        or (TEST_LOGIN_RATE if mode == "test" else LOGIN_RATE),
        "TONGXIN_IDLE_MINUTES": settings["idle_minutes"],
        "TONGXIN_SESSION_HOURS": settings["session_hours"],
        "FAB_PASSWORD_HASH_METHOD": PASSWORD_HASH,
        # an unknown user name costs the same check as a known one
        "AUTH_DB_FAKE_PASSWORD_HASH_CHECK": FAKE_HASH,
        "FAB_PASSWORD_COMPLEXITY_ENABLED": True,
        "FAB_PASSWORD_COMPLEXITY_VALIDATOR": fab_validator,
        "FAB_ADD_SECURITY_API": False,  # FAB's user API would check passwords the same way
        "TESTING": mode == "test",
    }
    config.update(overrides)
    return config
