"""操作日志: every change, state change, export, import and reveal is logged — who, when,
from where, what changed (personal data masked) — on a scoped screen, append-only, and
archived (never dropped) after 180 days."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import bound_user, csrf_token, full_numbers, login
from flask import Flask
from openpyxl import Workbook
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.scoping import system
from models.audit import AuditEntry
from models.dictionary import DictItem
from models.mixins import utcnow
from models.org import Community, Grid, PartnerUnit, Street
from models.roles import COMMUNITY, STREET, UNIT

PHONE, NEW_PHONE = "13812345678", "13987654321"


@pytest.fixture(scope="module")
def place(app: Flask) -> dict[str, int]:
    """A street with communities A and B (a grid each), their staff, a street admin and
    a unit serving A."""
    with app.app_context(), system():
        street = Street(name="审计街道")
        home = Community(name="审计甲社区", street=street)
        other = Community(name="审计乙社区", street=street)
        grids = [Grid(name=f"审计网格{n}", community=c, street=street)
                 for n, c in (("甲", home), ("乙", other))]
        unit = PartnerUnit(name="审计共建单位", communities=[home])
        category = DictItem(kind="demand_category", name="审计类别")
        db.session.add_all([street, home, other, *grids, unit, category])
        db.session.commit()
        bound_user(app, "au_comm_a", COMMUNITY, community_id=home.id)
        bound_user(app, "au_comm_b", COMMUNITY, community_id=other.id)
        bound_user(app, "au_street", STREET, street_id=street.id)
        bound_user(app, "au_unit", UNIT, partner_unit_id=unit.id)
        return {"street": street.id, "home": home.id, "other": other.id,
                "grid_a": grids[0].id, "grid_b": grids[1].id, "category": category.id}


def _client(app: Flask, username: str) -> Any:
    client = app.test_client()
    login(client, username)
    return client


def _entries(app: Flask, **where: Any) -> list[AuditEntry]:
    with app.app_context(), system():
        rows = db.session.scalars(select(AuditEntry).filter_by(**where)
                                  .order_by(AuditEntry.id)).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


def _volunteer(client: Any, place: dict[str, int], name: str, grid: str = "grid_a") -> int:
    made = client.post("/api/v1/volunteer/", json={
        "name": name, "phone": PHONE, "grid": place[grid]})
    assert made.status_code == 201, made.json
    return int(made.json["id"])


def test_create_update_delete_are_logged_with_masked_values(app: Flask,
                                                             place: dict[str, int]) -> None:
    staff = _client(app, "au_comm_a")
    pk = _volunteer(staff, place, "审计志愿者甲")
    got = staff.get(f"/api/v1/volunteer/{pk}")
    changed = staff.put(f"/api/v1/volunteer/{pk}", headers={"If-Match": got.headers["ETag"]},
                        json={"name": "审计志愿者甲", "phone": NEW_PHONE,
                              "grid": place["grid_a"]})
    assert changed.status_code == 200, changed.json
    assert staff.delete(f"/api/v1/volunteer/{pk}").status_code == 200

    entries = _entries(app, resource="volunteer", record_id=pk)
    assert [e.kind for e in entries] == ["create", "update", "delete"]
    for entry in entries:
        assert (entry.username, entry.ip, entry.result) == ("au_comm_a", "127.0.0.1", "ok")
        assert entry.community_id == place["home"] and entry.street_id == place["street"]
        assert entry.resource_label == "志愿者" and entry.summary == "审计志愿者甲"
        assert not full_numbers(entry.changes or ""), "personal data is masked in the log"
    created, updated, deleted = (json.loads(e.changes) for e in entries)
    assert created["name"] == [None, "审计志愿者甲"]
    assert created["phone"] == [None, "138****5678"]
    assert updated == {"phone": ["138****5678", "139****4321"]}  # only what changed
    assert deleted["phone"] == ["139****4321", None]


def test_state_change_export_import_and_reveal_are_logged(app: Flask,
                                                          place: dict[str, int]) -> None:
    staff = _client(app, "au_comm_a")
    made = staff.post("/api/v1/demand/", json={"title": "审计需求", "category": place["category"],
                                               "urgency": "urgent", "source": "visit"})
    assert made.status_code == 201
    assert staff.post(f"/api/v1/demand/{made.json['id']}/publish").status_code == 200
    [change] = _entries(app, resource="demand", record_id=made.json["id"], kind="transition")
    assert change.username == "au_comm_a" and "草稿 → 已发布" in change.summary
    assert change.community_id == place["home"]

    assert staff.get("/volunteer/export/").status_code == 200
    [export] = _entries(app, kind="export", username="au_comm_a")
    assert export.resource == "volunteer" and export.community_id == place["home"]

    book = Workbook()
    book.active.append(["姓名", "网格"])
    book.active.append(["审计导入志愿者", "审计网格甲"])
    data = io.BytesIO()
    book.save(data)
    upload = staff.post("/volunteer/import/", data={
        "csrf_token": csrf_token(staff, "/volunteer/import/"),
        "file": (io.BytesIO(data.getvalue()), "志愿者.xlsx")}, content_type="multipart/form-data")
    assert upload.status_code == 200 and not _entries(app, kind="import", username="au_comm_a")
    page = upload.get_data(as_text=True)
    commit_url = page.split('action="/volunteer/import/')[1].split('"')[0]
    committed = staff.post(f"/volunteer/import/{commit_url}", data={
        "csrf_token": csrf_token(staff, "/volunteer/import/")})
    assert committed.status_code == 302
    [imported] = _entries(app, kind="import", username="au_comm_a")
    assert "志愿者.xlsx" in imported.summary and imported.resource == "volunteer"
    assert [e.summary for e in _entries(app, kind="create", resource="volunteer")
            if e.summary == "审计导入志愿者"]

    pk = _volunteer(staff, place, "审计志愿者乙")
    shown = staff.post(f"/personal/reveal/volunteer/{pk}", data={
        "csrf_token": csrf_token(staff, f"/personal/reveal/volunteer/{pk}"), "reason": "核实身份"})
    assert shown.status_code == 200
    [reveal] = _entries(app, kind="reveal", record_id=pk)
    assert (reveal.username, reveal.summary, reveal.resource) == ("au_comm_a", "核实身份",
                                                                  "volunteer")


def test_the_log_screen_is_scoped(app: Flask, place: dict[str, int]) -> None:
    _volunteer(_client(app, "au_comm_b"), place, "审计乙社区志愿者", grid="grid_b")
    _volunteer(_client(app, "au_comm_a"), place, "审计甲社区志愿者")

    def listed(username: str) -> str:
        client = _client(app, username)
        page = client.get("/auditentry/list/?psize_AuditEntryView=100&_flt_0_resource_label=志愿者")
        assert page.status_code == 200
        return page.get_data(as_text=True)

    own, street = listed("au_comm_a"), listed("au_street")
    assert "审计甲社区志愿者" in own and "审计乙社区志愿者" not in own
    assert "审计甲社区志愿者" in street and "审计乙社区志愿者" in street
    assert "操作日志" in own and "操作人" in own

    api = _client(app, "au_comm_a").get("/api/v1/auditentry/?q=(page_size:100)")
    summaries = {row["summary"] for row in api.json["result"]}
    assert "审计甲社区志愿者" in summaries and "审计乙社区志愿者" not in summaries
    unit = _client(app, "au_unit")
    assert unit.get("/auditentry/list/").status_code in (302, 403)
    assert unit.get("/api/v1/auditentry/").status_code in (401, 403)


def test_the_log_cannot_be_changed_or_cut_short(app: Flask, place: dict[str, int]) -> None:
    _volunteer(_client(app, "au_comm_a"), place, "审计不可改")
    with app.app_context(), system():
        for statement in ("UPDATE audit_entry SET summary = 'x'",
                          "DELETE FROM audit_entry",
                          "UPDATE audit_entry SET at = '2000-01-01' WHERE id > 0"):
            with pytest.raises(DBAPIError) as refused:
                db.session.execute(text(statement))
            db.session.rollback()
            message = str(refused.value.orig).lower()
            assert "permission denied" in message or "append-only" in message \
                or "kept 180 days" in message
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.summary == "审计不可改")) == 1
        if db.engine.dialect.name == "postgresql":  # the grant itself, from the migration
            granted = db.session.scalar(text(
                "SELECT has_table_privilege(current_user, 'audit_entry', 'UPDATE') "
                "OR has_table_privilege(current_user, 'audit_entry', 'DELETE')"))
            assert granted is False


def test_old_entries_are_archived_not_dropped(app: Flask, tmp_path: Any) -> None:
    old = utcnow() - dt.timedelta(days=200)
    with app.app_context(), system():
        db.session.execute(insert(AuditEntry.__table__), [
            {"at": old + dt.timedelta(minutes=i), "kind": "login", "result": "ok",
             "username": f"au_old_{i}", "summary": f"旧记录{i}"} for i in range(3)])
        db.session.commit()
    from app.cli import main

    runner = CliRunner(env={"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                            "TONGXIN_MODE": "test", "TONGXIN_INSTANCE_DIR": app.instance_path})
    too_recent = runner.invoke(main, ["audit-archive", "--dir", str(tmp_path),
                                      "--before", utcnow().date().isoformat()])
    assert too_recent.exit_code != 0 and "180" in too_recent.output

    done = runner.invoke(main, ["audit-archive", "--dir", str(tmp_path)])
    assert done.exit_code == 0, done.output
    [archive] = tmp_path.glob("audit-before-*.jsonl.gz")
    lines = [json.loads(line) for line in gzip.open(archive, "rt", encoding="utf-8")]
    assert [row["summary"] for row in lines if row["summary"].startswith("旧记录")] == \
        ["旧记录0", "旧记录1", "旧记录2"]
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert (tmp_path / (archive.name + ".sha256")).read_text().startswith(digest)
    assert not _entries(app, username="au_old_0")  # moved out of the table…
    [note] = _entries(app, kind="archive")  # …with a note of where to
    assert archive.name in note.summary and digest in note.summary
    assert _entries(app, kind="create")  # recent entries stay


def test_role_and_organisation_changes_are_logged(app: Flask, place: dict[str, int]) -> None:
    with app.app_context(), system():
        bound_user(app, "au_roles", COMMUNITY, community_id=place["home"])
        sm = app.appbuilder.sm
        user, street_role = sm.find_user(username="au_roles"), sm.find_role(STREET)
        uid, role_id = user.id, street_role.id
    admin = _client(app, "admin")
    saved = admin.post(f"/users/edit/{uid}", data={
        "csrf_token": csrf_token(admin, f"/users/edit/{uid}"), "first_name": "审计",
        "last_name": "角色", "username": "au_roles", "active": "y",
        "email": "au_roles@example.org", "roles": str(role_id), "street": str(place["street"])})
    assert saved.status_code == 302
    entries = [e for e in _entries(app, kind="permission", record_id=uid)
               if e.username == "admin"]
    changes = {k: v for e in entries for k, v in json.loads(e.changes).items()}
    assert changes["roles"] == [COMMUNITY, STREET]
    assert changes["street_id"] == [None, place["street"]]
    assert changes["community_id"] == [place["home"], None]
    assert "password" not in changes and entries[0].ip == "127.0.0.1"
