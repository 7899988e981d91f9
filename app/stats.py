"""Figures for the dashboard and the monthly report, from the models' ``__stats__``.

Every figure is an aggregate query through the ORM session, so the viewer's row scope
(``app.scoping``) applies exactly as on the lists; nothing here filters by organisation.
A month is a range of its date column (two index-friendly comparisons, no date function
per row), and each criterion is one the list page can express, so the list behind a
number (``views.list_links``) shows the rows it counts.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import to_utc
from sqlalchemy import DateTime, func, inspect, select

from app import clock
from app.extensions import db
from app.scoping import current_scope, held_by_unit
from models.meta import PortalModel
from models.stats import MONTH, OVERDUE, SMALL, Stat

Number = int | Decimal


@dataclass(frozen=True)
class Figure:
    """A declared :class:`Stat` bound to its record type."""

    model: type[PortalModel]
    stat: Stat

    @property
    def key(self) -> str:
        """Unique over the portal, e.g. ``demand.published``."""
        return f"{self.model.__resource__}.{self.stat.key}"

    @property
    def monthly(self) -> bool:
        return self.stat.when == MONTH

    @property
    def summed(self) -> bool:
        return self.stat.measure is not None and not self.stat.median


def figures(readable: Iterable[type[PortalModel]]) -> list[Figure]:
    """Every declared figure of the record types in ``readable``, in menu order."""
    return [Figure(model, stat) for model in readable for stat in model.__stats__]


# --- months -------------------------------------------------------------------------------

def month_of(value: str | None) -> dt.date:
    """The first day of the month ``YYYY-MM`` asked for; this month if absent, bad or
    still to come."""
    this_month = clock.today().replace(day=1)
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        if not 2000 <= year <= 2999:
            raise ValueError(year)
        return min(dt.date(year, month, 1), this_month)
    except ValueError:
        return this_month


def shift(month: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after (or before) ``month``."""
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def last_months(month: dt.date, count: int = 12) -> list[dt.date]:
    """``count`` months ending with ``month``, oldest first."""
    return [shift(month, i) for i in range(1 - count, 1)]


def bounds(model: type, column: str, month: dt.date) -> tuple[Any, Any]:
    """The exclusive bounds (after, before) of ``month`` on ``model.column``, in the form
    the list's "greater than" / "smaller than" filters take: dates for a date column; UTC
    moments for a time column (stored in UTC), the month being the portal's."""
    following = shift(month, 1)
    if not isinstance(inspect(model).columns[column].type, DateTime):
        return month - dt.timedelta(days=1), following

    def utc(day: dt.date) -> dt.datetime:
        return to_utc(dt.datetime.combine(day, dt.time()))

    return utc(month) - dt.timedelta(microseconds=1), utc(following)


def criteria(figure: Figure, month: dt.date | None,
             last: dt.date | None = None) -> list[Any]:
    """The figure's criteria for ``month`` — or the months from ``month`` to ``last`` —
    (ignored unless the figure is monthly)."""
    model, stat = figure.model, figure.stat
    out = [getattr(model, column) == value for column, value in stat.where.items()]
    out += held_by_unit(model)  # a unit's figures are its own work, not what it may claim
    if stat.when == MONTH and month is not None and stat.date:
        after = bounds(model, stat.date, month)[0]
        before = bounds(model, stat.date, last or month)[1]
        date = getattr(model, stat.date)
        out += [date > after, date < before]
    elif stat.when == OVERDUE and stat.date:
        out.append(getattr(model, stat.date) < clock.today())
    return out


# --- values -------------------------------------------------------------------------------

def aggregate(figure: Figure) -> Any:
    """The figure's SQL aggregate: a count, or the sum of its measure."""
    stat = figure.stat
    if stat.measure is None:
        return func.count()
    return func.coalesce(func.sum(getattr(figure.model, stat.measure)), 0)


def _batches(figs: Iterable[Figure]) -> list[list[Figure]]:
    """Figures that count the same rows (same model, date and criteria) go in one query:
    a work log's count, hours and beneficiaries are one index range scan."""
    batches: dict[Any, list[Figure]] = {}
    for fig in figs:
        stat = fig.stat
        same = (fig.model, stat.when, stat.date, tuple(sorted(stat.where.items())),
                fig.key if stat.median else None)
        batches.setdefault(same, []).append(fig)
    return list(batches.values())


def _median(figure: Figure, where: list[Any]) -> Decimal | None:
    measure = getattr(figure.model, figure.stat.measure or "")
    found = [v for v in db.session.scalars(select(measure).where(*where)) if v is not None]
    return Decimal(str(round(statistics.median(found), 1))) if found else None


def values(figs: Iterable[Figure], month: dt.date | None = None,
           *extra: Any) -> dict[str, Number | None]:
    """figure key → its value for ``month`` inside the current scope (``extra``: more
    criteria, e.g. one community). A median of no rows is None."""
    out: dict[str, Number | None] = {}
    for batch in _batches(figs):
        first = batch[0]
        where = criteria(first, month) + list(extra)
        if first.stat.median:
            out[first.key] = _median(first, where)
            continue
        stmt = select(*(aggregate(f) for f in batch)).select_from(first.model).where(*where)
        row = db.session.execute(stmt).one()
        out.update((fig.key, _number(raw)) for fig, raw in zip(batch, row, strict=True))
    return out


def share(part: Figure, whole: Figure, months: Sequence[dt.date]) -> str:
    """Of the rows ``whole`` counts over ``months``, the share that ``part`` counts too by
    the end of the last month: of the demands published in the year, those completed."""
    where = criteria(whole, months[0], months[-1])
    base = select(func.count()).select_from(whole.model)
    date = getattr(part.model, part.stat.date or "")
    done = [date.is_not(None), date < bounds(part.model, part.stat.date or "", months[-1])[1],
            *(getattr(part.model, c) == v for c, v in part.stat.where.items())]
    return rate(db.session.scalar(base.where(*where, *done)),
                db.session.scalar(base.where(*where)))


def series(figs: Sequence[Figure], months: Sequence[dt.date]) -> dict[str, list[Number | None]]:
    """figure key → its value in each of ``months`` (a range query per month and batch:
    index-only scans, no date function per row)."""
    per_month = [values(figs, month) for month in months]
    return {fig.key: [found[fig.key] for found in per_month] for fig in figs}


def by_community(figs: Iterable[Figure], month: dt.date | None) -> dict[str, dict[int, Number]]:
    """figure key → community id → value, for the communities in scope with rows."""
    out: dict[str, dict[int, Number]] = {}
    for batch in _batches(figs):
        first = batch[0]
        model: Any = first.model
        if first.stat.median or "community_id" not in inspect(model).columns:
            continue
        stmt = (select(model.community_id, *(aggregate(f) for f in batch)).select_from(model)
                .where(*criteria(first, month)).group_by(model.community_id))
        for row in db.session.execute(stmt):
            if row[0] is None:
                continue
            for fig, raw in zip(batch, row[1:], strict=True):
                out.setdefault(fig.key, {})[row[0]] = _number(raw)
    return out


@dataclass(frozen=True)
class Group:
    """One row of a breakdown: the group (a category, a tag), its figure, how to show it."""

    id: int | None
    name: str
    value: Number
    shown: str
    suppressed: bool


def breakdown(figure: Figure, month: dt.date | None) -> list[Group]:
    """The figure per row of its ``by`` relation, most first (sensitive groups by name);
    rows without one last."""
    stat, model = figure.stat, figure.model
    if not stat.by or stat.median:
        return []
    relation = inspect(model).relationships[stat.by]
    target = relation.mapper.class_
    flag = getattr(target, stat.sensitive) if stat.sensitive else None
    columns = [target.id, target.name, flag] if flag is not None else [target.id, target.name]
    stmt = (select(*columns, aggregate(figure)).select_from(model)
            .join(getattr(model, stat.by), isouter=not relation.uselist)
            .where(*criteria(figure, month)).group_by(*columns))
    groups = []
    for row in db.session.execute(stmt):
        sensitive = flag is not None and bool(row[2])
        number = _number(row[-1])
        hide = sensitive and suppressed(number)
        groups.append(Group(row[0], row[1] or "", number,
                            f"<{SMALL}" if hide else fmt(number), hide))
    if flag is not None:  # by name: an order by size would tell what "<5" hides
        return sorted(groups, key=lambda grp: (grp.id is None, grp.name))
    return sorted(groups, key=lambda grp: (grp.id is None, -grp.value, grp.name))


def suppressed(number: Number) -> bool:
    """Whether a count of a sensitive group is too small to show the current viewer: under
    :data:`SMALL`, to anyone but a grid worker (whose scope is the grids holding them)."""
    scope = current_scope()
    return number < SMALL and (scope is None or scope.level != "grid")


# --- formatting ---------------------------------------------------------------------------

def _number(raw: Any) -> Number:
    if raw is None:
        return 0
    if isinstance(raw, Decimal):
        return raw
    if isinstance(raw, float):
        return Decimal(str(round(raw, 1)))
    return int(raw)


def fmt(number: Number | None) -> str:
    """A figure as people write it: 1,234 or 12.5; "—" for none."""
    if number is None:
        return "—"
    if isinstance(number, Decimal) and number != number.to_integral_value():
        return f"{number:,.1f}"
    return f"{int(number):,}"


def rate(part: Number | None, whole: Number | None) -> str:
    """``part`` as a percentage of ``whole`` ("—" when the whole is zero)."""
    if not whole or part is None:
        return "—"
    return f"{Decimal(part) * 100 / Decimal(whole):.1f}%"


def change(current: Number | None, previous: Number | None) -> str:
    """The change from ``previous`` to ``current``: +3, −1.5, 0."""
    if current is None or previous is None:
        return "—"
    diff = Decimal(current) - Decimal(previous)
    text = fmt(abs(diff)) if diff == diff.to_integral_value() else f"{abs(diff):,.1f}"
    return f"+{text}" if diff > 0 else f"−{text}" if diff < 0 else "0"

