"""Declarative models: one module per domain area. Importing this package registers them all."""

from models import (  # noqa: F401  (importing registers the models)
    attachments,
    audit,
    cobuild,
    dictionary,
    disputes,
    excel,
    ledgers,
    meetings,
    org,
    personal,
    points,
    recycle,
    requests,
    residents,
    sessions,
    users,
    volunteers,
    wishes,
    workflow,
)
from models.meta import PortalModel, registry

__all__ = ["PortalModel", "registry"]
