"""``tongxin bench``: our portal against a stock Flask-AppBuilder ModelView and a Django
admin ModelAdmin, on the same work-log table, in one run.

    tongxin bench                      # 1,000,000 work logs, SQLite in a temp folder
    tongxin bench --rows 20000 --quick # the CI smoke run
    DATABASE_URL=postgresql+psycopg://…/tongxin_bench tongxin bench   # PostgreSQL

Builds a throw-away database (a PostgreSQL database is wiped: its name must contain
"bench"), loads the demo data, adds work logs spread over every street, community and
unit, then serves each system with the same gunicorn settings (2 workers × 4 threads)
and times, alternating the systems: each scope's list page 1 (a unit, a community, a
street), page 1,000 of the street's list, a Chinese substring search, a record's page.
Also: SQL statements per page, the raw SQL floor, start-up, peak RSS per worker, the
unit's export against a bare openpyxl loop, a count check (10,000 rows against the
full table, same scope size) and a load test with 50 simulated staff. Prints a table,
writes JSON and a PNG chart. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import platform
import secrets
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks import floor, load, seed, servers
from benchmarks.dashboard import PASSWORD, build, login

SYSTEMS = ("ours", "fab", "django")
SEARCH = "老人理发"  # one summary in 24 holds it
SMALL = 10_000  # the table size of the count check


def _ids(flask_app: Any) -> dict[str, int]:
    from sqlalchemy import select

    from app.extensions import db
    from models.users import TongxinUser

    with flask_app.app_context():
        users = {u.username: u for u in db.session.scalars(select(TongxinUser))}
        found = {"unit": users["unit1"].partner_unit_id,
                 "community": users["community1"].community_id,
                 "street": users["street1"].street_id}
        db.session.remove()
    return found


def _pages(ids: dict[str, int], sample: int, deep: int) -> list[dict[str, Any]]:
    """Each timed page: its name, our user, and its path on each system."""
    fab, dj = "/worklog{}view/", "/admin/bench/worklog{}/"
    rows = [
        {"name": "unit list p1", "user": "unit1", "ours": "/worklog/list/",
         "fab": fab.format("unit") + "list/", "django": dj.format("unit")},
        {"name": "community list p1", "user": "community1", "ours": "/worklog/list/",
         "fab": fab.format("community") + "list/", "django": dj.format("community")},
        {"name": "street list p1", "user": "street1", "ours": "/worklog/list/",
         "fab": fab.format("street") + "list/", "django": dj.format("street")},
        {"name": f"street list p{deep}", "user": "street1",
         "ours": f"/worklog/list/?page_WorkLogView={deep - 1}",
         "fab": fab.format("street") + f"list/?page_WorkLogStreetView={deep - 1}",
         "django": dj.format("street") + f"?p={deep}"},
        {"name": "search 老人理发", "user": "street1",
         "ours": f"/worklog/list/?_flt_2_summary={SEARCH}",
         "fab": fab.format("street") + f"list/?_flt_2_summary={SEARCH}",
         "django": dj.format("street") + f"?q={SEARCH}"},
        {"name": "record page", "user": "street1", "ours": f"/worklog/show/{sample}",
         "fab": fab.format("street") + f"show/{sample}",
         "django": dj.format("street") + f"{sample}/change/"},
    ]
    from urllib.parse import quote

    for page in rows:
        for system in SYSTEMS:
            page[system] = quote(page[system], safe="/?=&_")
    return rows


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def _latency(pages: list[dict[str, Any]], sessions: dict[str, dict[str, Any]],
             repeat: int) -> None:
    """p50 / p95 of ``repeat`` requests per page and system, the systems taking turns."""
    for page in pages:
        timings: dict[str, list[float]] = {s: [] for s in SYSTEMS}
        statuses: dict[str, set[int]] = {s: set() for s in SYSTEMS}
        for _ in range(3):  # warm-up: templates compiled, caches filled
            for system in SYSTEMS:
                sessions[system][page["user"]].get(page[system])
        for turn in range(repeat):
            order = SYSTEMS[turn % 3:] + SYSTEMS[:turn % 3]
            for system in order:
                started = time.perf_counter()
                status, headers, _ = sessions[system][page["user"]].request(
                    "GET", page[system])
                timings[system].append((time.perf_counter() - started) * 1000)
                statuses[system].add(status)
                if status != 200:
                    page.setdefault("trouble", {})[system] = headers.get("Location", "")
        for system in SYSTEMS:
            page[f"{system}_path"] = page.pop(system)
            page[system] = {"p50": statistics.median(timings[system]),
                            "p95": _p(timings[system], 0.95),
                            "status": sorted(statuses[system])}


def _later_counts(pages: list[dict[str, Any]], sessions: dict[str, dict[str, Any]],
                  repeat: int) -> None:
    """p50 of the count a page of ours left to a second request (a substring search on
    PostgreSQL, ``views.counting.count_later``), which the browser asks once the rows are
    shown: ``page["ours"]["count_later"]``."""
    for page in pages:
        session = sessions["ours"][page["user"]]
        found = load.PENDING_COUNT.search(session.get(page["ours_path"])[1])
        if found is None:
            continue
        path = html.unescape(found.group(1).decode())
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            status, _body = session.get(path)
            timings.append((time.perf_counter() - started) * 1000)
        page["ours"]["count_later"] = {"path": path, "p50": statistics.median(timings),
                                       "status": status}


def _throughput(pages: list[dict[str, Any]], sessions: dict[str, dict[str, Any]],
                seconds: float, clients: int = 4) -> None:
    """Requests per second with ``clients`` concurrent clients, per page and system."""
    def client(done: list[int], i: int, session: servers.Session, path: str,
               stop_at: float) -> None:
        while time.perf_counter() < stop_at:
            session.get(path)
            done[i] += 1

    for page in pages:
        for system in SYSTEMS:
            base = sessions[system][page["user"]]
            done = [0] * clients
            stop_at = time.perf_counter() + seconds
            threads = [threading.Thread(target=client, args=(
                done, i, base.copy(), page[f"{system}_path"], stop_at))
                for i in range(clients)]
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            page[system]["rps"] = sum(done) / (time.perf_counter() - began)


def _statements(flask_app: Any, pages: list[dict[str, Any]], env: dict[str, str],
                repeat: int) -> None:
    """SQL statements per page on each system, and the floor of our data queries."""
    clients: dict[str, Any] = {}
    for page in pages:
        if page["user"] not in clients:
            clients[page["user"]] = flask_app.test_client()
            login(clients[page["user"]], page["user"])
        _, count, data = floor.page_statements(flask_app, clients[page["user"]],
                                               page["ours_path"])
        page["ours"]["statements"] = count
        page["floor"] = {"p50": floor.raw_ms(flask_app, data, repeat),
                         "statements": len(data)}
    for system, module in (("fab", "benchmarks.rivals.stock_fab"),
                           ("django", "benchmarks.rivals.django_admin")):
        counted = servers.run_json([module, "count", *[p[f"{system}_path"] for p in pages]],
                                   env)
        for page in pages:
            page[system]["statements"] = counted[page[f"{system}_path"]]["statements"]


def _startup(env: dict[str, str], runs: int = 3) -> dict[str, float]:
    """Median seconds to build each app with every model and view, in a new process."""
    code = ("import time; t = time.perf_counter(); from app import create_app; "
            "create_app(); import json; print(json.dumps({'seconds': "
            "time.perf_counter() - t}))")
    out = {}
    runs += 1  # the first run of each writes its bytecode caches and is not counted
    for system, args in (("ours", ["-c", code]),
                         ("fab", ["benchmarks.rivals.stock_fab", "startup"]),
                         ("django", ["benchmarks.rivals.django_admin", "startup"])):
        if system == "ours":
            import subprocess
            import sys

            times = [json.loads(subprocess.run(
                [sys.executable, *args], env={**os.environ, **env}, capture_output=True,
                text=True, check=True).stdout.strip().splitlines()[-1])["seconds"]
                for _ in range(runs)]
        else:
            times = [servers.run_json(args, env)["seconds"] for _ in range(runs)]
        out[system] = statistics.median(times[1:])
    return out


def _scale(flask_app: Any, path: str, user: str, repeat: int) -> float:
    """In-process p50 of our page ``path`` as ``user`` (the count check)."""
    client = flask_app.test_client()
    login(client, user)
    client.get(path)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(path).get_data()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """The whole benchmark; returns everything it measured."""
    from benchmarks import report

    rows = args.rows or (20_000 if args.quick else 1_000_000)
    repeat = args.repeat or (5 if args.quick else 15)
    seconds = args.seconds or (1.0 if args.quick else 3.0)
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql") and "bench" not in url.rsplit("/", 1)[-1]:
        raise SystemExit("tongxin bench wipes its database: DATABASE_URL must name a "
                         "database whose name contains 'bench' / 基准测试会清空数据库，"
                         "库名须含 bench")
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tongxin-bench-") as instance:
        url = url if url.startswith("postgresql") else f"sqlite:///{instance}/bench.db"
        database = "postgresql" if url.startswith("postgresql") else "sqlite"
        report.say(f"building the {database} database (demo data)…")
        flask_app = build(url, instance)
        ids = _ids(flask_app)
        small = min(SMALL, rows)
        mine = small * 3 // 10  # unit1 holds 30 % of the small table: a busy unit
        seed.spread(flask_app, small - mine)
        seed.spread(flask_app, mine, only=ids["unit"], seed=3)
        scale = {"small_rows": small,
                 "small_p50": _scale(flask_app, "/worklog/list/", "unit1", repeat),
                 "small_scope": seed.scope_sizes(flask_app, **ids)["unit"]}
        took = seed.spread(flask_app, rows - small, leave_out=ids["unit"], seed=7)
        sizes = seed.scope_sizes(flask_app, **ids)
        report.say(f"{sizes['table']:,} work logs seeded in {took:.0f} s; scopes: "
                   f"unit {sizes['unit']:,}, community {sizes['community']:,}, "
                   f"street {sizes['street']:,}")
        scale.update(large_rows=sizes["table"], large_scope=sizes["unit"],
                     large_p50=_scale(flask_app, "/worklog/list/", "unit1", repeat))
        deep = max(1, min(1000, sizes["street"] // 20))
        sample = _sample(flask_app, ids["street"])
        pages = _pages(ids, sample, deep)
        env = {"BENCH_DATABASE_URL": url, "BENCH_PASSWORD": PASSWORD,
               "BENCH_UNIT_ID": str(ids["unit"]), "BENCH_COMMUNITY_ID": str(ids["community"]),
               "BENCH_STREET_ID": str(ids["street"]), "DATABASE_URL": url,
               "TONGXIN_MODE": "test", "TONGXIN_INSTANCE_DIR": instance,
               # one key for both workers (test mode would draw one per process), and
               # bytecode caches written and used, as on a server
               "SECRET_KEY": secrets.token_hex(32), "PYTHONDONTWRITEBYTECODE": ""}
        servers.run_json(["benchmarks.rivals.django_admin", "setup"], env)
        # FAB adds its permission rows on its first start: once, before two workers race
        servers.run_json(["benchmarks.rivals.stock_fab", "startup"], env)
        folder = Path(instance)
        running = {s: servers.start(s, env, folder) for s in SYSTEMS}
        try:
            users = {"ours": {u: servers.login(running["ours"], u, PASSWORD)
                              for u in ("unit1", "community1", "street1")},
                     "fab": servers.login(running["fab"], "admin", PASSWORD),
                     "django": servers.login(running["django"], "bench", PASSWORD)}
            sessions = {"ours": users["ours"],
                        "fab": dict.fromkeys(users["ours"], users["fab"]),
                        "django": dict.fromkeys(users["ours"], users["django"])}
            report.say("timing pages…")
            _latency(pages, sessions, repeat)
            _later_counts(pages, sessions, repeat)
            report.say("requests per second…")
            _throughput(pages, sessions, seconds)
            rss = {s: running[s].peak_rss_mb() for s in SYSTEMS}
        finally:
            for server in running.values():
                server.stop()
        report.say("statements, floor, start-up, export…")
        _statements(flask_app, pages, env, repeat)
        startup = _startup(env)
        export = floor.export_pair(flask_app, ids["unit"])
        report.say(f"load test: {args.people} simulated staff for {args.load_seconds:.0f} s…")
        shipped = servers.start("ours", env, folder,
                                ["-c", "python:app.gunicorn_conf", "--access-logfile",
                                 "/dev/null"])
        try:
            staff = ("unit1", "unit2", "community1", "grid1", "street1", "social1")
            loaded = load.run(shipped, list(staff), PASSWORD,
                              {u: [p["ours_path"] for p in pages if p["user"] == u]
                               or [p["ours_path"] for p in pages[:1] + pages[4:5]]
                               for u in staff},
                              args.people, args.load_seconds)
        finally:
            shipped.stop()
    result = {"meta": {"rows": sizes["table"], "database": database, "scopes": sizes,
                       "machine": f"{os.cpu_count()} cores, {platform.machine()}, "
                                  f"Python {platform.python_version()}",
                       "date": time.strftime("%Y-%m-%d %H:%M"), "repeat": repeat},
              "pages": pages, "startup_s": startup, "peak_rss_mb": rss,
              "export": export, "scale": scale, "load": loaded}
    report.show(result)
    report.save(result, out_dir)
    return result


def _sample(flask_app: Any, street: int) -> int:
    """A work log of the street, for the record page."""
    from sqlalchemy import select

    from app.extensions import db
    from models.cobuild import WorkLog

    with flask_app.app_context():
        found = db.session.scalar(select(WorkLog.id).where(WorkLog.street_id == street)
                                  .order_by(WorkLog.id.desc()).limit(1))
        db.session.remove()
    return int(found or 1)


def parser() -> argparse.ArgumentParser:
    """The command-line options (shared with ``tongxin bench``)."""
    cli = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    cli.add_argument("--rows", type=int, help="work logs in the table (default 1,000,000)")
    cli.add_argument("--quick", action="store_true", help="fewer repeats: a smoke run")
    cli.add_argument("--repeat", type=int, help="timed requests per page and system")
    cli.add_argument("--seconds", type=float, help="seconds of each requests/s run")
    cli.add_argument("--people", type=int, default=50, help="simulated staff (load test)")
    cli.add_argument("--load-seconds", type=float, default=20.0, help="load test length")
    cli.add_argument("--out", default="bench-results", help="folder for JSON and PNG")
    return cli


def main(argv: list[str] | None = None) -> None:
    run(parser().parse_args(argv))


if __name__ == "__main__":
    main()
