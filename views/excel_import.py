"""导入 on every generated list: template, upload, preview (a dry run), commit, undo.

``/<resource>/import/`` shows the upload form, the template link and the user's recent
batches; the upload is checked (``app.excel.safety``), kept under the instance folder with
a random name and tried in a transaction that is rolled back: the preview lists what would
be created and updated, and every bad row with its column and reason (the workbook with
the bad cells marked can be downloaded). 确认导入 writes all rows or none; a batch can be
undone within 7 days.
"""

from __future__ import annotations

import json
import secrets
from io import BytesIO
from pathlib import Path
from typing import Any

from flask import abort, current_app, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.excel import importer, safety, template, undo
from app.extensions import db
from app.integrity import UserFacingError
from models.excel import ImportBatch
from views.fields import CsrfForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_ROWS = 20
SHOWN_PROBLEMS = 500
#: the fill of a bad cell in the marked copy
BAD_FILL = "FFC7CE"


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _user() -> Any:
    return g.get("tx_view_as") or current_user


def _stored(token: str) -> tuple[bytes, dict[str, Any]]:
    """An uploaded file of this user (404 otherwise)."""
    if not token.isalnum():
        abort(404)
    data_path, meta_path = _folder() / f"{token}.xlsx", _folder() / f"{token}.json"
    if not data_path.exists() or not meta_path.exists():
        abort(404)
    meta = json.loads(meta_path.read_text())
    if meta.get("user_id") != getattr(_user(), "id", None):
        abort(404)
    return data_path.read_bytes(), meta


def marked_workbook(data: bytes, sheet: importer.Sheet, problems: list[Any]) -> bytes:
    """The uploaded workbook with bad cells filled red and a reason column added."""
    # openpyxl is loaded on first use: workers that never touch a spreadsheet don't pay for it
    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    bad = PatternFill("solid", fgColor=BAD_FILL)
    book = load_workbook(BytesIO(data))
    ws = book.worksheets[0]
    columns = {fld.label: sheet.columns[fld.key] + 1 for fld in sheet.fields
               if fld.key in sheet.columns}
    reason_column = ws.max_column + 1
    ws.cell(row=sheet.header_row, column=reason_column, value=_("Error reason")).font = \
        Font(bold=True, color="C00000")
    reasons: dict[int, list[str]] = {}
    for problem in problems:
        reasons.setdefault(problem.row, []).append(
            f"{problem.column}：{problem.message}" if problem.column else problem.message)
        column = columns.get(problem.column)
        if column is not None:
            cell = ws.cell(row=problem.row, column=column)
            cell.fill = bad
            cell.comment = Comment(problem.message, "同心")
    for row, texts in reasons.items():
        ws.cell(row=row, column=reason_column, value="；".join(texts)).font = \
            Font(color="C00000")
    out = BytesIO()
    book.save(out)
    return out.getvalue()


class ImportViewMixin:
    """The import pages of a generated ModelView."""

    def _spec(self) -> Any:
        return self.tx_spec  # type: ignore[attr-defined]

    def _page(self, **context: Any) -> Any:
        spec = self._spec()
        batches = db.session.scalars(
            select(ImportBatch).where(ImportBatch.resource == spec.resource,
                                      ImportBatch.user_id == getattr(_user(), "id", None))
            .order_by(ImportBatch.id.desc()).limit(5)).all()
        return self.render_template(  # type: ignore[attr-defined]
            "tongxin/import.html", spec=spec, form=CsrfForm(), batches=batches,
            may_undo=undo.may_undo, max_rows=safety.MAX_ROWS,
            list_url=url_for(f"{type(self).__name__}.list"),
            title=_("Import %(records)s", records=spec.model.__label__), **context)

    @expose("/import/", methods=["GET", "POST"])
    @has_access
    def import_page(self) -> Any:
        if request.method == "GET":
            return self._page()
        upload = request.files.get("file")
        if not CsrfForm().validate():
            flash(_("The form has expired. Please try again."), "danger")
            return redirect(request.url)
        if upload is None or not upload.filename:
            flash(_("Please choose a file to upload."), "warning")
            return redirect(request.url)
        data = upload.stream.read(safety.MAX_BYTES + 1)
        try:
            sheet = importer.load(data, self._spec())
        except UserFacingError as err:
            flash(str(err), "danger")
            return redirect(request.url)
        token = secrets.token_hex(16)
        try:
            outcome = importer.apply(self._spec(), sheet)
        finally:
            db.session.rollback()  # a dry run: nothing is kept
        (_folder() / f"{token}.xlsx").write_bytes(data)
        (_folder() / f"{token}.json").write_text(json.dumps(  # what the marked copy shows
            {"user_id": getattr(_user(), "id", None), "file_name": upload.filename,
             "resource": self._spec().resource,
             "problems": [[p.row, p.column, p.message] for p in outcome.problems]}))
        return self._page(outcome=outcome, token=token, file_name=upload.filename,
                          preview_rows=PREVIEW_ROWS, problems=outcome.problems[:SHOWN_PROBLEMS],
                          columns=[f for f in sheet.fields if f.key in sheet.columns])

    @expose("/import/template")
    @has_access
    def import_template(self) -> Any:
        spec = self._spec()
        return send_file(BytesIO(template.build(spec)), mimetype=XLSX, as_attachment=True,
                         download_name=_("%(records)s import template.xlsx",
                                         records=spec.model.__label__))

    @expose("/import/<token>/marked")
    @has_access
    def import_marked(self, token: str) -> Any:
        data, meta = _stored(token)
        sheet = importer.load(data, self._spec())  # where the columns are
        problems = [importer.Problem(*p) for p in meta.get("problems", [])]
        name = Path(meta.get("file_name") or "import.xlsx").stem
        return send_file(BytesIO(marked_workbook(data, sheet, problems)),
                         mimetype=XLSX, as_attachment=True,
                         download_name=_("%(name)s (marked).xlsx", name=name))

    @expose("/import/<token>/commit", methods=["POST"])
    @has_access
    def import_commit(self, token: str) -> Any:
        data, meta = _stored(token)
        if not CsrfForm().validate():
            flash(_("The form has expired. Please try again."), "danger")
            return redirect(url_for(f"{type(self).__name__}.import_page"))
        outcome, batch = importer.commit(self._spec(), importer.load(data, self._spec()),
                                         _user(), meta.get("file_name") or "")
        if batch is None:
            flash(_("Nothing was imported: %(count)s row(s) have problems.",
                    count=len({p.row for p in outcome.problems})), "danger")
            return redirect(url_for(f"{type(self).__name__}.import_page"))
        for suffix in (".xlsx", ".json"):
            (_folder() / f"{token}{suffix}").unlink(missing_ok=True)
        flash(_("Imported: %(created)s created, %(updated)s updated.",
                created=len(outcome.created), updated=len(outcome.updated)), "success")
        return redirect(url_for(f"{type(self).__name__}.import_page"))

    @expose("/import/undo/<int:batch_id>", methods=["POST"])
    @has_access
    def import_undo(self, batch_id: int) -> Any:
        batch = db.session.get(ImportBatch, batch_id)
        back = url_for(f"{type(self).__name__}.import_page")
        if batch is None or batch.resource != self._spec().resource or \
                batch.user_id != getattr(_user(), "id", None):
            abort(404)
        if not CsrfForm().validate():
            flash(_("The form has expired. Please try again."), "danger")
            return redirect(back)
        try:
            undo.undo(self._spec(), batch)
        except UserFacingError as err:
            db.session.rollback()
            flash(str(err), "danger")
            return redirect(back)
        flash(_("The import was undone."), "success")
        return redirect(back)
