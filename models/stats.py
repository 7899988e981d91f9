"""Declared statistics: the figures a record type contributes to the dashboard and the
monthly report (``app.stats`` computes them, ``views.dashboard`` draws them).

A model lists its figures in ``__stats__``; a new record type appears on the dashboard,
in the trend, the breakdowns and the report without any chart code. Every criterion a
figure uses is one the model's list page can filter on, so each number links to the list
of exactly the rows it counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import LazyString

#: when a row counts: its ``date`` falls in the month asked for …
MONTH = "month"
#: … or its ``date`` (a due date) has passed, now (a snapshot with no trend) …
OVERDUE = "overdue"
#: … or always: every row in scope, now (e.g. households per group).
CURRENT = "current"


@dataclass(frozen=True)
class Stat:
    """One figure of a record type."""

    key: str  # unique within the model, e.g. ``published``
    label: LazyString  # e.g. 发布需求
    #: the column that places a row in a month (``MONTH``) or its due date (``OVERDUE``)
    date: str | None = None
    when: str = MONTH
    #: a column to add up (hours, beneficiaries); None counts rows
    measure: str | None = None
    #: the median of ``measure`` instead of its sum (e.g. hours to close a request)
    median: bool = False
    #: equality criteria, column → value (e.g. ``{"status": "approved"}``)
    where: Mapping[str, str] = field(default_factory=dict)
    #: unit shown after the number (件, 小时, 人次)
    unit: LazyString | None = None
    #: a relation to group by in the breakdown (a dictionary, or tags)
    by: str | None = None
    #: a boolean column of the ``by`` rows marking sensitive groups (低保, 残疾…): their
    #: counts under :data:`SMALL` read "<5" to anyone outside the grid holding them
    sensitive: str | None = None
    #: the key of another figure of the model: of the rows that one counts over the last
    #: twelve months, the share this one counts too (of the demands published, those
    #: completed), shown under ``rate_label`` (完成率)
    rate_of: str | None = None
    rate_label: LazyString | None = None
    #: drawn in the twelve-month trend chart
    trend: bool = True


#: Sensitive counts below this are shown as "<5" outside the grid holding the rows.
SMALL = 5
