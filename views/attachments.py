"""Attachments: files on the records of every model that declares ``__attachments__``.

Routes (one set for all models; a resource without ``__attachments__`` is a 404)::

    GET  /attachments/<resource>/<pk>      the record's files (JSON)
    POST /attachments/<resource>/<pk>      upload (multipart, field ``files``, several)
    GET  /attachments/file/<id>            the file (images inline, PDFs as a download)
    GET  /attachments/thumb/<id>           its thumbnail (images only)
    POST /attachments/delete/<id>          delete it

An attachment is exactly as visible as its record: the record is loaded through the ORM
session, which applies the user's row scope, so a record out of sight makes each of its
files a 404. Reading needs ``can_read`` on the resource, uploading and deleting
``can_edit``. Deleting a record deletes its files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    request,
    send_file,
    url_for,
)
from flask_appbuilder import AppBuilder
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from app import files
from app.csrf import body_limit
from app.extensions import db
from app.workflow import buttons
from models.attachments import Attachment
from views.fields import CsrfForm
from views.permissions import EDIT, READ

bp = Blueprint("attachments", __name__, url_prefix="/attachments")

#: ``session.info`` key: stored files to delete once the transaction commits.
_DOOMED = "tx_doomed_files"


def attachable(resource: str) -> type | None:
    """The model of ``resource`` if its records take attachments."""
    import models

    return next((m for m in models.registry()
                 if m.__resource__ == resource and m.__attachments__), None)


def _allowed(permission: str, resource: str) -> bool:
    writes = permission != READ
    if writes and g.get("tx_view_as") is not None:
        return False  # viewing as another user is read-only
    sm = current_app.appbuilder.sm  # type: ignore[attr-defined]
    return bool(sm.has_access(f"can_{permission}", resource))


def _record(resource: str, pk: int, permission: str) -> Any:
    """The record ``resource``/``pk`` as the user sees it: 404 when it does not exist, is
    not attachable or is out of the user's scope; 403 without ``permission``."""
    model = attachable(resource)
    if model is None:
        abort(404)
    if g.get("tongxin_user_id") is None:  # neither a session nor an API token
        appbuilder = current_app.appbuilder  # type: ignore[attr-defined]
        abort(redirect(appbuilder.get_url_for_login_with(request.url)))
    if permission == READ and not _allowed(READ, resource):
        abort(403)
    # a query, not session.get(): it always reaches the database with the scope criteria,
    # whatever the identity map already holds
    key: Any = inspect(model).primary_key[0]
    record = db.session.scalar(select(model).where(key == pk))
    if record is None:
        abort(404)
    if permission != READ and not _may_write(permission, resource, record):
        abort(403)
    return record


def _may_write(permission: str, resource: str, record: Any) -> bool:
    """The permission on the record type, or a transition of the record open to the
    user now: who acts on a record may attach the evidence (the unit that claimed a
    micro-wish adds the photo of it fulfilled)."""
    if _allowed(permission, resource):
        return True
    return g.get("tx_view_as") is None and bool(buttons(record, current_user))


def _attachment(attachment_id: int, permission: str) -> Attachment:
    """An attachment whose record the user may see (else 404), with ``permission``."""
    item = db.session.get(Attachment, attachment_id)
    if item is None:
        abort(404)
    _record(item.resource, item.record_id, permission)
    return item


def _show_url(resource: str, pk: int) -> str:
    """The record's detail page (the generator serves a model at ``/<resource>/``)."""
    return f"{request.script_root}/{resource}/show/{pk}"


def _describe(item: Attachment) -> dict[str, Any]:
    return {
        "id": item.id,
        "file_name": item.file_name,
        "content_type": item.content_type,
        "size": item.size,
        "size_text": files.human_size(item.size),
        "sha256": item.sha256,
        "uploaded_on": item.uploaded_on.isoformat() + "Z",
        "is_image": item.is_image,
        "url": url_for("attachments.download", attachment_id=item.id),
        "thumb_url": url_for("attachments.thumbnail", attachment_id=item.id)
        if item.thumb_key else None,
        "delete_url": url_for("attachments.delete", attachment_id=item.id),
    }


def attachments_of(resource: str, pk: int) -> list[Attachment]:
    """The files of one record, oldest first (no access check: the caller's job)."""
    stmt = select(Attachment).where(Attachment.resource == resource,
                                    Attachment.record_id == pk).order_by(Attachment.id)
    return list(db.session.scalars(stmt))


def _back(resource: str, pk: int) -> Any:
    return redirect(_show_url(resource, pk))


# --- routes ---------------------------------------------------------------------------------

@bp.get("/<resource>/<int:pk>")
def listing(resource: str, pk: int) -> Any:
    """The files of a record, as JSON."""
    _record(resource, pk, READ)
    return jsonify(result=[_describe(a) for a in attachments_of(resource, pk)])


@bp.post("/<resource>/<int:pk>")
@body_limit(files.request_limit)  # several files: set before the token check reads the body
def upload(resource: str, pk: int) -> Any:
    """Store the uploaded files (all or none) and go back to the record's page."""
    _record(resource, pk, EDIT)
    if not CsrfForm().validate():
        flash(_("The form has expired. Please try again."), "danger")
        return _back(resource, pk)
    uploads = [f for f in request.files.getlist("files") if f and f.filename]
    if not uploads:
        flash(_("Please choose a file to upload."), "warning")
        return _back(resource, pk)
    if len(uploads) > files.MAX_FILES:
        flash(_("At most %(count)d files at a time.", count=files.MAX_FILES), "danger")
        return _back(resource, pk)
    try:
        prepared = [files.prepare(f.stream, f.filename) for f in uploads]
    except files.FileRefused as err:
        flash(str(err), "danger")
        flash(_("Nothing was uploaded."), "warning")
        return _back(resource, pk)
    written: list[str] = []
    try:
        for item in prepared:
            key = files.write(item.data)
            written.append(key)
            thumb = files.write(item.thumbnail) if item.thumbnail is not None else None
            if thumb:
                written.append(thumb)
            db.session.add(Attachment(
                resource=resource, record_id=pk, file_name=item.file_name,
                content_type=item.content_type, size=item.size, sha256=item.sha256,
                storage_key=key, thumb_key=thumb))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        files.remove(*written)
        raise
    flash(ngettext("%(num)d file uploaded.", "%(num)d files uploaded.", len(prepared)),
          "success")
    return _back(resource, pk)


def _serve(path: Path, mimetype: str, download_name: str, as_attachment: bool) -> Any:
    if not path.is_file():
        abort(404)
    resp = send_file(path, mimetype=mimetype, as_attachment=as_attachment,
                     download_name=download_name, conditional=True, max_age=0)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    resp.cache_control.private = True
    return resp


@bp.get("/file/<int:attachment_id>")
def download(attachment_id: int) -> Any:
    """The stored file: an image is shown in the browser, a PDF is downloaded."""
    item = _attachment(attachment_id, READ)
    return _serve(files.path_of(item.storage_key), item.content_type, item.file_name,
                  as_attachment=not item.is_image)


@bp.get("/thumb/<int:attachment_id>")
def thumbnail(attachment_id: int) -> Any:
    """The thumbnail of an image (a PDF has none: 404)."""
    item = _attachment(attachment_id, READ)
    if not item.thumb_key:
        abort(404)
    name = item.file_name.rsplit(".", 1)[0] + ".webp"
    return _serve(files.path_of(item.thumb_key), files.WEBP, name, as_attachment=False)


@bp.post("/delete/<int:attachment_id>")
def delete(attachment_id: int) -> Any:
    """Delete one file (needs ``can_edit`` on its record's resource)."""
    item = _attachment(attachment_id, EDIT)
    resource, pk = item.resource, item.record_id
    if not CsrfForm().validate():
        flash(_("The form has expired. Please try again."), "danger")
        return _back(resource, pk)
    name = item.file_name
    db.session.delete(item)
    db.session.commit()  # the stored files go once the row is gone (see _after_flush)
    flash(_("%(name)s was deleted.", name=name), "success")
    return _back(resource, pk)


# --- the detail page ------------------------------------------------------------------------

def page_context(pk: Any) -> dict[str, Any] | None:
    """What the detail page shows of the record ``pk``'s files (``None``: no section).

    The show page has already loaded the record through the scoped session; the
    resource is the first part of its URL (``/<resource>/show/<pk>``).
    """
    rule = request.url_rule
    resource = rule.rule.split("/")[1] if rule is not None else ""
    model = attachable(resource)
    if model is None or pk is None or not _allowed(READ, resource):
        return None
    pk = int(pk)
    record = db.session.get(model, pk)
    return {
        "items": [_describe(a) for a in attachments_of(resource, pk)],
        "can_edit": record is not None and _may_write(EDIT, resource, record),
        "upload_url": url_for("attachments.upload", resource=resource, pk=pk),
        "accept": files.ACCEPT,
        "max_size": files.human_size(files.max_upload()),
        "max_files": files.MAX_FILES,
    }


# --- deleting a record deletes its files -----------------------------------------------------

def _after_flush(session: Session, flush_context: Any) -> None:
    """Files of deleted attachments, and of every attachment of a deleted record, are
    removed from disk once the transaction commits (kept if it rolls back)."""
    doomed: list[Path] = []
    records: dict[str, list[Any]] = {}
    for obj in session.deleted:
        if isinstance(obj, Attachment):
            doomed += [files.path_of(k) for k in (obj.storage_key, obj.thumb_key) if k]
        elif getattr(type(obj), "__attachments__", False):
            records.setdefault(type(obj).__resource__, []).append(
                inspect(obj).identity[0])
    table = Attachment.__table__
    for resource, ids in records.items():
        conn = session.connection()  # plain SQL in the flush's transaction, no ORM events
        where = (table.c.resource == resource) & table.c.record_id.in_(ids)
        rows = conn.execute(select(table.c.storage_key, table.c.thumb_key).where(where))
        doomed += [files.path_of(k) for row in rows for k in row if k]
        conn.execute(table.delete().where(where))
    if doomed:
        session.info.setdefault(_DOOMED, []).extend(doomed)


def _after_commit(session: Session) -> None:
    for path in session.info.pop(_DOOMED, []):
        path.unlink(missing_ok=True)


def _after_rollback(session: Session) -> None:
    session.info.pop(_DOOMED, None)


def install_listeners() -> None:
    """Attach the clean-up listeners to every ORM session (once)."""
    pairs: list[tuple[str, Callable[..., None]]] = [
        ("after_flush", _after_flush), ("after_commit", _after_commit),
        ("after_rollback", _after_rollback)]
    for name, fn in pairs:
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)


def register_attachments(app: Flask, appbuilder: AppBuilder) -> None:
    """Routes, the detail-page helper ``tx_attachments(pk)`` and the clean-up listeners."""
    files.check_storage(app)
    app.register_blueprint(bp)
    app.jinja_env.globals["tx_attachments"] = page_context
    install_listeners()
