"""Command line of the Django rival; prints JSON for the harness.

    python -m benchmarks.rivals.django_admin setup            # migrate Django's apps, superuser
    python -m benchmarks.rivals.django_admin count PATH...    # status and SQL statements a GET
    python -m benchmarks.rivals.django_admin startup          # seconds to a ready WSGI app
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

T0 = time.perf_counter()  # before Django is imported: the start of ``startup``
USERNAME = "bench"


def ready() -> None:
    """Import Django and build the WSGI app, as gunicorn does (setup, admin autodiscover)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.rivals.django_admin.settings")
    from django.urls import resolve

    from benchmarks.rivals.django_admin.wsgi import application  # noqa: F401

    resolve("/admin/")  # loads the URLconf


def setup() -> None:
    """Migrate Django's own apps quietly and create or update the superuser (idempotent)."""
    password = os.environ.get("BENCH_PASSWORD")
    if not password:
        sys.exit("BENCH_PASSWORD is not set")
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username=USERNAME)
    user.is_staff = user.is_superuser = user.is_active = True
    user.set_password(password)
    user.save()


def count(paths: list[str]) -> dict[str, dict[str, int]]:
    """Status and statements of one GET of each path (after one warm-up), as the superuser."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(get_user_model().objects.get(username=USERNAME))
    figures = {}
    for path in paths:
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        figures[path] = {"status": response.status_code, "statements": len(queries)}
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.rivals.django_admin")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("setup", help="migrate Django's apps and create the superuser")
    counting = commands.add_parser("count", help="status and SQL statements of GETs")
    counting.add_argument("paths", nargs="+", metavar="PATH")
    commands.add_parser("startup", help="seconds from importing Django to a ready app")
    args = parser.parse_args(argv)
    ready()
    if args.command == "startup":
        print(json.dumps({"seconds": time.perf_counter() - T0}))
    elif args.command == "setup":
        setup()
    else:
        print(json.dumps(count(args.paths), ensure_ascii=False))


if __name__ == "__main__":
    main()
