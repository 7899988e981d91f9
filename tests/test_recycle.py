"""回收站: a delete moves the record into the bin; staff in scope with the delete right
restore it with identical fields, links, children, files and timeline within
TONGXIN_RECYCLE_DAYS; only a 系统管理员 purges it. Every event is in the audit log."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from conftest import bound_user, csrf_token, full_numbers, login
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import Table, func, insert, select, update
from test_attachments import image_bytes
from werkzeug.datastructures import FileStorage

from app import files
from app.extensions import db
from app.policy import COMMUNITY, GRID, STREET
from app.scoping import system
from models.attachments import Attachment
from models.audit import AuditEntry
from models.ledgers import Convention, FeeEntry
from models.meetings import Meeting, Resolution, meeting_units
from models.org import Community, Grid, PartnerUnit, Street
from models.recycle import RecycleItem, recycle_snapshot
from models.residents import Household, HouseholdTag, Member, Visit, household_tags
from models.workflow import StateChange
from views.interface import PortalInterface

ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"


# --------------------------------------------------------------------------- world


@pytest.fixture(scope="module")
def world(app: Flask) -> dict[str, int]:
    """A street with communities A and B (a grid each), two partner units serving A, and
    staff: community A and B, A's grid worker, the street (who may not delete households)."""
    with app.app_context(), system():
        street = Street(name="回收街道")
        a = Community(name="回收社区A", street=street)
        b = Community(name="回收社区B", street=street)
        grid_a = Grid(name="回收网格A", community=a, street=street)
        grid_b = Grid(name="回收网格B", community=b, street=street)
        units = [PartnerUnit(name=f"回收单位{i}", communities=[a]) for i in (1, 2)]
        tag = HouseholdTag(name="回收高龄", visit_every_days=30)
        db.session.add_all([street, a, b, grid_a, grid_b, tag, *units])
        db.session.commit()
        ids = {"street": street.id, "a": a.id, "b": b.id, "grid_a": grid_a.id,
               "grid_b": grid_b.id, "tag": tag.id, "unit1": units[0].id,
               "unit2": units[1].id}
        bound_user(app, "rc_comm_a", COMMUNITY, community_id=a.id)
        bound_user(app, "rc_comm_b", COMMUNITY, community_id=b.id)
        bound_user(app, "rc_grid_a", GRID, grids=[grid_a])
        bound_user(app, "rc_street", STREET, street_id=street.id)
    return ids


@pytest.fixture
def as_user(app: Flask) -> Iterator[Any]:
    def make(username: str) -> FlaskClient:
        client = app.test_client()
        login(client, username)
        return client

    yield make


def add(app: Flask, *rows: Any) -> list[int]:
    with app.app_context(), system():
        db.session.add_all(rows)
        db.session.commit()
        return [r.id for r in rows]


def table_rows(app: Flask, table: Table, *where: Any) -> list[dict[str, Any]]:
    with app.app_context(), system():
        return [dict(r._mapping) for r in db.session.execute(
            select(table).where(*where).order_by(*table.primary_key.columns))]


def bin_item(app: Flask, resource: str, pk: int) -> RecycleItem | None:
    with app.app_context(), system():
        item = db.session.scalar(select(RecycleItem).where(  # the newest: on SQLite a
            RecycleItem.resource == resource,  # number may come back after a delete
            RecycleItem.record_id == pk).order_by(RecycleItem.id.desc()).limit(1))
        if item is not None:
            db.session.expunge(item)
        return item


def audit_entries(app: Flask, kind: str, resource: str, pk: int,
                  after: int = 0) -> list[AuditEntry]:
    with app.app_context(), system():
        rows = list(db.session.scalars(select(AuditEntry).where(
            AuditEntry.kind == kind, AuditEntry.resource == resource,
            AuditEntry.record_id == pk, AuditEntry.id > after).order_by(AuditEntry.id)))
        db.session.expunge_all()
        return rows


def token(client: FlaskClient) -> str:
    return csrf_token(client, "/resetmypassword/form")


def restore(client: FlaskClient, item_id: int) -> Any:
    return client.post(f"/recycle/restore/{item_id}", data={"csrf_token": token(client)},
                       follow_redirects=True)


def household_world(app: Flask, world: dict[str, int], name: str) -> dict[str, Any]:
    """A tagged household of grid A with two members and a visit; every row, as stored."""
    with app.app_context(), system():
        tag = db.session.get(HouseholdTag, world["tag"])
        house = Household(grid_id=world["grid_a"], compound="回收小区", building="3",
                          room="201", head_name=name, phone=PHONE, tags=[tag], note="备注")
        db.session.add(house)
        db.session.flush()
        db.session.add_all([
            Member(household_id=house.id, name=f"{name}之妻", id_number=ID_NUMBER,
                   phone=PHONE, relation="配偶"),
            Member(household_id=house.id, name=f"{name}之子", relation="子"),
            Visit(household_id=house.id, visited_on=dt.date(2026, 11, 20), visitor="网格员",
                  needs="送药")])
        db.session.commit()
        house.note = "改过一次"  # version 2: the version must come back too
        db.session.commit()
        pk = house.id
    return {"pk": pk, **stored_household(app, pk)}


def stored_household(app: Flask, pk: int) -> dict[str, Any]:
    return {
        "household": table_rows(app, Household.__table__, Household.id == pk),
        "members": table_rows(app, Member.__table__, Member.household_id == pk),
        "visits": table_rows(app, Visit.__table__, Visit.household_id == pk),
        "tags": table_rows(app, household_tags, household_tags.c.household_id == pk),
    }


# --------------------------------------------------------------------------- delete → restore


def test_delete_on_the_page_then_restore_gives_back_every_field_member_visit_and_tag(
        app: Flask, world: dict[str, int], as_user: Any) -> None:
    before = household_world(app, world, "回收户主甲")
    pk = before.pop("pk")
    assert before["household"][0]["version"] == 2 and len(before["members"]) == 2
    client = as_user("rc_comm_a")
    count = client.get("/api/v1/household/").json["count"]

    gone = client.post(f"/household/delete/{pk}", data={"csrf_token": token(client)},
                       follow_redirects=True)
    assert gone.status_code == 200
    assert stored_household(app, pk) == {"household": [], "members": [], "visits": [],
                                         "tags": []}
    assert client.get(f"/household/show/{pk}").status_code == 404
    assert client.get(f"/api/v1/household/{pk}").status_code == 404
    assert client.get("/api/v1/household/").json["count"] == count - 1
    assert "回收户主甲" not in client.get("/household/list/").get_data(as_text=True)
    sheet = load_workbook(io.BytesIO(client.get("/household/export/").get_data())).active
    assert "回收户主甲" not in {str(c) for row in sheet.iter_rows(values_only=True) for c in row}

    item = bin_item(app, "household", pk)
    assert item is not None and item.deleted_by_name == "rc_comm_a"
    assert item.community_id == world["a"] and item.grid_id == world["grid_a"]
    listing = client.get("/recycleitem/list/").get_data(as_text=True)
    assert "回收小区3栋201室" in listing and "户" in listing and "还剩 30 天" in listing
    page = client.get(f"/recycleitem/show/{item.id}").get_data(as_text=True)
    assert "回收户主甲" in page and "回收高龄" in page  # the fields and the tags, labelled
    assert "回收户主甲之妻" in page and "回收户主甲之子" in page and "探访" in page
    assert not full_numbers(page), "personal data is masked in the bin too"
    assert "139****5678" in page and 'class="btn btn-success tx-restore"' in page

    done = restore(client, item.id)
    text = done.get_data(as_text=True)
    assert "已恢复" in text and f'href="/household/show/{pk}"' in text
    assert stored_household(app, pk) == before, "every column, version included"
    assert bin_item(app, "household", pk) is None
    assert client.get(f"/household/show/{pk}").status_code == 200
    assert client.get("/api/v1/household/").json["count"] == count

    # the numbering goes on (PostgreSQL's sequence is untouched by the restored number)
    made = client.post("/api/v1/household/", json={
        "grid": world["grid_a"], "building": "9", "room": "909", "head_name": "新户主"})
    assert made.status_code == 201, made.json


def test_a_grid_worker_restores_a_household_of_the_grid(app: Flask, world: dict[str, int],
                                                        as_user: Any) -> None:
    pk = household_world(app, world, "回收户主乙")["pk"]
    client = as_user("rc_grid_a")
    assert client.delete(f"/api/v1/household/{pk}").status_code == 200
    item = bin_item(app, "household", pk)
    assert item is not None
    assert f"/recycleitem/show/{item.id}" in client.get("/recycleitem/list/").get_data(
        as_text=True)
    assert "已恢复" in restore(client, item.id).get_data(as_text=True)
    assert len(stored_household(app, pk)["members"]) == 2


def test_api_delete_keeps_units_files_and_timeline_and_restore_brings_them_back(
        app: Flask, world: dict[str, int], as_user: Any) -> None:
    (pk,) = add(app, Meeting(title="回收联席会", held_on=dt.date(2026, 11, 18), topics="停车",
                             community_id=world["a"], street_id=world["street"]))
    with app.app_context(), system():
        meeting = db.session.get(Meeting, pk)
        meeting.units = [db.session.get(PartnerUnit, world["unit1"]),
                         db.session.get(PartnerUnit, world["unit2"])]
        db.session.add(StateChange(resource="meeting", record_id=pk, transition="note",
                                   transition_label="备注", to_state="x", to_label="x"))
        db.session.commit()
    client = as_user("rc_comm_a")
    sent = client.post(f"/attachments/meeting/{pk}", content_type="multipart/form-data",
                       data={"csrf_token": token(client), "files": [
                           FileStorage(io.BytesIO(image_bytes()), filename="签到表.png")]})
    assert sent.status_code == 302
    (photo,) = table_rows(app, Attachment.__table__, Attachment.record_id == pk,
                          Attachment.resource == "meeting")
    with app.app_context():
        paths = [files.path_of(k) for k in (photo["storage_key"], photo["thumb_key"])]
    units = table_rows(app, meeting_units, meeting_units.c.meeting_id == pk)
    row = table_rows(app, Meeting.__table__, Meeting.id == pk)

    assert client.delete(f"/api/v1/meeting/{pk}").status_code == 200
    assert client.get(f"/attachments/meeting/{pk}").status_code == 404
    assert all(p.is_file() for p in paths), "files wait in the bin"
    assert table_rows(app, meeting_units, meeting_units.c.meeting_id == pk) == []
    item = bin_item(app, "meeting", pk)
    assert item is not None
    page = client.get(f"/recycleitem/show/{item.id}").get_data(as_text=True)
    assert "回收单位1、回收单位2" in page and "1 个附件" in page

    assert "已恢复" in restore(client, item.id).get_data(as_text=True)
    assert table_rows(app, Meeting.__table__, Meeting.id == pk) == row
    assert table_rows(app, meeting_units, meeting_units.c.meeting_id == pk) == units
    listing = client.get(f"/attachments/meeting/{pk}").json["result"]
    assert [f["file_name"] for f in listing] == ["签到表.png"]
    assert client.get(listing[0]["url"]).status_code == 200
    with app.app_context(), system():
        assert db.session.scalar(select(func.count()).select_from(StateChange).where(
            StateChange.resource == "meeting", StateChange.record_id == pk)) == 1


def test_the_interfaces_bulk_delete_moves_every_row_into_the_bin(
        app: Flask, world: dict[str, int]) -> None:
    pks = add(app, *(FeeEntry(fund="停车费", occurred_on=dt.date(2026, 11, 1), kind="income",
                              item=f"回收批量{i}", amount=Decimal("12.50"), published=False,
                              community_id=world["a"], street_id=world["street"])
                  for i in (1, 2)))
    before = table_rows(app, FeeEntry.__table__, FeeEntry.id.in_(pks))
    with app.app_context(), system():
        PortalInterface(FeeEntry).delete_all([db.session.get(FeeEntry, pk) for pk in pks])
    assert table_rows(app, FeeEntry.__table__, FeeEntry.id.in_(pks)) == []
    assert all(bin_item(app, "feeentry", pk) is not None for pk in pks)
    client = app.test_client()
    login(client)
    for pk in pks:
        assert "已恢复" in restore(client, bin_item(app, "feeentry", pk).id).get_data(
            as_text=True)
    assert table_rows(app, FeeEntry.__table__, FeeEntry.id.in_(pks)) == before
    assert before[0]["amount"] == Decimal("12.50") and before[0]["published"] is False


# --------------------------------------------------------------------------- who may restore


def test_out_of_scope_the_item_does_not_exist(app: Flask, world: dict[str, int],
                                              as_user: Any) -> None:
    (pk,) = add(app, Convention(title="回收公约甲", content="文明养犬", community_id=world["a"],
                             street_id=world["street"]))
    owner = as_user("rc_comm_a")
    assert owner.delete(f"/api/v1/convention/{pk}").status_code == 200
    item = bin_item(app, "convention", pk)
    other = as_user("rc_comm_b")
    assert "回收公约甲" not in other.get("/recycleitem/list/").get_data(as_text=True)
    assert item.id not in other.get("/api/v1/recycleitem/?q=(page_size:100)").json["ids"]
    assert other.get(f"/recycleitem/show/{item.id}").status_code == 404
    assert restore(other, item.id).status_code == 404
    assert bin_item(app, "convention", pk) is not None


def test_in_scope_without_the_delete_right_no_restore(app: Flask, world: dict[str, int],
                                                      as_user: Any) -> None:
    pk = household_world(app, world, "回收户主丙")["pk"]
    assert as_user("rc_comm_a").delete(f"/api/v1/household/{pk}").status_code == 200
    item = bin_item(app, "household", pk)
    street = as_user("rc_street")  # reads households of the street, may not delete them
    page = street.get(f"/recycleitem/show/{item.id}").get_data(as_text=True)
    assert "回收户主丙" in page and "tx-restore" not in page and "才能恢复" in page
    assert street.post(f"/recycle/restore/{item.id}",
                       data={"csrf_token": token(street)}).status_code == 403
    assert bin_item(app, "household", pk) is not None
    assert stored_household(app, pk)["household"] == []


def test_after_the_restore_period_it_is_refused(app: Flask, world: dict[str, int],
                                                as_user: Any) -> None:
    (pk,) = add(app, Convention(title="回收公约乙", content="过期", community_id=world["a"],
                             street_id=world["street"]))
    client = as_user("rc_comm_a")
    assert client.delete(f"/api/v1/convention/{pk}").status_code == 200
    item = bin_item(app, "convention", pk)
    assert "还剩 30 天" in client.get(f"/recycleitem/show/{item.id}").get_data(as_text=True)
    with app.app_context(), system():
        db.session.execute(update(RecycleItem.__table__).where(
            RecycleItem.id == item.id).values(deleted_at=dt.datetime(2025, 12, 3),
                                              expires_on=dt.date(2026, 1, 1)))
        db.session.commit()
    page = client.get(f"/recycleitem/show/{item.id}").get_data(as_text=True)
    assert "已逾期" in page and "tx-restore" not in page and "恢复期限已过" in page
    text = restore(client, item.id).get_data(as_text=True)
    assert "未恢复" in text and "2026-01-01" in text
    assert bin_item(app, "convention", pk) is not None
    assert table_rows(app, Convention.__table__, Convention.id == pk) == []


# --------------------------------------------------------------------------- refusals


def test_a_name_taken_since_refuses_the_restore_and_changes_nothing(
        app: Flask, world: dict[str, int], as_user: Any) -> None:
    (pk,) = add(app, HouseholdTag(name="回收独居", colour="黄"))
    client = as_user("rc_street")  # streets keep the household tags
    assert client.delete(f"/api/v1/householdtag/{pk}").status_code == 200
    item = bin_item(app, "householdtag", pk)
    assert item is not None and item.street_id == world["street"]
    (newer,) = add(app, HouseholdTag(name="回收独居", colour="蓝"))
    text = restore(client, item.id).get_data(as_text=True)
    assert "未恢复" in text and "名称" in text and "回收独居" in text
    assert bin_item(app, "householdtag", pk) is not None
    assert [r["id"] for r in table_rows(app, HouseholdTag.__table__,
                                        HouseholdTag.name == "回收独居")] == [newer]


def test_a_number_given_to_another_record_refuses_the_restore(
        app: Flask, world: dict[str, int], as_user: Any) -> None:
    (pk,) = add(app, Convention(title="回收公约丙", content="编号", community_id=world["a"],
                             street_id=world["street"]))
    client = as_user("rc_comm_a")
    assert client.delete(f"/api/v1/convention/{pk}").status_code == 200
    with app.app_context(), system():  # what SQLite does when the last row is deleted
        db.session.execute(insert(Convention.__table__).values(
            id=pk, title="占用编号", content="新", community_id=world["a"],
            street_id=world["street"], created_on=dt.datetime(2026, 11, 25),
            changed_on=dt.datetime(2026, 11, 25), version=1, in_force=True))
        db.session.commit()
    text = restore(client, bin_item(app, "convention", pk).id).get_data(as_text=True)
    assert "未恢复" in text and "编号" in text
    assert [r["title"] for r in table_rows(app, Convention.__table__,
                                           Convention.id == pk)] == ["占用编号"]


def test_a_parent_gone_refuses_until_it_is_restored_first(app: Flask, world: dict[str, int],
                                                          as_user: Any) -> None:
    (meeting,) = add(app, Meeting(title="回收议事会", held_on=dt.date(2026, 11, 19),
                                  topics="加装电梯", community_id=world["a"],
                             street_id=world["street"]))
    (resolution,) = add(app, Resolution(meeting_id=meeting, content="回收决议",
                                    community_id=world["a"], street_id=world["street"]))
    client = as_user("rc_comm_a")
    refused = client.post(f"/meeting/delete/{meeting}", data={"csrf_token": token(client)},
                          follow_redirects=True)
    assert "仍被其他记录引用" in refused.get_data(as_text=True)
    assert bin_item(app, "meeting", meeting) is None, "a refused delete leaves nothing"
    assert table_rows(app, Meeting.__table__, Meeting.id == meeting) != []

    assert client.delete(f"/api/v1/resolution/{resolution}").status_code == 200
    assert client.delete(f"/api/v1/meeting/{meeting}").status_code == 200
    text = restore(client, bin_item(app, "resolution", resolution).id).get_data(as_text=True)
    assert "未恢复" in text and "会议" in text and "回收站" in text
    assert "已恢复" in restore(client, bin_item(app, "meeting", meeting).id).get_data(
        as_text=True)
    assert "已恢复" in restore(client, bin_item(app, "resolution", resolution).id).get_data(
        as_text=True)
    assert table_rows(app, Resolution.__table__, Resolution.id == resolution) != []


# --------------------------------------------------------------------------- purge


def test_only_an_admin_purges_and_the_files_go_for_good(app: Flask, world: dict[str, int],
                                                        as_user: Any) -> None:
    (pk,) = add(app, FeeEntry(fund="维修基金", occurred_on=dt.date(2026, 11, 2), item="回收收据",
                              amount=Decimal("80"), community_id=world["a"],
                             street_id=world["street"]))
    client = as_user("rc_comm_a")
    client.post(f"/attachments/feeentry/{pk}", content_type="multipart/form-data",
                data={"csrf_token": token(client), "files": [
                    FileStorage(io.BytesIO(image_bytes()), filename="收据.png")]})
    (receipt,) = table_rows(app, Attachment.__table__, Attachment.resource == "feeentry",
                            Attachment.record_id == pk)
    with app.app_context():
        paths = [files.path_of(k) for k in (receipt["storage_key"], receipt["thumb_key"])]
    assert client.delete(f"/api/v1/feeentry/{pk}").status_code == 200
    item = bin_item(app, "feeentry", pk)
    assert "tx-purge" not in client.get(f"/recycleitem/show/{item.id}").get_data(as_text=True)
    assert client.post(f"/recycle/purge/{item.id}",
                       data={"csrf_token": token(client)}).status_code == 403
    assert bin_item(app, "feeentry", pk) is not None and all(p.is_file() for p in paths)

    admin = as_user("admin")
    assert "tx-purge" in admin.get(f"/recycleitem/show/{item.id}").get_data(as_text=True)
    done = admin.post(f"/recycle/purge/{item.id}", data={"csrf_token": token(admin)},
                      follow_redirects=True)
    assert "已彻底删除" in done.get_data(as_text=True)
    assert bin_item(app, "feeentry", pk) is None
    assert table_rows(app, recycle_snapshot, recycle_snapshot.c.item_id == item.id) == []
    assert table_rows(app, Attachment.__table__, Attachment.id == receipt["id"]) == []
    assert not any(p.exists() for p in paths)
    assert table_rows(app, FeeEntry.__table__, FeeEntry.id == pk) == []


def test_an_admin_purges_what_has_expired(app: Flask, world: dict[str, int],
                                          as_user: Any) -> None:
    with app.app_context(), system():
        start = db.session.scalar(select(func.max(AuditEntry.id))) or 0
    pks = add(app, *(Convention(title=f"回收过期{i}", content="旧", community_id=world["b"],
                     street_id=world["street"])
                     for i in (1, 2)))
    client = as_user("rc_comm_b")
    for pk in pks:
        assert client.delete(f"/api/v1/convention/{pk}").status_code == 200
    with app.app_context(), system():
        db.session.execute(update(RecycleItem.__table__).where(
            RecycleItem.resource == "convention", RecycleItem.record_id == pks[0]).values(
            expires_on=dt.date(2026, 1, 1)))
        db.session.commit()
    assert "purge-expired" not in client.get("/recycleitem/list/").get_data(as_text=True)
    assert client.post("/recycle/purge-expired",
                       data={"csrf_token": token(client)}).status_code == 403
    admin = as_user("admin")
    assert "/recycle/purge-expired" in admin.get("/recycleitem/list/").get_data(as_text=True)
    admin.post("/recycle/purge-expired", data={"csrf_token": token(admin)})
    assert bin_item(app, "convention", pks[0]) is None
    assert bin_item(app, "convention", pks[1]) is not None
    assert [e.username for e in audit_entries(app, "purge", "convention", pks[0], start)
            ] == ["admin"]


# --------------------------------------------------------------------------- the audit log


def test_delete_restore_and_purge_are_in_the_audit_log(app: Flask, world: dict[str, int],
                                                       as_user: Any) -> None:
    with app.app_context(), system():
        start = db.session.scalar(select(func.max(AuditEntry.id))) or 0
    (pk,) = add(app, Convention(title="回收公约丁", content="日志", community_id=world["a"],
                                street_id=world["street"]))
    client = as_user("rc_comm_a")
    assert client.delete(f"/api/v1/convention/{pk}").status_code == 200
    restore(client, bin_item(app, "convention", pk).id)
    assert client.delete(f"/api/v1/convention/{pk}").status_code == 200
    admin = as_user("admin")
    admin.post(f"/recycle/purge/{bin_item(app, 'convention', pk).id}",
               data={"csrf_token": token(admin)})
    deleted = audit_entries(app, "delete", "convention", pk, start)
    restored = audit_entries(app, "restore", "convention", pk, start)
    purged = audit_entries(app, "purge", "convention", pk, start)
    assert [e.username for e in deleted] == ["rc_comm_a", "rc_comm_a"]
    assert [e.username for e in restored] == ["rc_comm_a"]
    assert [e.username for e in purged] == ["admin"]
    assert purged[0].summary == "回收公约丁" and purged[0].community_id == world["a"]
    assert "回收公约丁" in (restored[0].changes or "")
    log = client.get("/auditentry/list/?_flt_0_kind=restore").get_data(as_text=True)
    assert "恢复" in log


def test_the_bins_api_reads_items_but_never_the_deleted_values(
        app: Flask, world: dict[str, int], as_user: Any) -> None:
    pk = household_world(app, world, "回收户主丁")["pk"]
    client = as_user("rc_comm_a")
    assert client.delete(f"/api/v1/household/{pk}").status_code == 200
    item = bin_item(app, "household", pk)
    shown = client.get(f"/api/v1/recycleitem/{item.id}")
    assert shown.status_code == 200 and shown.json["result"]["record_id"] == pk
    listed = client.get("/api/v1/recycleitem/?q=(page_size:100)")
    assert listed.status_code == 200 and item.id in listed.json["ids"]
    for body in (shown.get_data(as_text=True), listed.get_data(as_text=True)):
        assert "回收户主丁" not in body and PHONE not in body and ID_NUMBER not in body
    assert client.delete(f"/api/v1/recycleitem/{item.id}").status_code in (403, 404, 405)
    assert bin_item(app, "household", pk) is not None
