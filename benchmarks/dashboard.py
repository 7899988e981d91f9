"""Dashboard benchmark: 首页看板, home page, 月报 workbook and the work-log list searched,
over 1M work logs.

    python -m benchmarks.dashboard                 # 1,000,000 work logs (takes minutes)
    python -m benchmarks.dashboard --quick         # 20,000 work logs: a smoke run
    python -m benchmarks.dashboard --rows N --repeat K

Builds one throw-away database (SQLite in a temp dir, or the PostgreSQL database of
``--database-url``, which must be a throw-away one: its public schema is dropped first),
migrates it, loads the demo data set and adds N work logs over the last twelve months in
the street of ``street1`` (Core inserts, 20k a chunk, one transaction), then ANALYZEs.
Pages are fetched through the Flask test client logged in by the real form, as
``street1`` and ``community1``: one warm-up request, then K timed ones (min, p50, max)
and the SQL statements one request runs. "rows" is the work logs in the user's scope.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import statistics
import tempfile
import time
from collections import Counter
from decimal import Decimal
from typing import Any

from sqlalchemy import event, select, text

PASSWORD = os.environ.get("TONGXIN_DEMO_PASSWORD") or "Tongxin@2026"
CHUNK = 20_000
HOURS = (Decimal("1.5"), Decimal("2"), Decimal("3"), Decimal("4"))
STATUSES = ("approved",) * 8 + ("pending", "returned")  # 80 % approved
#: (page, user): the pages timed, the dashboard first (the headline figure)
PAGES = (("/dashboard/", "street1"), ("/", "street1"), ("/dashboard/report.xlsx", "street1"),
         ("/dashboard/", "community1"),
         # the work-log list searched for a phrase (through the trigram index) and for two
         # characters (a scan: too short for a trigram)
         ("/worklog/list/?_flt_2_summary=独居老人理发", "street1"),
         ("/worklog/list/?_flt_2_summary=理发", "street1"))
#: what the seeded work logs say (one phrase in 24 holds 独居老人理发)
SUMMARIES = ("为独居老人送餐并测量血压", "辅导小学生完成作业", "清理楼道堆物和绿化带垃圾",
             "更换楼道灯并修补破损台阶", "义诊并讲解慢病用药", "组织广场舞展演和亲子游戏",
             "解答居民婚姻家庭问题", "上门为独居老人理发", "陪同高龄老人就医取药",
             "开展防诈骗宣传进楼栋", "为残疾人家庭打扫卫生", "维修小区健身器材",
             "收集居民微心愿", "走访困境儿童家庭", "组织退役军人座谈", "张贴消防安全提示",
             "清运建筑垃圾", "疏通下水管道", "安装电动车充电桩", "调解邻里停车纠纷",
             "讲解垃圾分类知识", "教老年人使用智能手机", "慰问低保家庭", "整修小区围栏")


def build(url: str, instance: str) -> Any:
    """A migrated app with the demo organisation and accounts."""
    from app import create_app
    from app.bootstrap import ensure_admin, init_database, wipe_postgres_schema
    from app.demo import load_demo
    from app.scoping import system

    if url.startswith("postgresql"):
        wipe_postgres_schema(url)
    flask_app = create_app({"mode": "test", "instance_dir": instance, "database_url": url})
    init_database(flask_app)
    ensure_admin(flask_app, "admin", PASSWORD)
    with flask_app.app_context(), system():
        load_demo(PASSWORD)
    return flask_app


def seed(flask_app: Any, rows: int) -> Counter[int]:
    """``rows`` work logs in street1's street; returns work logs per community."""
    from app import clock, stats
    from app.extensions import db
    from app.scoping import system
    from benchmarks.seed import analyze, work_log_row
    from models.cobuild import Project, WorkLog
    from models.mixins import utcnow
    from models.org import Community, unit_community
    from models.users import TongxinUser

    rnd = random.Random(2026)
    per_community: Counter[int] = Counter()
    with flask_app.app_context(), system():
        street = db.session.scalar(select(TongxinUser.street_id)
                                   .where(TongxinUser.username == "street1"))
        pairs = db.session.execute(
            select(unit_community.c.partner_unit_id, unit_community.c.community_id)
            .join(Community, Community.id == unit_community.c.community_id)
            .where(Community.street_id == street)
            .order_by(unit_community.c.community_id, unit_community.c.partner_unit_id)).all()
        db.session.remove()
        engine = db.engine
        now = utcnow()
        today = clock.today()
        first = stats.shift(today.replace(day=1), 1 - 12)  # the dashboard's twelve months
        days = (today - first).days + 1
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(Project.__table__.insert(), [
                {"name": f"基准项目{i}", "street_id": street, "community_id": community,
                 "partner_unit_id": unit, "created_on": now, "changed_on": now, "version": 1}
                for i, (unit, community) in enumerate(pairs)])
            projects = conn.execute(select(Project.id, Project.partner_unit_id,
                                           Project.community_id)
                                    .where(Project.name.like("基准项目%"))).all()
            table = WorkLog.__table__
            for start in range(0, rows, CHUNK):
                chunk = []
                for _ in range(start, min(start + CHUNK, rows)):
                    project, unit, community = rnd.choice(projects)
                    per_community[community] += 1
                    chunk.append(work_log_row(
                        rnd, (project, unit, community, street),
                        first + dt.timedelta(days=rnd.randrange(days)), now))
                conn.execute(table.insert(), chunk)
        seconds = time.perf_counter() - started
        print(f"seeded {rows:,} work logs ({len(projects)} projects, {len(pairs)} unit × "
              f"community pairs) in {seconds:.1f} s: {rows / max(seconds, 1e-9):,.0f} rows/s")
        started = time.perf_counter()
        analyze(engine)
        print(f"analyzed in {time.perf_counter() - started:.1f} s")
    return per_community


def login(client: Any, username: str) -> None:
    """Log ``client`` in through the real login form (as tests/conftest.py does)."""
    page = client.get("/login/").get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]* value="([^"]+)"', page)
    if match is None:
        raise SystemExit("no CSRF token on /login/")
    resp = client.post("/login/", data={"username": username, "password": PASSWORD,
                                        "csrf_token": match.group(1)})
    if resp.status_code != 302 or "/login" in resp.headers.get("Location", ""):
        raise SystemExit(f"login of {username} failed ({resp.status_code})")


def measure(flask_app: Any, per_community: Counter[int],
            repeat: int) -> list[dict[str, Any]]:
    """Each page of :data:`PAGES`: timings of ``repeat`` requests after a warm-up."""
    from app.extensions import db
    from app.scoping import system
    from models.users import TongxinUser

    with flask_app.app_context(), system():
        engine = db.engine
        communities: dict[str, int | None] = {
            name: community for name, community in db.session.execute(
                select(TongxinUser.username, TongxinUser.community_id))}
        db.session.remove()
    statements = [0]

    def count(*_args: Any) -> None:
        statements[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    clients: dict[str, Any] = {}
    out = []
    try:
        for path, user in PAGES:
            if user not in clients:
                clients[user] = flask_app.test_client()
                login(clients[user], user)
            client = clients[user]
            status = client.get(path).status_code  # warm-up, discarded
            timings, counts = [], []
            for _ in range(repeat):
                statements[0] = 0
                started = time.perf_counter()
                resp = client.get(path)
                resp.get_data()
                timings.append((time.perf_counter() - started) * 1000)
                counts.append(statements[0])
                status = max(status, resp.status_code)
            community = communities.get(user)
            rows = per_community[community] if community else sum(per_community.values())
            out.append({"page": path, "user": user, "rows": rows, "status": status,
                        "p50": statistics.median(timings), "min": min(timings),
                        "max": max(timings), "statements": max(counts)})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return out


def scan_ms(flask_app: Any, word: str) -> float:
    """The fastest of three counts of work logs holding ``word`` by a plain LIKE, straight
    on the database: a full scan on SQLite (LIKE does not reach the FTS5 table), served by
    the trigram index on PostgreSQL."""
    from app.extensions import db

    with flask_app.app_context():
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            with db.engine.connect() as conn:
                conn.execute(text("SELECT COUNT(*) FROM work_log WHERE summary LIKE :w"),
                             {"w": f"%{word}%"}).scalar()
            best = min(best, (time.perf_counter() - started) * 1000)
        return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rows", type=int, help="work logs to add (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="20,000 work logs: a smoke run")
    parser.add_argument("--repeat", type=int, default=7, help="timed requests per page")
    parser.add_argument("--database-url", default="",
                        help="a throw-away PostgreSQL database (its public schema is dropped)")
    args = parser.parse_args(argv)
    rows = args.rows or (20_000 if args.quick else 1_000_000)
    with tempfile.TemporaryDirectory(prefix="tongxin-bench-") as instance:
        url = args.database_url or f"sqlite:///{instance}/bench.db"
        dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
        started = time.perf_counter()
        flask_app = build(url, instance)
        print(f"database ({dialect}) migrated, demo loaded in "
              f"{time.perf_counter() - started:.1f} s")
        per_community = seed(flask_app, rows)
        results = measure(flask_app, per_community, max(args.repeat, 1))
        wide = max(len(r["page"]) for r in results) + 2
        print(f"\n{'page':<{wide}}{'user':<12}{'rows':>10}{'p50 ms':>9}{'min':>9}{'max':>9}"
              f"{'statements':>12}")
        for r in results:
            flag = "" if r["status"] == 200 else f"  (HTTP {r['status']})"
            print(f"{r['page']:<{wide}}{r['user']:<12}{r['rows']:>10,}{r['p50']:>9.0f}"
                  f"{r['min']:>9.0f}{r['max']:>9.0f}{r['statements']:>12}{flag}")
        print(f"\ndashboard p50 at {rows:,} work logs: {results[0]['p50']:.0f} ms "
              f"(target < 1000 ms) on {dialect}")
        print(f"phrase search p50: {results[4]['p50']:.0f} ms; the same count by the "
              f"database alone (LIKE): {scan_ms(flask_app, '独居老人理发'):.0f} ms")
        with flask_app.app_context():
            from app.extensions import db

            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
