"""Mixins shared by every domain model: audit stamps, a version column, scope keys."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Integer
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from models.meta import col


def current_actor_id() -> int | None:
    """Id of the user on whose behalf the current request writes, if any."""
    if has_app_context():
        return g.get("tongxin_user_id")
    return None


def utcnow() -> dt.datetime:
    """Now, in UTC, without tzinfo (stored as UTC everywhere)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class AuditMixin:
    """Who created and last changed a row, and when (UTC)."""

    created_on: Mapped[dt.datetime] = mapped_column(
        DateTime, default=utcnow, nullable=False, info=col(_l("Created on"))
    )
    changed_on: Mapped[dt.datetime] = mapped_column(
        DateTime, default=utcnow, onupdate=utcnow, nullable=False, info=col(_l("Changed on"))
    )

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(
            Integer, ForeignKey("ab_user.id"), default=current_actor_id,
            info=col(_l("Created by")),
        )

    @declared_attr
    def changed_by_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(
            Integer, ForeignKey("ab_user.id"), default=current_actor_id,
            onupdate=current_actor_id, info=col(_l("Changed by")),
        )


class VersionMixin:
    """An integer version, raised on every update (optimistic locking)."""

    version: Mapped[int] = mapped_column(
        Integer, nullable=False, default=1, info=col(_l("Version"))
    )

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        return {"version_id_col": cls.__table__.c.version}


def _scope_key(table: str, model: str, attr: str, label: Any) -> tuple[Any, Any]:
    """A scope key column ``<attr>_id`` (indexed) and its relationship ``<attr>``."""

    def fk(cls: type) -> Mapped[int | None]:
        return mapped_column(
            Integer, ForeignKey(f"{table}.id"), index=True, info=col(label, scope=True)
        )

    def rel(cls: type) -> Mapped[Any]:
        return relationship(model, foreign_keys=[getattr(cls, f"{attr}_id")], info=col(label))

    return declared_attr(fk), declared_attr(rel)


class StreetKey:
    """Scope key: the street (街道) a row belongs to."""

    street_id, street = _scope_key("street", "Street", "street", _l("Street"))


class CommunityKey:
    """Scope key: the community (社区) a row belongs to."""

    community_id, community = _scope_key("community", "Community", "community", _l("Community"))


class GridKey:
    """Scope key: the grid (网格) a row belongs to."""

    grid_id, grid = _scope_key("grid", "Grid", "grid", _l("Grid"))


class UnitKey:
    """Scope key: the partner unit (共建单位) a row belongs to."""

    partner_unit_id, partner_unit = _scope_key(
        "partner_unit", "PartnerUnit", "partner_unit", _l("Partner unit")
    )


def _plain_key(attr: str, model: str, label: Any) -> tuple[Any, Any]:
    """A scope column without a foreign key, and a read-only relation to show its name."""

    def column(cls: type) -> Mapped[int | None]:
        return mapped_column(Integer, index=True, info=col(label, scope=True))

    def relation(cls: type) -> Mapped[Any]:
        return relationship(model, primaryjoin=f"foreign({cls.__name__}.{attr}_id) == "
                                               f"{model}.id", viewonly=True, info=col(label))

    return declared_attr(column), declared_attr(relation)


class PlaceCopy(UnitKey, GridKey, CommunityKey, StreetKey):
    """The place of another row, copied (a log entry, a recycle-bin item): the four scope
    keys as plain columns without foreign keys — the copy outlives the rows it names —
    read through the same scope criteria as the keys they copy."""

    __scope_keys__ = ("street_id", "community_id", "grid_id", "partner_unit_id")

    street_id, street = _plain_key("street", "Street", _l("Street"))
    community_id, community = _plain_key("community", "Community", _l("Community"))
    grid_id, grid = _plain_key("grid", "Grid", _l("Grid"))
    partner_unit_id, partner_unit = _plain_key("partner_unit", "PartnerUnit",
                                               _l("Partner unit"))
