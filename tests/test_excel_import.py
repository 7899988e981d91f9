"""导入: template, a messy sheet checked row by row, all-or-nothing commit, undo, updates by
natural key, hostile files — and export → import leaves every record type as it was."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest
from conftest import bound_user, csrf_token, login
from flask import Flask
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from test_generator import _sample

import models
from app.extensions import db
from app.scoping import system
from models.dictionary import DictItem
from models.disputes import Dispute
from models.org import Community, Grid, Street
from models.residents import Household
from models.roles import COMMUNITY

TOKEN = re.compile(r"/import/([0-9a-f]{32})/commit")
MARKED = re.compile(r"/import/([0-9a-f]{32})/marked")


@pytest.fixture(scope="module")
def place(app: Flask) -> dict[str, int]:
    with app.app_context(), system():
        street = Street(name="导入街道")
        here = Community(name="导入社区", street=street)
        there = Community(name="导入别的社区", street=street)
        grid = Grid(name="导入网格", community=here, street=street)
        other = Grid(name="导入别的网格", community=there, street=street)
        kind = DictItem(kind="dispute_type", name="导入噪音纠纷")
        house = Household(grid=grid, compound="导入小区", building="9", room="901",
                          head_name="原户主")
        db.session.add_all([street, here, there, grid, other, kind, house])
        db.session.commit()
        bound_user(app, "i_comm", COMMUNITY, community_id=here.id)
        return {"here": here.id, "house": house.id}


def _client(app: Flask, username: str) -> Any:
    client = app.test_client()
    login(client, username)
    return client


def _book(rows: list[list[Any]], title: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    if title:  # a merged title row above the header, as ledgers often have
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(client: Any, resource: str, data: bytes, name: str = "台账.xlsx") -> Any:
    token = csrf_token(client, f"/{resource}/import/")
    return client.post(f"/{resource}/import/", data={
        "csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data", follow_redirects=True)


def _commit(client: Any, resource: str, html: str) -> Any:
    match = TOKEN.search(html)
    assert match, "no 确认导入 button"
    token = csrf_token(client, f"/{resource}/import/")
    return client.post(f"/{resource}/import/{match.group(1)}/commit",
                       data={"csrf_token": token}, follow_redirects=True)


def _problems(html: str) -> list[tuple[str, str, str]]:
    body = html.split("tx-import-problems", 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", body)
    return [(r, c, m) for r, c, m in cells]


def _count(app: Flask, model: type, **where: Any) -> int:
    with app.app_context(), system():
        return db.session.query(model).filter_by(**where).count()


def test_template_has_hints_examples_and_scoped_dropdowns(app: Flask, place: dict[str, int]
                                                           ) -> None:
    resp = _client(app, "i_comm").get("/household/import/template")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(resp.get_data()))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert "网格" in header and "户主*" in header and "楼栋*" in header
    assert str(sheet.cell(row=2, column=1).value).startswith("填写说明：")
    assert str(sheet.cell(row=3, column=1).value).startswith("示例：")
    grids = [c.value for c in book["可选值"][get_column_letter(header.index("网格") + 1)]]
    assert "导入网格" in grids and "导入别的网格" not in grids  # only the user's scope
    assert sheet.data_validations.dataValidation, "drop-downs for the allowed values"


def test_every_bad_row_is_named_and_nothing_is_saved(app: Flask, place: dict[str, int]
                                                     ) -> None:
    client = _client(app, "i_comm")
    header = ["摘要", "纠纷类型", "当事人", "网格", "受理日期", "联合派出所"]
    rows = [header,
            ["导入纠纷一", "导入噪音纠纷", "甲、乙", "导入网格", "2024/3/5", "否"],
            ["导入纠纷二", "导入噪音纠纷", "", "导入网格", "2024年3月6日", "是"],
            ["导入纠纷三", "导入噪音纠纷", "丙、丁", "导入网格", "2024-02-30", "否"],
            ["导入纠纷四", "不存在的类型", "戊、己", "导入网格", 45356, "否"],
            ["导入纠纷五", "导入噪音纠纷", "庚、辛", "导入别的网格", "2024.3.5", "否"],
            ["导入纠纷六", "导入噪音纠纷", "壬、癸", "导入网格", "20240305", "也许"]]
    html = _upload(client, "dispute", _book(rows, title="导入社区矛盾纠纷台账")).get_data(
        as_text=True)
    found = _problems(html)
    by_row = {row: (column, message) for row, column, message in found}
    assert set(by_row) == {"4", "5", "6", "7", "8"}, found  # data starts under the title
    assert by_row["4"][0] == "当事人" and "必须填写" in by_row["4"][1]
    assert by_row["5"][0] == "受理日期" and "日期不存在" in by_row["5"][1]
    assert by_row["6"][0] == "纠纷类型" and "不存在的类型" in by_row["6"][1]
    assert by_row["7"][0] == "网格" and "导入别的网格" in by_row["7"][1]
    assert by_row["8"][0] == "联合派出所" and "是" in by_row["8"][1]
    assert "将新增 1 条" in html and "tx-import-commit" not in html
    assert _count(app, Dispute, title="导入纠纷一") == 0  # a dry run keeps nothing
    # the marked workbook: bad cells filled, a reason column
    marked = client.get(f"/dispute/import/{MARKED.search(html).group(1)}/marked")
    sheet = load_workbook(io.BytesIO(marked.get_data())).worksheets[0]
    assert sheet.cell(row=2, column=7).value == "错误原因"
    assert "必须填写" in sheet.cell(row=4, column=7).value
    assert sheet.cell(row=4, column=3).fill.fgColor.rgb.endswith("FFC7CE")


def test_all_or_nothing_then_commit_then_undo(app: Flask, place: dict[str, int]) -> None:
    client = _client(app, "i_comm")
    header = ["摘要", "当事人", "受理日期"]
    good = [[f"整批纠纷{i}", "甲、乙", "2024-03-05"] for i in range(5)]
    html = _upload(client, "dispute", _book([header, *good, ["整批纠纷坏", "", "2024-03-05"]])
                   ).get_data(as_text=True)
    assert _problems(html) == [("7", "当事人", "“当事人”必须填写。")]
    assert _count(app, Dispute, title="整批纠纷0") == 0
    html = _upload(client, "dispute", _book([header, *good])).get_data(as_text=True)
    done = _commit(client, "dispute", html).get_data(as_text=True)
    assert "导入完成：新增 5 条" in done
    assert _count(app, Dispute, title="整批纠纷4") == 1
    undo = re.search(r'action="(/dispute/import/undo/\d+)"', done)
    assert undo, "the batch can be undone"
    token = csrf_token(client, "/dispute/import/")
    undone = client.post(undo.group(1), data={"csrf_token": token}, follow_redirects=True)
    assert "已撤销这次导入" in undone.get_data(as_text=True)
    assert _count(app, Dispute, title="整批纠纷0") == 0
    again = client.post(undo.group(1), data={"csrf_token": token}, follow_redirects=True)
    assert "不能撤销" in again.get_data(as_text=True) or again.status_code == 404


def test_natural_key_updates_and_undo_restores(app: Flask, place: dict[str, int]) -> None:
    client = _client(app, "i_comm")
    rows = [["网格", "小区", "楼栋", "单元", "房号", "户主", "手机"],
            ["导入网格", "导入小区", "９", None, "901", "新户主", "138 1234 5678"],
            ["导入网格", "导入小区", "9", None, "902", "新住户", None],
            ["导入网格", "导入小区", "9", None, "902", "重复住户", None]]
    html = _upload(client, "household", _book(rows)).get_data(as_text=True)
    assert _problems(html) == [("4", "", "与第 3 行是同一条记录（文件内重复）。")]
    html = _upload(client, "household", _book(rows[:3])).get_data(as_text=True)
    assert "将新增 1 条记录，更新 1 条记录" in html
    assert "13812345678" not in _commit(client, "household", html).get_data(as_text=True)
    with app.app_context(), system():
        house = db.session.get(Household, place["house"])
        assert (house.head_name, house.phone) == ("新户主", "13812345678")
    page = client.get("/household/import/").get_data(as_text=True)
    undo = re.search(r'action="(/household/import/undo/\d+)"', page).group(1)
    client.post(undo, data={"csrf_token": csrf_token(client, "/household/import/")})
    with app.app_context(), system():
        house = db.session.get(Household, place["house"])
        assert (house.head_name, house.phone) == ("原户主", None)
        assert db.session.query(Household).filter_by(head_name="新住户").count() == 0


@pytest.mark.parametrize("data, message", [
    (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "不是 Excel"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "旧版 Excel"),
])
def test_files_that_are_not_xlsx_are_refused(app: Flask, place: dict[str, int], data: bytes,
                                            message: str) -> None:
    resp = _upload(_client(app, "i_comm"), "dispute", data)
    assert resp.status_code == 200 and message in resp.get_data(as_text=True)


def test_a_zip_bomb_is_refused_quickly(app: Flask, place: dict[str, int]) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("[Content_Types].xml", "<Types/>")
        bomb.writestr("xl/workbook.xml", "<workbook/>")
        with bomb.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(300):
                member.write(chunk)
    resp = _upload(_client(app, "i_comm"), "dispute", out.getvalue())
    assert resp.status_code == 200 and "无法安全打开" in resp.get_data(as_text=True)


ROUND_TRIP = [m for m in models.registry() if not m.__readonly__]


@pytest.mark.parametrize("model", ROUND_TRIP, ids=lambda m: m.__resource__)
def test_export_then_import_changes_nothing(app: Flask, admin_client: Any,
                                            model: type) -> None:
    with app.app_context(), system():
        db.session.add(_sample(model, f"往返{model.__resource__}"))
        db.session.commit()
    res = model.__resource__
    exported = admin_client.get(f"/{res}/export/")
    assert exported.status_code == 200
    html = _upload(admin_client, res, exported.get_data()).get_data(as_text=True)
    assert "tx-import-problems" not in html, _problems(html)
    counts = re.search(r"将新增 (\d+) 条记录，更新 (\d+) 条记录", html)
    changed = re.sub(r"<[^>]+>", " ", html.split("将更新", 1)[-1].split("</table>", 1)[0])
    assert counts and counts.groups() == ("0", "0"), " ".join(changed.split())


def _ledger(fixed: bool) -> bytes:
    """A 500-household ledger as inherited: a title row, 序号, synonyms, full-width
    digits — and, unless ``fixed``, 12 bad rows."""
    header = ["序号", "网格", "小区", "楼栋", "单元", "房号", "户主", "联系电话", "备注"]
    rows = []
    for i in range(500):
        phone = f"139{i:08d}"
        if i % 7 == 0:
            phone = phone.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        rows.append([i + 1, "导入网格", "台账小区", str(i // 50 + 1), None, f"{i:03d}",
                     f"台账户主{i}", phone, "独居" if i % 5 == 0 else None])
    if not fixed:
        for i, column, value in ((10, 7, "1391234"), (40, 1, "导入别的网格"), (70, 6, None),
                                 (100, 3, None), (160, 7, "2391234567"),
                                 (200, 1, "不存在的网格"), (250, 6, None), (300, 5, None),
                                 (400, 7, "13912345"), (450, 1, "导入别的网格")):
            rows[i][column] = value
        for i in (131, 351):  # the same household as the row above
            rows[i][3], rows[i][5] = rows[i - 1][3], rows[i - 1][5]
    return _book([header, *rows], title="导入社区住户台账（2026年）")


def test_a_messy_500_household_ledger_fixed_committed_undone_reimported(
        app: Flask, place: dict[str, int]) -> None:
    client = _client(app, "i_comm")
    html = _upload(client, "household", _ledger(fixed=False)).get_data(as_text=True)
    bad = sorted({int(row) for row, _c, _m in _problems(html)})
    assert bad == sorted(i + 3 for i in (10, 40, 70, 100, 131, 160, 200, 250, 300, 351, 400,
                                         450)), bad
    assert "有 12 行存在问题" in html and _count(app, Household, compound="台账小区") == 0
    html = _upload(client, "household", _ledger(fixed=True)).get_data(as_text=True)
    assert "将新增 500 条记录" in html
    assert "导入完成：新增 500 条" in _commit(client, "household", html).get_data(as_text=True)
    with app.app_context(), system():
        first = db.session.query(Household).filter_by(head_name="台账户主0").one()
        assert first.phone == "13900000000" and first.note == "独居"
    assert _count(app, Household, compound="台账小区") == 500
    page = client.get("/household/import/").get_data(as_text=True)
    undo = re.search(r'action="(/household/import/undo/\d+)"', page).group(1)
    client.post(undo, data={"csrf_token": csrf_token(client, "/household/import/")})
    assert _count(app, Household, compound="台账小区") == 0
    html = _upload(client, "household", _ledger(fixed=True)).get_data(as_text=True)
    _commit(client, "household", html)
    assert _count(app, Household, compound="台账小区") == 500


def test_a_bad_id_check_digit_is_named(app: Flask, place: dict[str, int]) -> None:
    rows = [["住户", "姓名", "身份证号"], ["导入小区9栋901室", "导入成员", "110105194912310021"]]
    html = _upload(_client(app, "i_comm"), "member", _book(rows)).get_data(as_text=True)
    found = _problems(html)
    assert len(found) == 1, found
    (row, column, message), = found
    assert (row, column) == ("2", "身份证号") and "校验" in message
