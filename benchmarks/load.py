"""Load test of ``tongxin bench``: simulated staff working the portal at once.

Each simulated person logs in through the form, then for the given time opens a page
(their scoped list, its second page, a search, a record), reads it and waits 0.2-1 s
before the next click, as people do; a page that leaves its count for later is followed
by that count's request, as in a browser. All against one server on 127.0.0.1; figures
are the latency of every request (p50, p95), requests per second and the share that
failed.
"""

from __future__ import annotations

import html
import random
import re
import statistics
import threading
import time
from typing import Any

from benchmarks.servers import Server, Session, login

#: the address of a count a list page left for the browser to ask (views.counting)
PENDING_COUNT = re.compile(rb'data-tx-list-count="([^"]+)"')


def run(server: Server, users: list[str], password: str, pages: dict[str, list[str]],
        people: int, seconds: float) -> dict[str, Any]:
    """``people`` threads (cycling through ``users``) for ``seconds``; ``pages`` maps a
    username to the paths that person opens."""
    sessions: list[tuple[str, Session]] = []
    for i in range(people):
        user = users[i % len(users)]
        sessions.append((user, login(server, user, password)))
    timings: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def hit(session: Session, path: str) -> bytes:
        started = time.perf_counter()
        try:
            status, body = session.get(path)
        except OSError:
            status, body = 0, b""
        took = (time.perf_counter() - started) * 1000
        with lock:
            timings.append(took)
            if status != 200:
                failures.append(status)
        return body

    def person(index: int, user: str, session: Session) -> None:
        rnd = random.Random(index)
        while time.perf_counter() < stop_at:
            body = hit(session, rnd.choice(pages[user]))
            later = PENDING_COUNT.search(body)
            if later is not None:  # as the browser does: the count the page left for later
                hit(session, html.unescape(later.group(1).decode()))
            time.sleep(rnd.uniform(0.2, 1.0))

    threads = [threading.Thread(target=person, args=(i, user, session))
               for i, (user, session) in enumerate(sessions)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    ordered = sorted(timings) or [0.0]
    return {"people": people, "seconds": round(elapsed, 1), "requests": len(timings),
            "rps": len(timings) / elapsed, "p50": statistics.median(ordered),
            "p95": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))],
            "errors": len(failures), "error_rate": len(failures) / max(len(timings), 1),
            "failed_statuses": sorted(set(failures))}
