"""Attachments: accepted by content, at most TONGXIN_MAX_UPLOAD, stored outside the web
root, thumbnails on the detail page, and exactly as visible as their record (another
unit's attachment is a 404). Shown on partner units, which declare ``__attachments__``."""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import bound_user, csrf_token, login
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app import files
from app.extensions import db
from app.policy import COMMUNITY, GRID, UNIT
from app.scoping import system
from models.attachments import Attachment
from models.org import Community, Grid, PartnerUnit, Street
from models.recycle import RecycleItem
from views.attachments import attachable

RES = PartnerUnit.__resource__


# --------------------------------------------------------------------------- sample files


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (320, 200), **save: Any) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 90, 200), (0, 0, size[0] // 2, size[1]))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def noise_png(side: int) -> bytes:
    """A PNG that does not compress: about 3 × side² bytes."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), random.Random(side).randbytes(side * side * 3)
                    ).save(out, "PNG")
    return out.getvalue()


PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def bomb_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header announces ``width`` × ``height`` pixels."""
    data = bytearray(image_bytes("PNG", (1, 1)))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


# --------------------------------------------------------------------------- world


@pytest.fixture(scope="module")
def units(app: Flask) -> dict[str, int]:
    """Partner units A and B in two communities of two streets, and their users."""
    with app.app_context(), system():
        ids: dict[str, int] = {}
        for side in ("A", "B"):
            street = Street(name=f"附件街道{side}")
            community = Community(name=f"附件社区{side}", street=street)
            grid = Grid(name=f"附件网格{side}", community=community, street=street)
            unit = PartnerUnit(name=f"附件单位{side}", communities=[community])
            db.session.add_all([street, community, grid, unit])
            db.session.commit()
            ids[side], ids[f"grid{side}"] = unit.id, grid.id
        bound_user(app, "att_unit_a", UNIT, partner_unit_id=ids["A"])
        bound_user(app, "att_unit_b", UNIT, partner_unit_id=ids["B"])
        bound_user(app, "att_grid_a", GRID, grids=[db.session.get(Grid, ids["gridA"])])
        bound_user(app, "att_comm_b", COMMUNITY, community_id=db.session.get(
            Grid, ids["gridB"]).community_id)
    return ids


@pytest.fixture
def as_user(app: Flask) -> Iterator[Any]:
    def make(username: str) -> FlaskClient:
        client = app.test_client()
        login(client, username)
        return client

    yield make


def upload(client: FlaskClient, pk: int, *items: tuple[bytes, str], token: str | None = None,
           follow: bool = False) -> Any:
    """POST ``items`` (content, file name) to the record ``pk`` of partner units."""
    if token is None:
        token = csrf_token(client, "/resetmypassword/form")
    data = {"csrf_token": token,
            "files": [FileStorage(io.BytesIO(content), filename=name) for content, name in items]}
    return client.post(f"/attachments/{RES}/{pk}", data=data,
                       content_type="multipart/form-data", follow_redirects=follow)


def stored(app: Flask, pk: int) -> list[Attachment]:
    with app.app_context(), system():
        rows = db.session.scalars(select(Attachment).where(
            Attachment.resource == RES, Attachment.record_id == pk).order_by(Attachment.id))
        items = list(rows)
        db.session.expunge_all()
        return items


def count(app: Flask) -> int:
    with app.app_context(), system():
        return int(db.session.scalar(select(func.count()).select_from(Attachment)) or 0)


def disk_path(app: Flask, key: str) -> Path:
    with app.app_context():
        return files.path_of(key)


# --------------------------------------------------------------------------- uploading


def test_partner_units_take_attachments_and_streets_do_not(app: Flask) -> None:
    assert attachable("partnerunit") is PartnerUnit
    assert attachable("street") is None and attachable("nothing") is None


def test_upload_images_and_a_pdf_then_see_them(app: Flask, units: dict[str, int],
                                               as_user: Any) -> None:
    client = as_user("att_unit_a")
    pk = units["A"]
    before = len(stored(app, pk))
    resp = upload(client, pk, (image_bytes("PNG"), "现场照片.png"),
                  (image_bytes("JPEG"), "活动合影.JPG"), (image_bytes("WEBP"), "签到表.webp"),
                  (PDF, "共建协议.pdf"))
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/{RES}/show/{pk}")
    items = stored(app, pk)[before:]
    assert [(a.file_name, a.content_type) for a in items] == [
        ("现场照片.png", "image/png"), ("活动合影.jpg", "image/jpeg"),
        ("签到表.webp", "image/webp"), ("共建协议.pdf", "application/pdf")]
    for item in items:
        assert len(item.storage_key) == 32 and item.storage_key not in item.file_name
        assert disk_path(app, item.storage_key).read_bytes()[:4] in (
            b"\x89PNG", b"\xff\xd8\xff\xe0", b"RIFF", b"%PDF")
    assert [bool(a.thumb_key) for a in items] == [True, True, True, False]

    page = client.get(f"/{RES}/show/{pk}").get_data(as_text=True)
    assert "附件" in page and "上传" in page
    for item in items:
        assert f'href="/attachments/file/{item.id}"' in page
    assert f'src="/attachments/thumb/{items[0].id}"' in page
    assert "fa-file-pdf" in page  # a PDF gets an icon, not a thumbnail

    listing = client.get(f"/attachments/{RES}/{pk}").json["result"]
    assert [f["file_name"] for f in listing][-4:] == [a.file_name for a in items]

    png = client.get(f"/attachments/file/{items[0].id}")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.headers["X-Content-Type-Options"] == "nosniff"
    assert "inline" in png.headers["Content-Disposition"]
    assert Image.open(io.BytesIO(png.data)).size == (320, 200)
    pdf = client.get(f"/attachments/file/{items[3].id}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data == PDF
    assert pdf.headers["Content-Disposition"].startswith("attachment")

    thumb = client.get(f"/attachments/thumb/{items[1].id}")
    assert thumb.status_code == 200 and thumb.mimetype == "image/webp"
    assert max(Image.open(io.BytesIO(thumb.data)).size) == files.THUMB_SIZE
    assert client.get(f"/attachments/thumb/{items[3].id}").status_code == 404


def test_flash_after_upload_is_chinese(app: Flask, units: dict[str, int], as_user: Any) -> None:
    client = as_user("att_unit_a")
    page = upload(client, units["A"], (image_bytes("PNG", (30, 30)), "小图.png"), follow=True)
    assert page.status_code == 200 and "已上传 1 个文件" in page.get_data(as_text=True)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_photo_metadata_is_removed(app: Flask, units: dict[str, int], as_user: Any,
                                   fmt: str) -> None:
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° to show upright
    exif.get_ifd(0x8825)[2] = (31.0, 14.0, 2.0)  # GPS latitude: where the photo was taken
    client = as_user("att_unit_a")
    sample = image_bytes(fmt, exif=exif.tobytes())
    with Image.open(io.BytesIO(sample)) as original:
        assert original.getexif()[0x010F] == "Camera maker"
    upload(client, units["A"], (sample, "带位置的照片"))
    item = stored(app, units["A"])[-1]
    kept = disk_path(app, item.storage_key).read_bytes()
    assert b"Camera maker" not in kept
    with Image.open(io.BytesIO(kept)) as image:
        assert not image.getexif() and image.size == (200, 320)  # upright, no EXIF left


def test_a_text_file_named_jpg_is_refused(app: Flask, units: dict[str, int],
                                          as_user: Any) -> None:
    client = as_user("att_unit_a")
    before = count(app)
    page = upload(client, units["A"], (image_bytes("PNG"), "好的.png"),
                  (b"just some text, not a photo", "假照片.jpg"), follow=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "假照片.jpg：仅支持 JPG、PNG、WEBP 和 PDF 文件" in html
    assert "未上传任何文件" in html
    assert count(app) == before  # all or nothing: the good file is not kept either


@pytest.mark.parametrize("content", [
    b"\xff\xd8\xff\xe0 but not really a JPEG",
    b"RIFF\x00\x00\x00\x00WEBPVP8 broken",
    b"\x89PNG\r\n\x1a\n broken",
], ids=["jpeg", "webp", "png"])
def test_a_damaged_image_is_refused(app: Flask, units: dict[str, int], as_user: Any,
                                    content: bytes) -> None:
    client = as_user("att_unit_a")
    before = count(app)
    page = upload(client, units["A"], (content, "坏图"), follow=True)
    assert page.status_code == 200 and "图片已损坏" in page.get_data(as_text=True)
    assert count(app) == before


def test_an_oversize_file_is_refused(app: Flask, units: dict[str, int], as_user: Any,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "TONGXIN_MAX_UPLOAD", 20 * 1024)
    client = as_user("att_unit_a")
    before = count(app)
    big = noise_png(120)
    assert 20 * 1024 < len(big) < 100_000
    page = upload(client, units["A"], (big, "大照片.png"), follow=True)
    assert "大照片.png：文件过大（不超过 20 kB）" in page.get_data(as_text=True)
    assert count(app) == before


def test_a_huge_body_is_refused_early_with_a_chinese_413(app: Flask, units: dict[str, int],
                                                         as_user: Any,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    monkeypatch.setitem(app.config, "TONGXIN_MAX_UPLOAD", 1000)
    client = as_user("att_unit_a")
    token = csrf_token(client, "/resetmypassword/form")
    with app.test_request_context():
        huge = files.request_limit() + 1
    resp = upload(client, units["A"], (b"\xff\xd8\xff" + b"0" * huge, "巨大.jpg"), token=token)
    assert resp.status_code == 413
    assert "文件过大" in resp.get_data(as_text=True)


def test_several_files_may_exceed_the_limit_of_one_request_body(
        app: Flask, units: dict[str, int], as_user: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """MAX_CONTENT_LENGTH guards every route; the upload route allows several files."""
    monkeypatch.setitem(app.config, "TONGXIN_MAX_UPLOAD", 100_000)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 100_000 + files.FORM_OVERHEAD)
    client = as_user("att_unit_a")
    before = count(app)
    photo = noise_png(170)
    assert 80_000 < len(photo) < 100_000
    resp = upload(client, units["A"], *[(photo, f"第{i}张.png") for i in range(1, 15)])
    assert resp.status_code == 302  # 14 × 85 kB: over 1 MB, under 10 files' allowance
    assert count(app) == before  # 14 > MAX_FILES: refused with a message, nothing stored
    resp = upload(client, units["A"], *[(photo, f"第{i}张.png") for i in range(1, 4)])
    assert resp.status_code == 302 and count(app) == before + 3


@pytest.mark.parametrize("size", [(100_000, 100_000), (9_000, 9_000)],
                         ids=["pillow-guard", "our-limit"])
def test_a_decompression_bomb_is_refused_without_error(app: Flask, units: dict[str, int],
                                                       as_user: Any,
                                                       size: tuple[int, int]) -> None:
    client = as_user("att_unit_a")
    before = count(app)
    page = upload(client, units["A"], (bomb_png(*size), "炸弹.png"), follow=True)
    assert page.status_code == 200
    assert "炸弹.png：图片像素过多" in page.get_data(as_text=True)
    assert count(app) == before


def test_upload_needs_the_csrf_token(app: Flask, units: dict[str, int], as_user: Any) -> None:
    client = as_user("att_unit_a")
    before = count(app)
    resp = upload(client, units["A"], (image_bytes(), "无令牌.png"), token="forged")
    assert resp.status_code == 400 and count(app) == before  # refused (app/csrf.py)


# --------------------------------------------------------------------------- scope


@pytest.fixture(scope="module")
def photo_of_a(app: Flask, units: dict[str, int]) -> Attachment:
    client = app.test_client()
    login(client, "att_unit_a")
    upload(client, units["A"], (image_bytes("PNG"), "单位A的照片.png"))
    return stored(app, units["A"])[-1]


def test_another_units_attachment_is_404(app: Flask, units: dict[str, int], as_user: Any,
                                         photo_of_a: Attachment) -> None:
    client = as_user("att_unit_b")
    token = csrf_token(client, "/resetmypassword/form")
    a = photo_of_a.id
    assert client.get(f"/attachments/file/{a}").status_code == 404
    assert client.get(f"/attachments/thumb/{a}").status_code == 404
    assert client.post(f"/attachments/delete/{a}", data={"csrf_token": token}
                       ).status_code == 404
    assert client.get(f"/attachments/{RES}/{units['A']}").status_code == 404
    before = count(app)
    assert upload(client, units["A"], (image_bytes(), "越界.png"), token=token
                  ).status_code == 404
    assert count(app) == before
    assert disk_path(app, photo_of_a.storage_key).is_file()
    # the same user reaches its own unit's files
    own = upload(client, units["B"], (image_bytes(), "单位B的照片.png"), token=token)
    assert own.status_code == 302
    assert client.get(f"/attachments/file/{stored(app, units['B'])[-1].id}").status_code == 200


def test_a_community_worker_of_another_community_gets_404(
        units: dict[str, int], as_user: Any, photo_of_a: Attachment) -> None:
    client = as_user("att_comm_b")
    assert client.get(f"/attachments/file/{photo_of_a.id}").status_code == 404
    assert client.get(f"/attachments/thumb/{photo_of_a.id}").status_code == 404


def test_readers_see_files_but_may_not_change_them(app: Flask, units: dict[str, int],
                                                   as_user: Any,
                                                   photo_of_a: Attachment) -> None:
    client = as_user("att_grid_a")  # 网格员: may read partner units, not edit them
    assert client.get(f"/attachments/file/{photo_of_a.id}").status_code == 200
    assert client.get(f"/attachments/thumb/{photo_of_a.id}").status_code == 200
    page = client.get(f"/{RES}/show/{units['A']}").get_data(as_text=True)
    assert f"/attachments/thumb/{photo_of_a.id}" in page
    assert 'enctype="multipart/form-data"' not in page and "/attachments/delete/" not in page
    token = csrf_token(client, "/resetmypassword/form")
    assert upload(client, units["A"], (image_bytes(), "读者.png"), token=token
                  ).status_code == 403
    assert client.post(f"/attachments/delete/{photo_of_a.id}", data={"csrf_token": token}
                       ).status_code == 403


def test_visitors_are_sent_to_the_login_page(app: Flask, photo_of_a: Attachment) -> None:
    resp = app.test_client().get(f"/attachments/file/{photo_of_a.id}")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_only_attachable_records_have_attachments(app: Flask, units: dict[str, int],
                                                  admin_client: FlaskClient) -> None:
    with app.app_context(), system():
        street = db.session.scalar(select(Street.id).where(Street.name == "附件街道A"))
    assert admin_client.get(f"/attachments/street/{street}").status_code == 404
    assert admin_client.get("/attachments/nothing/1").status_code == 404
    assert admin_client.get(f"/attachments/{RES}/987654").status_code == 404
    assert admin_client.get("/attachments/file/987654").status_code == 404
    page = admin_client.get(f"/street/show/{street}").get_data(as_text=True)
    assert "tx-attachments" not in page


# --------------------------------------------------------------------------- storage


def test_files_live_outside_the_web_root(app: Flask, units: dict[str, int],
                                         admin_client: FlaskClient,
                                         photo_of_a: Attachment) -> None:
    path = disk_path(app, photo_of_a.storage_key).resolve()
    assert path.is_relative_to(Path(app.config["TONGXIN_INSTANCE_DIR"]).resolve())
    for folder in [app.static_folder, *(b.static_folder for b in app.blueprints.values())]:
        if folder:
            assert not path.is_relative_to(Path(folder).resolve()), folder
    key, name = photo_of_a.storage_key, photo_of_a.file_name
    static_urls = [f"{prefix}/{tail}" for prefix in ("/static", "/static/appbuilder",
                                                     "/appbuilder/static")
                   for tail in (key, f"{key[:2]}/{key}", f"attachments/{key[:2]}/{key}", name)]
    for url in static_urls:
        assert admin_client.get(url).status_code == 404, url


def test_the_upload_folder_may_not_be_a_static_folder(tmp_path: Path) -> None:
    from app import create_app

    static = Path(__file__).resolve().parent.parent / "app" / "static"
    with pytest.raises(RuntimeError, match="TONGXIN_UPLOAD_DIR"):
        create_app({"mode": "test", "instance_dir": str(tmp_path),
                    "TONGXIN_UPLOAD_DIR": str(static / "uploads")})


def test_deleting_an_attachment_removes_its_files(app: Flask, units: dict[str, int],
                                                  as_user: Any) -> None:
    client = as_user("att_unit_a")
    upload(client, units["A"], (image_bytes(), "要删除的.png"))
    item = stored(app, units["A"])[-1]
    paths = [disk_path(app, k) for k in (item.storage_key, item.thumb_key) if k]
    assert all(p.is_file() for p in paths) and len(paths) == 2
    token = csrf_token(client, "/resetmypassword/form")
    page = client.post(f"/attachments/delete/{item.id}", data={"csrf_token": token},
                       follow_redirects=True)
    assert "要删除的.png 已删除" in page.get_data(as_text=True)
    assert item.id not in [a.id for a in stored(app, units["A"])]
    assert not any(p.exists() for p in paths)


def test_purging_a_deleted_record_removes_its_attachments(app: Flask,
                                                          admin_client: FlaskClient) -> None:
    made = admin_client.post(f"/api/v1/{RES}/", json={"name": "附件临时单位"})
    assert made.status_code == 201, made.json
    pk = made.json["id"]
    upload(admin_client, pk, (image_bytes(), "临时.png"), (PDF, "临时.pdf"))
    items = stored(app, pk)
    paths = [disk_path(app, k) for a in items for k in (a.storage_key, a.thumb_key) if k]
    assert len(items) == 2 and len(paths) == 3 and all(p.is_file() for p in paths)
    assert admin_client.delete(f"/api/v1/{RES}/{pk}").status_code == 200
    assert stored(app, pk) == []
    assert all(p.is_file() for p in paths)  # in the recycle bin (tests/test_recycle.py)
    with app.app_context(), system():
        item = db.session.scalar(select(RecycleItem.id).where(
            RecycleItem.resource == RES, RecycleItem.record_id == pk))
    admin_client.post(f"/recycle/purge/{item}",
                      data={"csrf_token": csrf_token(admin_client, "/resetmypassword/form")})
    assert not any(p.exists() for p in paths)


def test_the_attachments_section_is_chinese(app: Flask, units: dict[str, int], as_user: Any,
                                            photo_of_a: Attachment) -> None:
    from test_i18n import english_words, visible_text

    html = as_user("att_unit_a").get(f"/{RES}/show/{units['A']}").get_data(as_text=True)
    start = html.index('<div class="panel panel-default tx-attachments"')
    section = html[start:html.index("</form>", html.index("tx-upload", start))]
    names = {a.file_name for a in stored(app, units["A"])}
    texts = visible_text(section)
    for name in names:  # data, not UI texts
        texts = [t.replace(name, " ") for t in texts]
    assert "附件" in texts and "上传" in " ".join(texts)
    assert not english_words(texts), english_words(texts)
