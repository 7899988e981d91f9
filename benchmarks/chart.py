"""The PNG chart of ``tongxin bench``: p50 latency of each page, per system, with the
database floor beside them (logarithmic axis: the floor is often 100× lower)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SYSTEMS = (("ours", "同心 Tongxin", "#c0392b"), ("fab", "stock FAB", "#7f8c8d"),
           ("django", "Django admin", "#2c7fb8"), ("floor", "raw SQL floor", "#27ae60"))


def draw(result: dict[str, Any], path: Path) -> None:
    """Grouped bars: one group per page, one bar per system."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # a CJK font for the Chinese page names when the machine has one (fonts-wqy-microhei)
    matplotlib.rcParams["font.sans-serif"] = [
        "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "DejaVu Sans"]

    pages = result["pages"]
    width = 0.2
    figure, axes = plt.subplots(figsize=(11, 5), dpi=110)
    for offset, (key, label, colour) in enumerate(SYSTEMS):
        values = [page.get(key, {}).get("p50") or 0 for page in pages]
        positions = [i + (offset - 1.5) * width for i in range(len(pages))]
        axes.bar(positions, [max(v, 0.01) for v in values], width, label=label,
                 color=colour)
    axes.set_yscale("log")
    axes.set_ylabel("p50 (ms, log scale)")
    axes.set_xticks(range(len(pages)), [page["name"] for page in pages], rotation=15)
    meta = result["meta"]
    axes.set_title(f"{meta['rows']:,} work logs · {meta['database']} · {meta['machine']}")
    axes.legend()
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
