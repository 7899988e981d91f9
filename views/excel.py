"""导出 Excel on every generated list and API, and the page that follows a large export.

``/<resource>/export/`` takes the list page's own arguments (``_flt_…`` filters, ``_oc_…``
order), ``GET /api/v1/<resource>/export?q=(filters:!(…))`` the API's; both export exactly
the rows the list or ``GET /api/v1/<resource>/`` would return, through the scoped session.
Small exports answer with the file, large ones redirect to ``/excel/jobs/<id>`` (progress,
then the download link); the API answers 202 with that address.
"""

from __future__ import annotations

from typing import Any

import prison
from flask import Flask, abort, current_app, g, redirect, request, send_file, url_for
from flask_appbuilder import AppBuilder, BaseView, expose, has_access
from flask_appbuilder.api import safe
from flask_appbuilder.security.decorators import permission_name, protect
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from app.excel import export as engine
from app.extensions import db
from models.excel import ExportJob
from views.permissions import ADD, READ

#: the permission view of the progress pages (every role has it: app.policy.SELF_SERVICE)
JOBS_PERMISSION = "excel"


def _describe(filters: Any, labels: dict[str, Any]) -> str:
    """The active filters in words, for the export log (e.g. 状态 等于 已发布)."""
    parts = []
    for flt, value in filters.get_filters_values():
        shown = "、".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{labels.get(flt.column_name, flt.column_name)} {flt.name} {shown}")
    return "；".join(parts)


def _file_name(job: ExportJob) -> str:
    stamp = format_datetime(job.started_at, "yyyyMMdd-HHmm")
    return f"{job.resource_label}-{stamp}.xlsx"


def _send(job: ExportJob) -> Any:
    path = engine.file_of(job)
    if path is None:
        abort(404)
    return send_file(path, as_attachment=True, download_name=_file_name(job),
                     mimetype="application/vnd.openxmlformats-officedocument."
                              "spreadsheetml.sheet")


def export_rows(spec: Any, ids: list[Any], filters_text: str) -> tuple[ExportJob, bool]:
    """Export ``ids`` of ``spec``'s model for the current user: written now when small
    (True), else in the background (False)."""
    user = current_user  # who really exported (also while viewing as another user)
    columns = engine.columns_of(spec, ["id", *spec.show_columns])  # 编号: re-import updates
    export = engine.start(spec, columns, ids, user, filters_text)
    if len(ids) <= engine.SYNC_LIMIT:
        return engine.run(export), True
    engine.run_in_background(current_app._get_current_object(),  # type: ignore[attr-defined]
                             export, g.tx_scope)
    job = db.session.get(ExportJob, export.job_id)
    assert job is not None
    return job, False


class ExcelViewMixin:
    """``/<resource>/export/``: the list's rows as xlsx (mixed into generated ModelViews)."""

    @expose("/export/")
    @has_access
    def export(self) -> Any:
        view: Any = self
        filters = view.datamodel.get_filters(view.search_columns)  # this request's own
        get_filter_args(filters)  # the list's search columns only, as on the list page
        order_column, order_direction = get_order_args().get(
            type(view).__name__, view.base_order or ("", ""))
        joined = filters.get_joined_filters(view._base_filters)
        ids = engine.ordered_ids(view.datamodel, joined, order_column, order_direction)
        job, done = export_rows(view.tx_spec, ids, _describe(filters, view.label_columns))
        if done:
            return _send(job)
        return redirect(url_for("ExcelJobsView.job", job_id=job.id))


class ExcelApiMixin:
    """``GET /api/v1/<resource>/export?q=…``: the rows of the same ``q`` as the list."""

    @expose("/export", methods=["GET"])
    @protect()
    @safe
    @permission_name("export")
    def export(self) -> Any:
        """Export the rows matching ``q`` (filters, order) as an xlsx file.
        ---
        get:
          parameters:
          - in: query
            name: q
            schema:
              type: string
          responses:
            200:
              description: the xlsx file
            202:
              description: a large export runs in the background; poll ``status_url``
        """
        api: Any = self
        try:
            args = prison.loads(request.args.get("q") or "()") or {}
            if not isinstance(args, dict):
                raise ValueError(args)
            filters = api._handle_filters_args(args)
        except Exception:  # noqa: BLE001  (prison and FAB raise several kinds on bad input)
            return api.response_400(message=_("The q argument is not valid."))
        order = (args.get("order_column", ""), args.get("order_direction", "asc"))
        if order[0] and (order[0] not in api.order_columns or order[1] not in ("asc", "desc")):
            return api.response_400(message=_("The list cannot be ordered by this column."))
        ids = engine.ordered_ids(api.datamodel, filters, *(order if order[0] else
                                                           api.base_order or ("", "")))
        job, done = export_rows(api.tx_spec, ids, _describe(filters, api.label_columns))
        if done:
            return _send(job)
        return api.response(202, job=job.id, status_url=url_for("ExcelJobsView.job",
                                                                job_id=job.id))


class ExcelJobsView(BaseView):
    """``/excel/jobs/<id>``: a large export's progress, then its download."""

    route_base = "/excel"
    class_permission_name = JOBS_PERMISSION
    method_permission_name = {"job": READ, "download": READ}

    def _job(self, job_id: int) -> ExportJob:
        job = db.session.get(ExportJob, job_id)
        if job is None or (job.user_id != getattr(current_user, "id", None)
                           and not g.tx_scope.unrestricted):
            abort(404)
        db.session.refresh(job)  # the background thread writes it
        return job

    @expose("/jobs/<int:job_id>")
    @has_access
    def job(self, job_id: int) -> Any:
        job = self._job(job_id)
        if request.accept_mimetypes.best == "application/json":
            return {"status": job.status, "rows": job.rows, "total": job.total,
                    "download_url": url_for("ExcelJobsView.download", job_id=job.id)
                    if job.status == "done" else None}
        return self.render_template("tongxin/export_job.html", job=job,
                                    title=_("Export of %(records)s",
                                            records=job.resource_label))

    @expose("/jobs/<int:job_id>/download")
    @has_access
    def download(self, job_id: int) -> Any:
        job = self._job(job_id)
        if job.status != "done":
            abort(404)
        return _send(job)


def buttons(modelview_name: str) -> dict[str, str] | None:
    """The Excel buttons of a generated list page (its export keeps the list's filters
    and order), or None on other lists."""
    view = next((v for v in current_app.appbuilder.baseviews  # type: ignore[attr-defined]
                 if type(v).__name__ == modelview_name and hasattr(v, "tx_spec")), None)
    if view is None:
        return None
    query = request.query_string.decode()
    urls = {"export": url_for(f"{modelview_name}.export") + (f"?{query}" if query else "")}
    sm = current_app.appbuilder.sm  # type: ignore[attr-defined]
    if hasattr(view, "import_page") and g.get("tx_view_as") is None and \
            sm.has_access(f"can_{ADD}", view.tx_spec.resource):
        urls["import"] = url_for(f"{modelview_name}.import_page")
    return urls


def register_excel(app: Flask, appbuilder: AppBuilder) -> None:
    """The progress pages and the list buttons (their label on the role screens is in
    ``app.security_views.VIEW_LABELS``)."""
    appbuilder.add_view_no_menu(ExcelJobsView())
    app.jinja_env.globals["tx_excel"] = buttons
