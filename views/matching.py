"""三单匹配: on a record's page, the rows of another model that fit it — e.g. the resources
partner units offer in a demand's category. A model declares ``__matches__``; the rows
come through the ORM session, so only resources the viewer may see are offered."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from sqlalchemy import select

from app.extensions import db

LIMIT = 20


def page_context() -> dict[str, Any] | None:
    """The matching rows for the record on the current detail page, if its model asks."""
    pk = (request.view_args or {}).get("pk")
    view_name = (request.endpoint or "").split(".")[0]
    view = next((v for v in current_app.appbuilder.baseviews  # type: ignore[attr-defined]
                 if type(v).__name__ == view_name and hasattr(v, "datamodel")), None)
    if view is None or pk is None:
        return None
    model = view.datamodel.obj
    spec = getattr(model, "__matches__", None)
    if not spec:
        return None
    import models

    target_resource, relation = spec
    target = next(m for m in models.registry() if m.__resource__ == target_resource)
    item = view.datamodel.get(pk)
    if item is None:
        return None
    key = getattr(item, f"{relation}_id")
    if key is None:
        return {"label": target.__label__, "rows": [], "resource": target_resource}
    rows = list(db.session.scalars(select(target).where(
        getattr(target, f"{relation}_id") == key).limit(LIMIT)))
    return {"label": target.__label__, "rows": rows, "resource": target_resource}
