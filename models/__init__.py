"""Declarative models: one module per domain area. Importing this package registers them all."""

from models import (  # noqa: F401  (importing registers the models)
    attachments,
    cobuild,
    dictionary,
    org,
    personal,
    points,
    residents,
    users,
    workflow,
)
from models.meta import PortalModel, registry

__all__ = ["PortalModel", "registry"]
