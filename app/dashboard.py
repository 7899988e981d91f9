"""首页看板 and 月报: what the dashboard and the monthly report show, for one month and the
viewer's scope, with the list behind every number.

Built from the declared figures (``app.stats``) of the record types the user may read;
no record type is named here. The page (``views.dashboard``) draws it, the report
(``app.report``) writes it to a workbook.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_appbuilder.models.sqla.filters import (
    FilterEqual,
    FilterGreater,
    FilterRelationManyToManyEqual,
    FilterRelationOneToManyEqual,
    FilterSmaller,
)
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import inspect, select

import models
from app import clock, stats
from app.extensions import db
from app.scoping import own_units
from app.stats import Figure, Group, Number
from models.org import Community
from models.points import PointsEntry
from models.stats import MONTH, OVERDUE
from views.list_links import Condition, filtered_list_url
from views.permissions import READ
from views.ranking import ranking

#: months in the trend
TREND_MONTHS = 12
#: units in the points ranking
RANKED = 10


def readable_figures() -> list[Figure]:
    """The figures of every record type the current user may read."""
    sm = current_app.appbuilder.sm  # type: ignore[attr-defined]
    return stats.figures(m for m in models.registry()
                         if m.__stats__ and sm.has_access(f"can_{READ}", m.__resource__))


# --- the list behind a number ---------------------------------------------------------------

def link(figure: Figure, month: dt.date | None, community: int | None = None,
         group: int | None = None) -> str | None:
    """The list of the rows ``figure`` counts in ``month`` (in one community, one group)."""
    stat = figure.stat
    conditions: list[Condition] = [(c, FilterEqual, v) for c, v in stat.where.items()]
    if stat.when == MONTH and stat.date and month is not None:
        after, before = stats.bounds(figure.model, stat.date, month)
        conditions += [(stat.date, FilterGreater, after), (stat.date, FilterSmaller, before)]
    elif stat.when == OVERDUE and stat.date:
        conditions.append((stat.date, FilterSmaller, clock.today()))
    if community is not None:
        conditions.append(("community", FilterRelationOneToManyEqual, community))
    conditions += [("partner_unit", FilterRelationOneToManyEqual, unit)
                   for unit in own_units(figure.model)]
    if group is not None and stat.by:
        many = inspect(figure.model).relationships[stat.by].uselist
        conditions.append((stat.by, FilterRelationManyToManyEqual if many
                           else FilterRelationOneToManyEqual, group))
    return filtered_list_url(figure.model, conditions)


# --- what the page shows --------------------------------------------------------------------

@dataclass
class Card:
    """One figure: this month, last month, the change, and the list behind it."""

    figure: Figure
    value: Number | None
    shown: str
    url: str | None
    previous: str | None = None
    last: Number | None = None  # last month's value (``previous`` is it as shown)
    change: str | None = None
    rate: str | None = None  # a share over the last twelve months (completion rate)
    rate_label: str | None = None


@dataclass
class Breakdown:
    """A figure per group (category, tag), each with the list behind it."""

    figure: Figure
    groups: list[Group]
    urls: list[str | None]

    @property
    def rows(self) -> list[tuple[Group, str | None]]:
        return list(zip(self.groups, self.urls, strict=True))


@dataclass(frozen=True)
class Cell:
    """One figure of one community: its value, as shown, and the list behind it."""

    value: Number
    shown: str
    url: str | None


@dataclass
class CommunityRow:
    community: Community
    cells: list[Cell]  # per figure of the comparison


@dataclass
class Dashboard:
    month: dt.date
    months: list[dt.date]
    cards: list[Card]
    trend: dict[str, list[Number | None]]
    trend_urls: dict[str, list[str | None]]
    breakdowns: list[Breakdown]
    compared: list[Figure]
    communities: list[CommunityRow]
    ranking: list[dict[str, Any]]
    figures: list[Figure] = field(default_factory=list)

    @property
    def previous(self) -> dt.date:
        return stats.shift(self.month, -1)

    def figure(self, key: str) -> Figure:
        return _figure(self.figures, key)

    def chart_data(self) -> dict[str, Any]:
        """What the page's script draws (labels already in the user's language)."""
        months = [month_label(m) for m in self.months]
        by_key = {f.key: f for f in self.figures}

        def lines(summed: bool) -> list[dict[str, Any]]:
            return [{"name": str(by_key[k].stat.label), "unit": unit(by_key[k]),
                     "data": [_plain(v) for v in values], "urls": self.trend_urls[k]}
                    for k, values in self.trend.items() if by_key[k].summed == summed]

        return {
            "months": months,
            "counts": lines(False),
            "sums": lines(True),
            "breakdowns": [{"id": chart_id(b.figure),
                            "title": f"{b.figure.stat.label}（{month_label(self.month)}）",
                            "names": [g.name or _("Not given") for g in b.groups],
                            "data": [None if g.suppressed else _plain(g.value)
                                     for g in b.groups], "urls": b.urls}
                           for b in self.breakdowns if not b.figure.stat.sensitive],
            "communities": {
                "names": [row.community.name for row in self.communities],
                "series": [{"name": str(f.stat.label),
                            "data": [_plain(row.cells[i].value) for row in self.communities],
                            "urls": [row.cells[i].url for row in self.communities]}
                           for i, f in enumerate(self.compared) if not f.summed],
            },
            "ranking": {"names": [r["name"] for r in self.ranking],
                        "data": [r["points"] for r in self.ranking],
                        "urls": [r["url"] for r in self.ranking]},
        }


def chart_id(figure: Figure) -> str:
    """The page element a figure's breakdown chart is drawn in."""
    return "tx-chart-" + figure.key.replace(".", "-")


def month_label(month: dt.date) -> str:
    return format_date(month, "yyyy-MM")


def unit(figure: Figure) -> str:
    return str(figure.stat.unit or "")


def _plain(number: Number | None) -> int | float | None:
    """A figure as JSON has it."""
    return float(number) if isinstance(number, Decimal) else number


def build(month: dt.date) -> Dashboard:
    """The dashboard of ``month`` for the current user, inside its scope."""
    figs = readable_figures()
    cards, trend, months = _cards(figs, month, TREND_MONTHS)
    drawn = {k: v for k, v in trend.items() if _figure(figs, k).stat.trend}
    compared = [f for f in figs if f.monthly and not f.stat.median]
    return Dashboard(
        month=month, months=months, cards=cards, trend=drawn,
        trend_urls={k: [link(_figure(figs, k), m) for m in months] for k in drawn},
        breakdowns=_breakdowns(figs, month), compared=compared,
        communities=_communities(compared, month), ranking=_ranking(month), figures=figs)


def glance(month: dt.date) -> list[Card]:
    """The home page's cards: each monthly figure this month and last, and the figures
    of now (overdue visits); no trend, breakdown or ranking."""
    return _cards(readable_figures(), month, 2)[0]


def _cards(figs: Sequence[Figure], month: dt.date,
           count: int) -> tuple[list[Card], dict[str, list[Number | None]], list[dt.date]]:
    """A card per figure (no breakdown-only figure), from the last ``count`` months."""
    months = stats.last_months(month, count)
    trend = stats.series([f for f in figs if f.monthly], months)
    cards = [_card(f, trend, months, with_rate=count == TREND_MONTHS)
             for f in figs if f.monthly]
    current = [f for f in figs if not f.monthly and not f.stat.by]
    now = stats.values(current)
    cards += [Card(f, now[f.key], stats.fmt(now[f.key]), link(f, None)) for f in current]
    return cards, trend, months


def _figure(figs: Sequence[Figure], key: str) -> Figure:
    return next(f for f in figs if f.key == key)


def _card(figure: Figure, trend: dict[str, list[Number | None]], months: list[dt.date],
          with_rate: bool = True) -> Card:
    values = trend[figure.key]
    current, previous = values[-1], values[-2]
    card = Card(figure, current, stats.fmt(current), link(figure, months[-1]),
                previous=stats.fmt(previous), last=previous,
                change=stats.change(current, previous))
    if figure.stat.rate_of and with_rate:
        whole = next(s for s in figure.model.__stats__ if s.key == figure.stat.rate_of)
        card.rate = stats.share(figure, Figure(figure.model, whole), months)
        card.rate_label = str(figure.stat.rate_label or figure.stat.label)
    return card


def _breakdowns(figs: Sequence[Figure], month: dt.date) -> list[Breakdown]:
    """Per record type, its first figure with a breakdown: by category this month, or by
    group now (households per tag)."""
    out, seen = [], set()
    for fig in figs:
        if not fig.stat.by or fig.model in seen:
            continue
        seen.add(fig.model)
        at = month if fig.monthly else None
        groups = stats.breakdown(fig, at)
        out.append(Breakdown(fig, groups, [
            None if g.suppressed or g.id is None else link(fig, at, group=g.id)
            for g in groups]))
    return out


def _communities(compared: Sequence[Figure], month: dt.date) -> list[CommunityRow]:
    """Each community in scope side by side, when the scope holds more than one."""
    if not compared:
        return []
    communities = list(db.session.scalars(select(Community).order_by(Community.name)))
    if len(communities) < 2:
        return []
    found = stats.by_community(compared, month)
    rows = []
    for community in communities:
        cells = []
        for fig in compared:
            number = found.get(fig.key, {}).get(community.id, 0)
            cells.append(Cell(number, stats.fmt(number),
                              link(fig, month, community=community.id)))
        rows.append(CommunityRow(community, cells))
    return rows


def _ranking(month: dt.date) -> list[dict[str, Any]]:
    """Partner units by points earned in ``month``, each with the list of its credits."""
    sm = current_app.appbuilder.sm  # type: ignore[attr-defined]
    if not sm.has_access(f"can_{READ}", PointsEntry.__resource__):
        return []
    after, before = stats.bounds(PointsEntry, "at", month)
    rows = ranking("month", None, RANKED, between=(after, before))
    for row in rows:
        row["url"] = filtered_list_url(PointsEntry, [
            ("partner_unit", FilterRelationOneToManyEqual, row["unit_id"]),
            ("points", FilterGreater, 0), ("at", FilterGreater, after),
            ("at", FilterSmaller, before)])
    return rows

