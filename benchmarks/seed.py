"""Work logs spread like the demo's: every street, community and partner unit gets some.

:func:`spread` adds rows with Core inserts (20k a chunk, one transaction), one project per
(unit, community) pair that the demo says a unit serves. ``leave_out`` keeps one unit's
rows as they are, so its scope stays the same size while the table grows (the count
check of ``tongxin bench``); ``only`` gives one unit rows of its own.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from sqlalchemy import func, select, text

from benchmarks.dashboard import CHUNK, HOURS, STATUSES, SUMMARIES


def work_log_row(rnd: random.Random, place: tuple[int, int, int, int], day: dt.date,
                 now: dt.datetime) -> dict[str, Any]:
    """One seeded work log of ``place`` (project, unit, community, street) dated ``day``."""
    project, unit, community, street = place
    return {"project_id": project, "street_id": street, "community_id": community,
            "partner_unit_id": unit, "work_date": day, "hours": rnd.choice(HOURS),
            "people_sent": rnd.randint(1, 4), "beneficiaries": rnd.randint(0, 40),
            "summary": f"{rnd.choice(SUMMARIES)}（第{rnd.randint(1, 99)}次）",
            "status": rnd.choice(STATUSES), "created_on": now, "changed_on": now,
            "version": 1}


def analyze(engine: Any) -> None:
    """Fresh planner statistics after a bulk load (work logs and projects)."""
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE work_log"))
        conn.execute(text("VACUUM ANALYZE project"))


def _projects(conn: Any) -> list[tuple[int, int, int, int]]:
    """(project, unit, community, street) of one benchmark project per served pair."""
    from models.cobuild import Project
    from models.mixins import utcnow
    from models.org import Community, unit_community

    mine = select(Project.id, Project.partner_unit_id, Project.community_id,
                  Project.street_id).where(Project.name.like("基准项目%"))
    found = [tuple(row) for row in conn.execute(mine)]
    if found:
        return found  # type: ignore[return-value]
    pairs = conn.execute(
        select(unit_community.c.partner_unit_id, unit_community.c.community_id,
               Community.street_id)
        .join(Community, Community.id == unit_community.c.community_id)
        .order_by(unit_community.c.community_id, unit_community.c.partner_unit_id)).all()
    now = utcnow()
    conn.execute(Project.__table__.insert(), [
        {"name": f"基准项目{i}", "street_id": street, "community_id": community,
         "partner_unit_id": unit, "created_on": now, "changed_on": now, "version": 1}
        for i, (unit, community, street) in enumerate(pairs)])
    return [tuple(row) for row in conn.execute(mine)]  # type: ignore[misc]


def spread(flask_app: Any, rows: int, leave_out: int | None = None,
           seed: int = 2026, only: int | None = None) -> float:
    """Add ``rows`` work logs over the last year across all served pairs (none for the
    unit ``leave_out``; only the unit ``only``'s if given), then ANALYZE; returns the
    seconds taken."""
    from app import clock
    from app.extensions import db
    from models.cobuild import WorkLog
    from models.mixins import utcnow

    rnd = random.Random(seed)
    started = time.perf_counter()
    with flask_app.app_context():
        engine = db.engine
        today, now = clock.today(), utcnow()
        with engine.begin() as conn:
            projects = [p for p in _projects(conn)
                        if p[1] != leave_out and only in (None, p[1])]
            table = WorkLog.__table__
            for start in range(0, rows, CHUNK):
                chunk = []
                for _ in range(start, min(start + CHUNK, rows)):
                    project, unit, community, street = rnd.choice(projects)
                    chunk.append(work_log_row(
                        rnd, (project, unit, community, street),
                        today - dt.timedelta(days=rnd.randrange(365)), now))
                conn.execute(table.insert(), chunk)
        analyze(engine)
        db.session.remove()
    return time.perf_counter() - started


def scope_sizes(flask_app: Any, unit: int, community: int, street: int) -> dict[str, int]:
    """Work logs in each benchmark scope, and in the whole table."""
    from app.extensions import db
    from models.cobuild import WorkLog

    with flask_app.app_context(), db.engine.connect() as conn:
        def count(*where: Any) -> int:
            return int(conn.execute(select(func.count()).select_from(WorkLog)
                                    .where(*where)).scalar_one())
        return {"unit": count(WorkLog.partner_unit_id == unit),
                "community": count(WorkLog.community_id == community),
                "street": count(WorkLog.street_id == street), "table": count()}
