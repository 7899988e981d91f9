"""下载导入模板: Chinese headers, a hint row, an example row and drop-downs of the allowed
values, for one generated model."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.clock import now, today
from app.excel.fields import EXAMPLE, INSTRUCTIONS, Field, fields_of
from app.extensions import db

#: rows of the sheet that get the drop-downs (the data area)
VALIDATED_ROWS = 5_000
#: how many names of related rows a drop-down offers at most
MAX_OPTIONS = 500
EXAMPLES = {"int": 1, "decimal": 1.5, "bool": "是", "text": "…"}
PHONE_EXAMPLE, ID_EXAMPLE = "13800138000", "11010519491231002X"


def options(fld: Field) -> list[str]:
    """The values a drop-down offers for ``fld`` (empty: a free cell)."""
    if fld.kind == "choice":
        return [str(label) for label in fld.choices.values()]
    if fld.kind == "bool":
        return ["是", "否"]
    if fld.kind == "relation" and fld.target is not None:
        model: Any = fld.target
        title = getattr(model, model.__title_column__)
        stmt = select(title).order_by(title).limit(MAX_OPTIONS)  # in the user's scope
        if fld.dict_kind:
            stmt = stmt.where(model.kind == fld.dict_kind, model.active.is_(True))
        return [str(v) for v in db.session.scalars(stmt) if v is not None]
    return []


def _example(fld: Field, offered: list[str]) -> Any:
    if fld.sensitive == "phone":
        return PHONE_EXAMPLE
    if fld.sensitive == "id_number":
        return ID_EXAMPLE
    if offered:
        return offered[0]
    if fld.kind == "date":
        return today().isoformat()
    if fld.kind == "datetime":
        return now().strftime("%Y-%m-%d 09:00")
    return EXAMPLES.get(fld.kind, "")


def build(spec: Any) -> bytes:
    """The template workbook of ``spec``'s model."""
    # openpyxl is loaded on first use: workers that never touch a spreadsheet don't pay for it
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    fields = fields_of(spec)
    book = Workbook()
    sheet = book.active
    sheet.title = str(spec.model.__label__)[:31]
    lists = book.create_sheet(_("Allowed values"))
    lists.sheet_state = "hidden"
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    hint_font = Font(italic=True, color="808080")
    example = []
    for index, fld in enumerate(fields, 1):
        letter = get_column_letter(index)
        head = sheet.cell(row=1, column=index, value=fld.label + ("*" if fld.required else ""))
        head.font, head.fill = Font(bold=True, color="C00000" if fld.required else "000000"), \
            header_fill
        hint = sheet.cell(row=2, column=index, value=fld.hint())
        hint.font, hint.alignment = hint_font, Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[letter].width = max(14, min(40, len(fld.label) * 2 + 6))
        offered = options(fld)
        example.append(_example(fld, offered))
        if offered:
            for row, value in enumerate(offered, 1):
                lists.cell(row=row, column=index, value=value)
            source = f"{quote_sheetname(lists.title)}!${letter}$1:${letter}${len(offered)}"
            check = DataValidation(type="list", formula1=f"={source}", allow_blank=True,
                                   showErrorMessage=True, errorTitle=_("Not allowed"),
                                   error=_("Please pick a value from the list."))
            sheet.add_data_validation(check)
            check.add(f"{letter}4:{letter}{VALIDATED_ROWS}")
    first = sheet.cell(row=2, column=1)
    first.value = str(INSTRUCTIONS) + str(first.value)  # the importer skips this row
    if example:
        example[0] = str(EXAMPLE) + str(example[0])  # … and this one
    for index, value in enumerate(example, 1):
        sheet.cell(row=3, column=index, value=value).font = hint_font
    sheet.row_dimensions[2].height = 45
    sheet.freeze_panes = "A4"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
