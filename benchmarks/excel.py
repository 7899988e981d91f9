"""Excel benchmarks: export of 100k and 1M rows, import of 10k and 50k rows.

    python -m benchmarks.excel                 # the issue's sizes (takes minutes)
    python -m benchmarks.excel --quick         # 20k export, 5k import: a smoke run

Each measurement runs in a fresh process (so its peak RSS is its own) against one
throw-away SQLite database (or ``DATABASE_URL``). Export goes through the portal's export
engine (``app.excel.export``: scoped ORM reads, masking, neutralising, Chinese labels);
the floor is a plain openpyxl write-only dump of the same rows read with one Core query,
and the ratio says what the portal's work costs on top. Import runs the real dry run and
commit (``app.excel.importer``). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent


def _app(url: str, instance: str) -> Any:
    from app import create_app

    return create_app({"mode": "test", "instance_dir": instance, "database_url": url})


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed(url: str, instance: str, rows: int) -> None:
    """A community with ``rows`` demands (added with Core inserts, 10k at a time)."""
    from app.bootstrap import init_database
    from app.extensions import db
    from app.scoping import system
    from models.cobuild import Demand
    from models.mixins import utcnow
    from models.org import Community, Street

    app = _app(url, instance)
    init_database(app)
    with app.app_context(), system():
        if db.session.scalar(select(func.count()).select_from(Demand)) >= rows:
            return
        street = Street(name="基准街道")
        community = Community(name="基准社区", street=street)
        db.session.add_all([street, community])
        db.session.commit()
        now = utcnow()
        for start in range(0, rows, 10_000):
            db.session.execute(insert(Demand), [
                {"title": f"基准需求{i}", "description": "为独居老人上门理发、打扫卫生。",
                 "source": "visit", "urgency": "normal", "beneficiaries": i % 50,
                 "status": "published", "community_id": community.id, "street_id": street.id,
                 "created_on": now, "changed_on": now, "version": 1}
                for i in range(start, min(start + 10_000, rows))])
            db.session.commit()


def phase_export(url: str, instance: str, rows: int) -> dict[str, Any]:
    from app.excel import export as engine
    from app.extensions import db
    from app.scoping import system
    from models.cobuild import Demand
    from views.generator import describe
    from views.interface import PortalInterface

    app = _app(url, instance)
    with app.app_context(), app.test_request_context(), system():
        spec, datamodel = describe(Demand), PortalInterface(Demand)
        started = time.perf_counter()
        ids = engine.ordered_ids(datamodel, None, "id", "asc")[:rows]
        columns = engine.columns_of(spec, ["id", *spec.show_columns])
        out = Path(instance) / "export.xlsx"
        relations = [c.key for c in columns if c.key in spec.relations]
        count = engine.write(out, "需求", columns, engine._chunks(Demand, ids, relations))
        seconds = time.perf_counter() - started
        db.session.remove()
    return {"rows": count, "seconds": seconds, "peak_mb": _peak_mb(),
            "file_mb": out.stat().st_size / 2**20}


def phase_floor(url: str, instance: str, rows: int) -> dict[str, Any]:
    from openpyxl import Workbook

    from app.extensions import db
    from models.cobuild import Demand

    app = _app(url, instance)
    with app.app_context():
        started = time.perf_counter()
        book = Workbook(write_only=True)
        sheet = book.create_sheet("需求")
        table = Demand.__table__
        sheet.append([c.name for c in table.columns])
        result = db.session.connection().execution_options(yield_per=1000).execute(
            select(table).order_by(table.c.id).limit(rows))
        count = 0
        for row in result:
            sheet.append(list(row))
            count += 1
        book.save(Path(instance) / "floor.xlsx")
        seconds = time.perf_counter() - started
    return {"rows": count, "seconds": seconds, "peak_mb": _peak_mb()}


def _import_sheet(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("纠纷")
    sheet.append(["摘要", "当事人", "受理日期", "调解员", "联合派出所"])
    for i in range(rows):
        sheet.append([f"基准纠纷{i}", "甲、乙", "2026-11-0" + str(1 + i % 9), "王调解",
                      "是" if i % 3 == 0 else "否"])
    book.save(path)


def phase_import(url: str, instance: str, rows: int, commit: bool) -> dict[str, Any]:
    from app.excel import importer
    from app.extensions import db
    from app.scoping import system
    from models.disputes import Dispute
    from views.generator import describe

    path = Path(instance) / f"import-{rows}.xlsx"
    if not path.exists():
        _import_sheet(path, rows)
    data = path.read_bytes()
    app = _app(url, instance)
    with app.app_context(), app.test_request_context(), system():
        spec = describe(Dispute)
        started = time.perf_counter()
        sheet = importer.load(data, spec)
        if commit:
            outcome, _batch = importer.commit(spec, sheet, None, path.name)
        else:
            outcome = importer.apply(spec, sheet)
            db.session.rollback()
        seconds = time.perf_counter() - started
        problems = len(outcome.problems)
        db.session.remove()
    return {"rows": len(outcome.created) + len(outcome.updated), "problems": problems,
            "seconds": seconds, "peak_mb": _peak_mb()}


def _measure(args: list[str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "benchmarks.excel", *args], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--instance", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:  # one measurement, in its own process
        phases = {"export": lambda: phase_export(args.database_url, args.instance, args.rows),
                  "floor": lambda: phase_floor(args.database_url, args.instance, args.rows),
                  "dry": lambda: phase_import(args.database_url, args.instance, args.rows,
                                              False),
                  "commit": lambda: phase_import(args.database_url, args.instance, args.rows,
                                                 True)}
        print(json.dumps(phases[args.phase]()))
        return
    exports, imports = ((20_000,), (5_000,)) if args.quick else ((100_000, 1_000_000),
                                                                 (10_000, 50_000))
    with tempfile.TemporaryDirectory(prefix="tongxin-bench-") as instance:
        url = args.database_url or f"sqlite:///{instance}/bench.db"
        seed(url, instance, max(exports))
        common = ["--database-url", url, "--instance", instance]
        print(f"{'measurement':<34}{'rows':>10}{'seconds':>10}{'rows/s':>10}{'peak MB':>10}")
        for rows in exports:
            floor = _measure(["--phase", "floor", "--rows", str(rows), *common])
            portal = _measure(["--phase", "export", "--rows", str(rows), *common])
            for name, figures in ((f"export {rows:,} (openpyxl floor)", floor),
                                  (f"export {rows:,} (portal)", portal)):
                _line(name, figures)
            print(f"{'':<4}portal / floor time ratio: "
                  f"{portal['seconds'] / max(floor['seconds'], 1e-9):.2f}")
        for rows in imports:
            for phase in ("dry", "commit"):
                figures = _measure(["--phase", phase, "--rows", str(rows), *common])
                label = "dry run" if phase == "dry" else "commit"
                _line(f"import {rows:,} ({label})", figures)


def _line(name: str, figures: dict[str, Any]) -> None:
    rate = figures["rows"] / max(figures["seconds"], 1e-9)
    print(f"{name:<34}{figures['rows']:>10,}{figures['seconds']:>10.1f}{rate:>10,.0f}"
          f"{figures['peak_mb']:>10.0f}")


if __name__ == "__main__":
    main()
