"""The output of ``tongxin bench``: the table with ratios, the goals, JSON and PNG."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a and b else "—"


def table(result: dict[str, Any]) -> list[str]:
    """The lines of the main table: one row per page, p50 in ms."""
    head = (f"{'page':<22}{'ours p50':>9}{'p95':>7}{'req/s':>7}{'sql':>5} │"
            f"{'FAB p50':>8}{'sql':>5} │{'Django':>7}{'sql':>5} │{'floor':>7} │"
            f"{'ours/FAB':>9}{'ours/Dj':>8}{'ours/floor':>11}")
    lines = [head, "─" * len(head)]
    for page in result["pages"]:
        ours, fab, dj, base = page["ours"], page["fab"], page["django"], page["floor"]
        bad = [f"{s} HTTP {page[s]['status']} {page.get('trouble', {}).get(s, '')}"
               for s in ("ours", "fab", "django") if page[s]["status"] != [200]]
        lines.append(
            f"{page['name']:<22}{ours['p50']:>9.1f}{ours['p95']:>7.1f}{ours['rps']:>7.0f}"
            f"{ours['statements']:>5} │{fab['p50']:>8.1f}{fab['statements']:>5} │"
            f"{dj['p50']:>7.1f}{dj['statements']:>5} │{base['p50']:>7.2f} │"
            f"{_ratio(ours['p50'], fab['p50']):>9}{_ratio(ours['p50'], dj['p50']):>8}"
            f"{_ratio(ours['p50'], base['p50']):>11}" + (f"  ({', '.join(bad)})" if bad else ""))
    lines += [f"{p['name']}: the page shows its rows, then the browser asks its count "
              f"({p['ours']['count_later']['path']}): p50 {p['ours']['count_later']['p50']:.1f}"
              f" ms more, HTTP {p['ours']['count_later']['status']}"
              for p in result["pages"] if "count_later" in p["ours"]]
    lines.append("req/s with 4 concurrent clients: "
                 + "; ".join(f"{p['name']}: ours {p['ours']['rps']:.0f}, FAB "
                             f"{p['fab']['rps']:.0f}, Django {p['django']['rps']:.0f}"
                             for p in result["pages"]))
    return lines


def goals(result: dict[str, Any]) -> list[str]:
    """Each goal of the issue with the figure that decides it."""
    pages = result["pages"]
    lists = pages[:3]
    fab = max(p["ours"]["p50"] / p["fab"]["p50"] for p in lists)
    dj = max(p["ours"]["p50"] / p["django"]["p50"] for p in lists)
    statements = sorted({p["ours"]["statements"] for p in pages[:4]})
    search = next(p for p in pages if p["name"].startswith("search"))
    startup, rss, export = result["startup_s"], result["peak_rss_mb"], result["export"]
    scale = result["scale"]
    grown = scale["large_p50"] / scale["small_p50"]
    checks = [
        (fab <= 0.6, f"scoped list page 1: ours/FAB at most {fab:.2f} (goal ≤ 0.6)"),
        (dj <= 1.0, f"scoped list page 1: ours/Django at most {dj:.2f} (goal ≤ 1.0)"),
        (max(statements) <= 5 and len(statements) == 1,
         f"SQL statements per list page: {statements} (goal: one figure, ≤ 5)"),
        (search["ours"]["p50"] <= 0.2 * search["fab"]["p50"],
         f"Chinese search: ours/FAB {search['ours']['p50'] / search['fab']['p50']:.2f} "
         "(goal ≤ 0.2)" + (
             f"; its count follows in {later['p50']:.1f} ms (page and count: "
             f"{(search['ours']['p50'] + later['p50']) / search['fab']['p50']:.2f}× FAB)"
             if (later := search["ours"].get("count_later")) else "")),
        (startup["ours"] < 2, f"start-up {startup['ours']:.2f} s (FAB {startup['fab']:.2f}, "
                              f"Django {startup['django']:.2f}; goal < 2 s)"),
        (rss["ours"] < 150, f"peak RSS per worker {rss['ours']:.0f} MiB (FAB "
                            f"{rss['fab']:.0f}, Django {rss['django']:.0f}; goal < 150)"),
        (export["ours_s"] <= 1.5 * export["floor_s"],
         f"export of the unit's {export['rows']:,} rows: {export['ours_s']:.2f} s, bare "
         f"openpyxl {export['floor_s']:.2f} s, ratio "
         f"{export['ours_s'] / max(export['floor_s'], 1e-9):.2f} (goal ≤ 1.5)"),
        (grown <= 1.3,
         f"count check: unit page 1 at {scale['large_rows']:,} rows {scale['large_p50']:.1f}"
         f" ms vs {scale['small_p50']:.1f} ms at {scale['small_rows']:,} (same "
         f"{scale['small_scope']:,}-row scope): {grown:.2f}× (goal ≤ 1.3)"),
    ]
    return [f"[{'met ' if ok else 'MISS'}] {text}" for ok, text in checks]


def show(result: dict[str, Any]) -> None:
    meta, load = result["meta"], result["load"]
    print(f"\ntongxin bench · {meta['rows']:,} work logs · {meta['database']} · "
          f"{meta['machine']} · {meta['date']} · p50/p95 of {meta['repeat']} requests, ms")
    print("\n".join(table(result)))
    print(f"\nload test: {load['people']} simulated staff, {load['seconds']:.0f} s, "
          f"{load['requests']:,} requests ({load['rps']:.1f}/s): p50 {load['p50']:.0f} ms, "
          f"p95 {load['p95']:.0f} ms, errors {load['error_rate']:.1%}")
    print("\n".join(goals(result)))


def save(result: dict[str, Any], folder: Path) -> None:
    """``bench-<database>.json`` and ``bench-<database>.png`` in ``folder``."""
    name = f"bench-{result['meta']['database']}"
    (folder / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    try:
        from benchmarks import chart

        chart.draw(result, folder / f"{name}.png")
        say(f"wrote {folder / name}.json and .png")
    except ImportError:
        say(f"wrote {folder / name}.json (no chart: pip install -e '.[bench]' for matplotlib)")
