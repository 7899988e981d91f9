"""Checks on an uploaded workbook before and while it is read: size, type, zip bombs,
damaged files and too many rows, each refused with a message staff can act on.

An xlsx file is a zip archive. The zip directory declares every member's size, and Python's
``zipfile`` never yields more than the declared size of a member (a member whose data does
not match fails its CRC check), so the declared sizes are checked before anything is
decompressed. openpyxl parses the XML with defusedxml (entity expansion refused) once
``defusedxml`` is installed.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from io import BytesIO
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from app.integrity import UserFacingError

# openpyxl is loaded on first use: workers that never touch a spreadsheet don't pay for it
if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    from openpyxl.worksheet.worksheet import Worksheet

MAX_BYTES = 10 * 1024 * 1024
#: sum of the members' declared (uncompressed) sizes
MAX_UNCOMPRESSED = 200 * 1024 * 1024
#: uncompressed / compressed size of a member larger than RATIO_FLOOR
MAX_RATIO = 200
RATIO_FLOOR = 1024 * 1024
MAX_MEMBERS = 2000
#: data rows of a sheet (rows below the header that are not blank)
MAX_ROWS = 50_000
#: read no more of ``[Content_Types].xml`` than this (a real one has a few kilobytes)
MAX_CONTENT_TYPES = 1024 * 1024
#: Excel's own row limit: a sheet with more rows was not written by Excel or WPS
SHEET_ROWS = 1_048_576
#: cells of a row beyond this column are ignored (an import sheet has far fewer)
MAX_COLUMNS = 256

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: the stream an encrypted xlsx keeps inside its OLE container (names are UTF-16)
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
REQUIRED = ("[Content_Types].xml", "xl/workbook.xml")

NOT_XLSX = _l("This is not an Excel .xlsx file. Please open it in Excel or WPS, save it as "
              "an Excel workbook (.xlsx) and upload it again.")
DAMAGED = _l("The file is damaged or is not a real Excel file. Please open it in Excel or "
             "WPS, save it again as .xlsx and upload it again.")
PROTECTED = _l("This file is protected with a password. Please open it in Excel or WPS, "
               "remove the password, save it as .xlsx and upload it again.")
OLD_XLS = _l("This is an old Excel file (.xls). Please open it in Excel or WPS, use "
             "“Save As” to save it as an Excel workbook (.xlsx) and upload it again.")
UNSAFE = _l("This file cannot be opened safely: its contents are unusually large or "
            "complex. Please open it in Excel or WPS, save it again as .xlsx, or split it "
            "into smaller files.")


class BadWorkbook(UserFacingError):
    """An uploaded file that cannot (or must not) be read as a workbook."""


def _check_members(archive: zipfile.ZipFile) -> None:
    """Refuse a zip that is not a workbook or would be too large once decompressed."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise BadWorkbook(UNSAFE)
    names = {m.filename for m in members}
    if not all(name in names for name in REQUIRED):
        raise BadWorkbook(NOT_XLSX)
    if sum(m.file_size for m in members) > MAX_UNCOMPRESSED:
        raise BadWorkbook(UNSAFE)
    for member in members:
        if member.file_size > RATIO_FLOOR and \
                member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise BadWorkbook(UNSAFE)


def check_xlsx(data: bytes) -> None:
    """Raise :class:`BadWorkbook` unless ``data`` looks like a safe xlsx workbook; only the
    zip directory and ``[Content_Types].xml`` (size-capped) are read, so this is quick."""
    if not data:
        raise BadWorkbook(_l("The file is empty."))
    if len(data) > MAX_BYTES:
        raise BadWorkbook(_l("The file is larger than %(size)s MB. Please split it into "
                             "smaller files.", size=MAX_BYTES // (1024 * 1024)))
    if data.startswith(OLE_MAGIC[:4]):  # an old .xls, or an encrypted xlsx (OLE as well)
        raise BadWorkbook(PROTECTED if ENCRYPTED_PACKAGE in data else OLD_XLS)
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except Exception:  # not a zip at all: HTML or CSV renamed .xlsx, or cut short
        raise BadWorkbook(NOT_XLSX) from None
    with archive:
        _check_members(archive)
        info = archive.getinfo("[Content_Types].xml")
        if info.flag_bits & 0x1:  # zip-level encryption
            raise BadWorkbook(PROTECTED)
        try:
            with archive.open(info) as stream:
                head = stream.read(MAX_CONTENT_TYPES + 1)
        except Exception:
            raise BadWorkbook(DAMAGED) from None
    if len(head) > MAX_CONTENT_TYPES:
        raise BadWorkbook(UNSAFE)


def open_workbook(data: bytes) -> Workbook:
    """The checked workbook in ``data``, read-only with cached formula values; close it
    (``workbook.close()``) when done."""
    check_xlsx(data)
    from openpyxl import load_workbook

    try:
        return load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise BadWorkbook(DAMAGED) from None


def _blank(row: tuple[object, ...]) -> bool:
    if row.count(None) == len(row):  # the common case, quick on long empty rows
        return True
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def iter_rows(sheet: Worksheet | ReadOnlyWorksheet, max_rows: int = MAX_ROWS, *,
              header_rows: int = 1) -> Iterator[tuple[object, ...]]:
    """The cell values of ``sheet``, row by row, blank rows included.

    The first ``header_rows`` non-blank rows are the header; more than ``max_rows``
    non-blank rows after them raise :class:`BadWorkbook` — once the earlier rows have been
    yielded, so save nothing before the last row. Rows are padded with None to the widest
    row so far (at most :data:`MAX_COLUMNS` cells). The sheet's recorded dimensions, which
    the writing program may have got wrong, are ignored (and reset on a read-only sheet).
    """
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    if isinstance(sheet, ReadOnlyWorksheet):
        sheet.reset_dimensions()
    rows = sheet.iter_rows(values_only=True)
    width = seen = filled = 0
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception:
            raise BadWorkbook(DAMAGED) from None
        seen += 1
        if seen > SHEET_ROWS:
            raise BadWorkbook(DAMAGED)
        row = tuple(row[:MAX_COLUMNS])
        width = max(width, len(row))
        if len(row) < width:
            row += (None,) * (width - len(row))
        if not _blank(row):
            filled += 1
            if filled > header_rows + max_rows:
                raise BadWorkbook(_l("The sheet has more than %(limit)s rows of data. Please "
                                     "split it into files of at most %(limit)s rows each.",
                                     limit=f"{max_rows:,}"))
        yield row
