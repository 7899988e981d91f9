"""The registry loop: every model in ``models`` gets its generated screens and API."""

from __future__ import annotations

from flask_appbuilder import AppBuilder

import models
from views.generator import ModelSpec, register


def register_all(appbuilder: AppBuilder) -> dict[str, ModelSpec]:
    """Register every model; return the specs by resource name."""
    return {spec.resource: spec for spec in (register(appbuilder, m) for m in models.registry())}
