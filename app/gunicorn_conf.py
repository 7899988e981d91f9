"""gunicorn settings for a 2-core server (``gunicorn -c python:app.gunicorn_conf``).

Two worker processes (one per core) with four threads each: a request waiting on the
database or on a slow client does not hold a whole process. A worker is restarted after
a few thousand requests, so memory stays flat. ``TONGXIN_WORKERS`` and
``TONGXIN_THREADS`` change the counts; keep ``TONGXIN_DB_POOL_SIZE`` at least the thread
count on PostgreSQL.
"""

from __future__ import annotations

import gc
import os
from typing import Any

wsgi_app = "app:create_app()"
workers = int(os.environ.get("TONGXIN_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("TONGXIN_THREADS", "4"))
timeout = 60  # a request running longer than this (a stuck query) restarts its worker
graceful_timeout = 30  # on restart, requests under way get this long to finish
keepalive = 5  # nginx in front keeps connections open; matches its keepalive_timeout
max_requests = 2000
max_requests_jitter = 200  # the workers do not restart all at once
accesslog = "-"


def post_worker_init(worker: Any) -> None:
    """Once the worker has built the app: what start-up made (models, views, caches, some
    300,000 objects) lives as long as the worker, so the garbage collector stops scanning
    it; a full collection then looks only at what requests leave behind, instead of
    pausing a request for a quarter of a second every few hundred."""
    gc.freeze()
