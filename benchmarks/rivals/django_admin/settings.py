"""Django settings: a plain ``startproject`` layout, configured from ``BENCH_*`` variables."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import unquote, urlsplit


def database(url: str) -> dict[str, Any]:
    """Django's ``DATABASES["default"]`` for a SQLAlchemy URL (SQLite or PostgreSQL)."""
    # persistent connections, as Django's deployment checklist advises (the portal pools too)
    common = {"CONN_MAX_AGE": int(os.environ.get("BENCH_CONN_MAX_AGE") or 60)}
    if url.startswith("sqlite:///"):
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": url[len("sqlite:///"):],
                **common}
    parts = urlsplit(url)
    if parts.scheme.split("+")[0] not in ("postgresql", "postgres"):
        raise ValueError(f"unsupported BENCH_DATABASE_URL: {url}")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        **common,
    }


SECRET_KEY = os.environ.get("BENCH_SECRET") or "bench-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

#: the partner unit, community and street whose work logs the three admin lists show
BENCH_UNIT_ID = int(os.environ.get("BENCH_UNIT_ID") or 0)
BENCH_COMMUNITY_ID = int(os.environ.get("BENCH_COMMUNITY_ID") or 0)
BENCH_STREET_ID = int(os.environ.get("BENCH_STREET_ID") or 0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "benchmarks.rivals.django_admin.bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "benchmarks.rivals.django_admin.urls"
WSGI_APPLICATION = "benchmarks.rivals.django_admin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": database(os.environ.get("BENCH_DATABASE_URL") or "sqlite:////tmp/djbench.db")
}

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
