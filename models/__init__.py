"""Declarative models: one module per domain area. Importing this package registers them all."""

from models import (  # noqa: F401  (importing registers the models)
    attachments,
    cobuild,
    dictionary,
    disputes,
    excel,
    ledgers,
    meetings,
    org,
    personal,
    points,
    requests,
    residents,
    users,
    volunteers,
    wishes,
    workflow,
)
from models.meta import PortalModel, registry

__all__ = ["PortalModel", "registry"]
