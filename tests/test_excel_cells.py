"""Excel helpers: hostile uploads are refused quickly with a message staff can act on, and
cell values are read forgivingly (full-width digits, date serials, 是/否) and written
formula-safe. Pure functions: no app needed (messages are lazy, English outside a request)."""

from __future__ import annotations

import base64
import datetime as dt
import inspect
import os
import struct
import time
import zipfile
from decimal import Decimal
from io import BytesIO
from typing import Any

import openpyxl.xml
import pytest
from openpyxl import Workbook, load_workbook

from app.excel import safety
from app.excel.cells import (
    DANGEROUS,
    CellError,
    clean_text,
    header_key,
    neutralise,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_int,
    restore,
)
from app.excel.safety import BadWorkbook, check_xlsx, iter_rows, open_workbook
from app.integrity import UserFacingError

MB = 1024 * 1024


def xlsx(rows: list[list[Any]] | None = None) -> bytes:
    """A real workbook, written by openpyxl."""
    book = Workbook()
    sheet = book.active
    for row in rows if rows is not None else [["姓名", "手机号"], ["张三", 13812345678]]:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def rezip(data: bytes, **replace: bytes) -> bytes:
    """``data`` (a zip) with members replaced or added: ``rezip(data, **{"xl/x.xml": b""})``."""
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        members = {info.filename: src.read(info) for info in src.infolist()}
        for name, content in {**members, **replace}.items():
            dst.writestr(name, content)
    return out.getvalue()


def zeros_zip(megabytes: int, level: int = 6) -> bytes:
    """The two parts every workbook has, plus a member of ``megabytes`` MB of zeros."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = bytes(MB)
            for _ in range(megabytes):
                member.write(chunk)
    return out.getvalue()


def refused(data: bytes) -> str:
    """The message of the BadWorkbook ``check_xlsx`` raises for ``data``."""
    with pytest.raises(BadWorkbook) as caught:
        check_xlsx(data)
    return str(caught.value)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return zeros_zip(300, level=1)  # the quickest level: ~0.4 s to write, 1.4 MB


# -- the upload checks --------------------------------------------------------------------

def test_openpyxl_parses_xml_with_defusedxml() -> None:
    assert openpyxl.xml.DEFUSEDXML is True


def test_a_real_workbook_is_read() -> None:
    data = xlsx([["姓名", "手机号"], ["张三", 13812345678], ["李四", None]])
    check_xlsx(data)
    book = open_workbook(data)
    try:
        assert list(iter_rows(book.active)) == [
            ("姓名", "手机号"), ("张三", 13812345678), ("李四", None)]
    finally:
        book.close()
    assert issubclass(BadWorkbook, UserFacingError)


@pytest.mark.parametrize("data", [
    b"<html><body><table><tr><td>1</td></tr></table></body></html>",  # web page renamed
    "姓名,手机号\n张三,13812345678\n".encode(),  # CSV renamed
    b"PK\x03\x04 not really a zip",
])
def test_files_that_are_not_xlsx_are_refused(data: bytes) -> None:
    assert ".xlsx" in refused(data)


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:  # a Word document, say
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    assert refused(out.getvalue()) == str(safety.NOT_XLSX)
    assert refused(xlsx()[:2000]) == str(safety.NOT_XLSX)  # cut short: no zip directory


def test_empty_and_oversize_files_are_refused() -> None:
    assert "empty" in refused(b"")
    assert "10 MB" in refused(xlsx() + bytes(safety.MAX_BYTES))


def test_old_xls_and_password_protected_files_are_refused() -> None:
    ole = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504)
    assert ".xls" in refused(ole + "Workbook".encode("utf-16-le"))
    assert "password" in refused(ole + "EncryptedPackage".encode("utf-16-le"))


def test_a_zip_bomb_is_refused_quickly_without_decompressing(
        bomb: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(bomb) < safety.MAX_BYTES
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def spy(self: zipfile.ZipFile, name: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(getattr(name, "filename", name))
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    started = time.perf_counter()
    assert refused(bomb) == str(safety.UNSAFE)
    assert time.perf_counter() - started < 0.2
    assert opened == []


def test_a_member_compressed_too_well_is_refused() -> None:
    ratio_bomb = zeros_zip(50)  # 50 MB: under the total limit, but ~1000:1
    assert refused(ratio_bomb) == str(safety.UNSAFE)


def test_too_much_data_in_total_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    data = rezip(xlsx(), **{"xl/media/photo.bin": os.urandom(2 * MB)})  # incompressible
    check_xlsx(data)
    monkeypatch.setattr(safety, "MAX_UNCOMPRESSED", MB)
    assert refused(data) == str(safety.UNSAFE)


def test_too_many_members_are_refused() -> None:
    extra = {f"xl/media/image{i}.png": b"x" for i in range(safety.MAX_MEMBERS)}
    assert refused(rezip(xlsx(), **extra)) == str(safety.UNSAFE)


def test_content_types_are_read_size_capped() -> None:
    noise = base64.b64encode(os.urandom(safety.MAX_CONTENT_TYPES))  # does not compress
    assert refused(rezip(xlsx(), **{"[Content_Types].xml": noise})) == str(safety.UNSAFE)


def _patch_central(data: bytes, name: bytes, offset: int, fmt: str, value: int) -> bytes:
    """``data`` with a field of ``name``'s entry in the zip directory overwritten."""
    at = data.index(b"PK\x01\x02")
    while data[at + 46:at + 46 + len(name)] != name:
        at = data.index(b"PK\x01\x02", at + 4)
    return data[:at + offset] + struct.pack(fmt, value) + data[at + offset +
                                                                struct.calcsize(fmt):]


def test_a_directory_that_lies_about_sizes_is_caught() -> None:
    lying = _patch_central(xlsx(), b"[Content_Types].xml", 24, "<I", 10)  # uncompressed size
    assert zipfile.ZipFile(BytesIO(lying)).getinfo("[Content_Types].xml").file_size == 10
    assert refused(lying) == str(safety.DAMAGED)


def test_zip_encryption_is_refused() -> None:
    locked = _patch_central(xlsx(), b"[Content_Types].xml", 8, "<H", 0x1)  # flag bits
    assert "password" in refused(locked)


def test_a_damaged_workbook_is_refused_when_opened() -> None:
    data = rezip(xlsx(), **{"xl/workbook.xml": b"<workbook><sheets><sheet"})
    check_xlsx(data)  # the structure is fine: only openpyxl finds the damage
    with pytest.raises(BadWorkbook, match="damaged"):
        open_workbook(data)


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/worksheets/sheet1.xml"])
def test_entity_expansion_is_refused(part: str) -> None:
    """A "billion laughs" document: defusedxml refuses the entity declarations."""
    data = xlsx()
    with zipfile.ZipFile(BytesIO(data)) as archive:
        xml = archive.read(part)
    body = xml.split(b"?>", 1)[-1]
    laughs = (b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')
    hostile = rezip(data, **{part: b'<?xml version="1.0"?>' + laughs + body})
    check_xlsx(hostile)
    with pytest.raises(BadWorkbook, match="damaged"):
        list(iter_rows(open_workbook(hostile).active))


def test_a_sheet_damaged_part_way_is_refused_while_reading() -> None:
    data = xlsx([["姓名"], *[[f"居民{i}"] for i in range(50)]])
    with zipfile.ZipFile(BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    cut = sheet[:sheet.index(b'<row r="40"')] + b'<row r="40"><c r="A40" t="'
    book = open_workbook(rezip(data, **{"xl/worksheets/sheet1.xml": cut}))
    rows = iter_rows(book.active)
    assert next(rows) == ("姓名",)
    with pytest.raises(BadWorkbook, match="damaged"):
        list(rows)
    book.close()


# -- rows -------------------------------------------------------------------------------

def read(rows: list[list[Any]], **kwargs: Any) -> list[tuple[object, ...]]:
    book = open_workbook(xlsx(rows))
    try:
        return list(iter_rows(book.active, **kwargs))
    finally:
        book.close()


def test_too_many_rows_are_refused_with_the_limit() -> None:
    rows = [["姓名"], ["甲"], ["乙"], ["丙"]]
    assert len(read(rows, max_rows=3)) == 4  # the header is not a data row
    with pytest.raises(BadWorkbook) as caught:
        read([*rows, ["丁"]], max_rows=3)
    assert "3" in str(caught.value) and "split" in str(caught.value)
    assert read([["标题"], *rows], max_rows=3, header_rows=2)[-1] == ("丙",)


def test_the_default_limit_is_fifty_thousand_rows() -> None:
    assert inspect.signature(iter_rows).parameters["max_rows"].default == 50_000
    rows: list[list[Any]] = [["姓名"], *([["甲"]] * 1235)]
    with pytest.raises(BadWorkbook, match="more than 1,234 rows"):
        read(rows, max_rows=1234)


def test_blank_rows_are_yielded_but_not_counted() -> None:
    rows: list[list[Any]] = [["姓名", "备注"], ["甲"], [None, "  "], [], ["乙", "x"]]
    assert read(rows, max_rows=2) == [
        ("姓名", "备注"), ("甲", None), (None, "  "), (None, None), ("乙", "x")]


def test_rows_are_padded_to_the_header_and_columns_capped() -> None:
    book = Workbook()
    book.active.append(["a", "b", "c"])
    book.active.append(["d"])
    book.active.cell(row=3, column=safety.MAX_COLUMNS + 5, value="far away")
    out = BytesIO()
    book.save(out)
    loaded = open_workbook(out.getvalue())
    rows = list(iter_rows(loaded.active))
    loaded.close()
    assert rows[:2] == [("a", "b", "c"), ("d", None, None)]
    assert len(rows[2]) == safety.MAX_COLUMNS and set(rows[2]) == {None}


def test_more_rows_than_excel_allows_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safety, "SHEET_ROWS", 100)
    book = Workbook()
    book.active.cell(row=150, column=1, value="x")
    out = BytesIO()
    book.save(out)
    loaded = open_workbook(out.getvalue())
    with pytest.raises(BadWorkbook, match="damaged"):
        list(iter_rows(loaded.active))
    loaded.close()


# -- cell values --------------------------------------------------------------------------

@pytest.mark.parametrize("prefix", DANGEROUS)
def test_formula_like_text_is_neutralised_and_restored(prefix: str) -> None:
    text = f"{prefix}HYPERLINK(\"http://evil\",\"点我\")"
    safe = neutralise(text)
    assert safe == "'" + text
    book = Workbook()
    book.active["A1"] = safe
    out = BytesIO()
    book.save(out)
    cell = load_workbook(BytesIO(out.getvalue())).active["A1"]
    assert cell.data_type == "s" and cell.value.startswith("'")  # text, not a formula
    assert restore(safe) == text
    if prefix != "\r":  # XML files keep no \r: it comes back as \n
        assert restore(cell.value) == text


@pytest.mark.parametrize("value", ["张三", "'张三", "a=b", -5, 3.5, None, dt.date(2024, 3, 5)])
def test_harmless_values_are_left_alone(value: object) -> None:
    assert neutralise(value) == value
    assert restore(value) == value


@pytest.mark.parametrize("raw, text", [
    (None, None), ("", None), ("   ", None), ("\u3000\n", None),
    ("１３８１２３４５６７８", "13812345678"), ("ＡＢＣ　ｄｅ", "ABC de"),
    (" 幸福路\n 3 号\t楼 ", "幸福路 3 号 楼"), ("138\u200b1234\ufeff5678", "13812345678"),
    (13812345678.0, "13812345678"), (13812345678, "13812345678"), (1.5, "1.5"),
    (0.1 + 0.2, "0.3"), (1e-05, "0.00001"), (1.1010519491231002e17, "110105194912310000"),
    (Decimal("1E+2"), "100"), (True, "TRUE"),
    (dt.datetime(2024, 3, 5), "2024-03-05"),
    (dt.datetime(2024, 3, 5, 9, 30), "2024-03-05 09:30:00"),
])
def test_clean_text(raw: object, text: str | None) -> None:
    assert clean_text(raw) == text


MARCH_5 = dt.date(2024, 3, 5)


@pytest.mark.parametrize("raw", [
    MARCH_5, dt.datetime(2024, 3, 5, 17, 45), 45356, 45356.0, 45356.73, Decimal(45356),
    "2024-3-5", "2024-03-05", "2024/3/5", "2024.3.5", "2024年3月5日", "2024年3月5号",
    "2024年03月05",
    "20240305", 20240305, " ２０２４－３－５ ", "２０２４年３月５日", "２０２４．０３．０５",
    "2024 年 3 月 5 日", "2024-03-05 00:00:00",
])
def test_dates_in_every_common_form(raw: object) -> None:
    assert parse_date(raw) == MARCH_5


@pytest.mark.parametrize("raw, day", [(1, dt.date(1900, 1, 1)), (59, dt.date(1900, 2, 28)),
                                      (61, dt.date(1900, 3, 1)),
                                      (2958465, dt.date(9999, 12, 31))])
def test_excel_serial_numbers(raw: int, day: dt.date) -> None:
    assert parse_date(raw) == day


@pytest.mark.parametrize("raw", [None, "", "  ", "\u3000"])
def test_empty_dates_are_none(raw: object) -> None:
    assert parse_date(raw) is None and parse_datetime(raw) is None


@pytest.mark.parametrize("raw, problem", [
    ("2024-02-30", "does not exist"), ("2023年2月29日", "does not exist"),
    ("20241305", "does not exist"), (60, "does not exist"),
    ("3月5日", "2024-03-05"), ("24-3-5", "2024-03-05"), ("2024-3/5", "2024-03-05"),
    ("下周一", "2024-03-05"), (0, "2024-03-05"), (-3, "2024-03-05"), (2958466, "2024-03-05"),
    (True, "2024-03-05"), (dt.time(9, 30), "2024-03-05"), ("2024-03-05 25:00", "2024-03-05"),
    (float("nan"), "2024-03-05"),
])
def test_bad_dates_say_what_to_write(raw: object, problem: str) -> None:
    with pytest.raises(CellError) as caught:
        parse_date(raw)
    assert problem in str(caught.value.message)


@pytest.mark.parametrize("raw, when", [
    ("2024-03-05 09:30", dt.datetime(2024, 3, 5, 9, 30)),
    ("2024/3/5 9:30:15", dt.datetime(2024, 3, 5, 9, 30, 15)),
    ("2024年3月5日 9:30", dt.datetime(2024, 3, 5, 9, 30)),
    ("2024年3月5日9:30", dt.datetime(2024, 3, 5, 9, 30)),
    ("2024-03-05T09:30:00", dt.datetime(2024, 3, 5, 9, 30)),
    ("２０２４－０３－０５　０９：３０", dt.datetime(2024, 3, 5, 9, 30)),
    ("2024.3.5", dt.datetime(2024, 3, 5)), (MARCH_5, dt.datetime(2024, 3, 5)),
    (45356.395833333, dt.datetime(2024, 3, 5, 9, 30)), (45356.5, dt.datetime(2024, 3, 5, 12)),
    (45356.99999999, dt.datetime(2024, 3, 6)),
    (dt.datetime(2024, 3, 5, 9, 30, tzinfo=dt.UTC), dt.datetime(2024, 3, 5, 9, 30)),
])
def test_date_and_time(raw: object, when: dt.datetime) -> None:
    assert parse_datetime(raw) == when


@pytest.mark.parametrize("raw", ["9:30", "2024-03-05 9点", dt.time(9, 30), "2024-03-05 24:00"])
def test_bad_date_and_time(raw: object) -> None:
    with pytest.raises(CellError, match="09:30"):
        parse_datetime(raw)


@pytest.mark.parametrize("raw, number", [
    (12, 12), (12.0, 12), ("12", 12), (" １２ ", 12), ("－１２", -12), ("\u221212", -12),
    ("+7", 7), ("1,200", 1200), ("12.0", 12), (Decimal("3"), 3), (None, None), ("  ", None),
    (13812345678.0, 13812345678),
])
def test_whole_numbers(raw: object, number: int | None) -> None:
    assert parse_int(raw) == number


@pytest.mark.parametrize("raw", ["12.5", 12.5, "十二", "12个", "1,2", "1e3", "NaN", "inf",
                                 True, MARCH_5, float("inf"), "9" * 50])
def test_not_whole_numbers(raw: object) -> None:
    with pytest.raises(CellError, match="whole number"):
        parse_int(raw)


@pytest.mark.parametrize("raw, places, number", [
    ("12.5", None, Decimal("12.5")), (12.5, 2, Decimal("12.50")), ("１２．５", 1, Decimal("12.5")),
    (0.1 + 0.2, 2, Decimal("0.30")), ("-3", 0, Decimal("-3")), (".5", None, Decimal("0.5")),
    ("1,234.5", None, Decimal("1234.5")), (1e20, None, Decimal("100000000000000000000")),
    (None, 2, None), ("", None, None),
])
def test_decimals(raw: object, places: int | None, number: Decimal | None) -> None:
    assert parse_decimal(raw, places) == number
    if number is not None and places is not None:
        assert parse_decimal(raw, places).as_tuple().exponent == -places  # type: ignore[union-attr]


def test_bad_decimals() -> None:
    for raw in ("十二", "12元", "1.2.3", "NaN", True):
        with pytest.raises(CellError, match="a number"):
            parse_decimal(raw)
    with pytest.raises(CellError, match="at most 2 decimal places"):
        parse_decimal("12.345", 2)
    with pytest.raises(CellError, match="whole number"):
        parse_decimal("12.5", 0)


@pytest.mark.parametrize("raw, flag", [
    (True, True), (False, False), (1, True), (0, False), (1.0, True), ("是", True),
    ("否", False), ("有", True), ("无", False), ("√", True), ("×", False), ("✓", True),
    ("Y", True), ("n", False), ("Yes", True), ("NO", False), ("true", True), ("FALSE", False),
    ("1", True), ("0", False), (" 是 ", True), (None, None), ("", None),
])
def test_yes_or_no(raw: object, flag: bool | None) -> None:
    assert parse_bool(raw) is flag


@pytest.mark.parametrize("raw", ["也许", "2", 2, "是的吧", MARCH_5])
def test_not_yes_or_no(raw: object) -> None:
    with pytest.raises(CellError) as caught:
        parse_bool(raw)
    assert "是" in str(caught.value.message) and "否" in str(caught.value)


@pytest.mark.parametrize("raw, key", [
    (" 手机号（必填）*", "手机号"), ("*手机号", "手机号"), ("手 机 号", "手机号"),
    ("出生日期\n(格式：2024-03-05)", "出生日期"), ("姓名【必填】", "姓名"), ("ID [hint]", "id"),
    ("ＥＭＡＩＬ＊", "email"), ("备注（选填（可空））", "备注"), (None, ""), (12, "12"),
])
def test_header_keys(raw: object, key: str) -> None:
    assert header_key(raw) == key


def test_cell_errors_carry_a_user_message() -> None:
    error = CellError("请填写日期")
    assert isinstance(error, ValueError)
    assert error.message == "请填写日期" and str(error) == "请填写日期"
