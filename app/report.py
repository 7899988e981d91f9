"""月报 as a workbook: one sheet of headline figures (this month, last month, change),
then one sheet per area (record type) with its figures by community, by category and
over the last twelve months. Written from the same :class:`app.dashboard.Dashboard` the
page shows, so the sheet and the screen always agree."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from flask_babel import gettext as _

from app import clock
from app.dashboard import Dashboard, month_label, unit
from app.stats import Figure
from app.ui import scope_reason

# openpyxl is loaded on first use: workers that never touch a spreadsheet don't pay for it
if TYPE_CHECKING:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.worksheet import Worksheet

_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


class _Styles(NamedTuple):
    bold: Font
    title: Font
    head: PatternFill
    head_alignment: Alignment


@cache
def _styles() -> _Styles:
    from openpyxl.styles import Alignment, Font, PatternFill

    return _Styles(bold=Font(bold=True), title=Font(bold=True, size=14),
                   head=PatternFill("solid", fgColor="DDEBF7"),
                   head_alignment=Alignment(wrap_text=True, vertical="center"))


def workbook(board: Dashboard) -> tuple[io.BytesIO, str]:
    """The month's report as an xlsx stream, and the file name to offer."""
    from openpyxl import Workbook

    book = Workbook()
    _headline(book.active, board)
    for model in dict.fromkeys(f.model for f in board.figures):
        _area(book.create_sheet(_sheet_name(str(model.__label__))), board,
              [f for f in board.figures if f.model is model])
    stream = io.BytesIO()
    book.save(stream)
    stream.seek(0)
    return stream, f"{_('Monthly report')}-{month_label(board.month)}.xlsx"


def _headline(sheet: Worksheet, board: Dashboard) -> None:
    sheet.title = _sheet_name(_("Headline figures"))
    _title(sheet, board)
    _table(sheet, [_("Figure"), _("Unit"), month_label(board.month),
                   month_label(board.previous), _("Change")],
           ([str(c.figure.stat.label), unit(c.figure), c.value, c.last, c.change or ""]
            for c in board.cards))
    for card in board.cards:
        if card.rate is not None:
            sheet.append([])
            sheet.append([_("%(rate)s, last 12 months", rate=card.rate_label), "%",
                          card.rate])
    _widths(sheet, [34, 10, 14, 14, 10])


def _area(sheet: Worksheet, board: Dashboard, figs: Sequence[Figure]) -> None:
    _title(sheet, board)
    keys = [f.key for f in figs]
    head = [str(f.stat.label) + (f"（{unit(f)}）" if unit(f) else "") for f in figs]
    compared = [i for i, f in enumerate(board.compared) if f.key in keys]
    if board.communities and compared:
        sheet.append([_("By community"), month_label(board.month)])
        sheet.cell(sheet.max_row, 1).font = _styles().bold
        _table(sheet, [_("Community")] + [head[keys.index(board.compared[i].key)]
                                          for i in compared],
               ([row.community.name] + [row.cells[i].value for i in compared]
                for row in board.communities))
        sheet.append([])
    for breakdown in board.breakdowns:
        if breakdown.figure.key in keys:
            sheet.append([_("By category") + "：" + str(breakdown.figure.stat.label)])
            sheet.cell(sheet.max_row, 1).font = _styles().bold
            _table(sheet, [_("Category"), _("Count")],
                   ([g.name or _("Not given"), g.shown if g.suppressed else g.value]
                    for g in breakdown.groups))
            sheet.append([])
    trend = [(f, board.trend[f.key]) for f in figs if f.key in board.trend]
    if trend:
        sheet.append([_("Last 12 months")])
        sheet.cell(sheet.max_row, 1).font = _styles().bold
        _table(sheet, [_("Month")] + [head[keys.index(f.key)] for f, _v in trend],
               ([month_label(m)] + [v[i] for _f, v in trend]
                for i, m in enumerate(board.months)))
    _widths(sheet, [24] + [16] * max(len(figs), 2))


def _title(sheet: Worksheet, board: Dashboard) -> None:
    sheet.append([_("Tongxin monthly report %(month)s", month=month_label(board.month))])
    sheet.cell(1, 1).font = _styles().title
    sheet.append([scope_reason(), _("Made on %(day)s", day=clock.today().isoformat())])
    sheet.append([])


def _table(sheet: Worksheet, head: list[str], rows: Iterable[list[Any]]) -> None:
    sheet.append(head)
    styles = _styles()
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = styles.bold, styles.head
        cell.alignment = styles.head_alignment
    for row in rows:
        sheet.append([_cell(v) for v in row])


def _cell(value: Any) -> Any:
    """Numbers stay numbers, so the sheet adds up; no value reads "—"."""
    if value is None:
        return "—"
    return float(value) if isinstance(value, Decimal) else value


def _widths(sheet: Worksheet, widths: Sequence[int]) -> None:
    for i, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + i)].width = width


def _sheet_name(name: str) -> str:
    return name.translate(_BAD_SHEET_CHARS)[:31]
