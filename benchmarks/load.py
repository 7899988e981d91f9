"""Load test of ``tongxin bench``: simulated staff working the portal at once.

Each simulated person logs in through the form, then for the given time opens a page
(their scoped list, its second page, a search, a record), reads it and waits 0.2-1 s
before the next click, as people do. All against one server on 127.0.0.1; figures are
the latency of every page (p50, p95), requests per second and the share that failed.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from typing import Any

from benchmarks.servers import Server, Session, login


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

    def person(index: int, user: str, session: Session) -> None:
        rnd = random.Random(index)
        while time.perf_counter() < stop_at:
            path = rnd.choice(pages[user])
            started = time.perf_counter()
            try:
                status, _ = session.get(path)
            except OSError:
                status = 0
            took = (time.perf_counter() - started) * 1000
            with lock:
                timings.append(took)
                if status != 200:
                    failures.append(status)
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
