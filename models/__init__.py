"""Declarative models: one module per domain area. Importing this package registers them all."""

from models import dictionary, org, users  # noqa: F401  (registers the models)
from models.meta import PortalModel, registry

__all__ = ["PortalModel", "registry"]
