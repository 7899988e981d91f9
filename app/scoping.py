"""Row scoping: every ORM read on a scoped model gets the current user's criteria, and
every write is checked once, after flush, against the same criteria.

The one home of "who may see which rows". Views and APIs add nothing of their own: the
criteria ride on the SQLAlchemy session (``do_orm_execute`` + ``with_loader_criteria``),
so lists, detail pages, edits, row actions, exports, charts and relation choices all see
the same rows. The scope is resolved once per request (``before_request``) and kept on
``flask.g``; outside a request nothing is visible unless code enters :func:`system`
on purpose (CLI, migrations, demo data, tests' set-up).
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import and_, event, false, inspect, or_, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from app.integrity import UserFacingError
from models.mixins import CommunityKey, GridKey, StreetKey, UnitKey
from models.org import Community, Grid, PartnerUnit, SocialWorkStation, Street, unit_community

#: Criteria are not carried onto lazy loads: a lazy load runs ``do_orm_execute`` itself
#: and gets the scope in force at that moment (the user's own relations load unscoped
#: inside :func:`system`, not with the criteria of the query that loaded the user).
_OPTS: dict[str, Any] = {"include_aliases": True, "propagate_to_loaders": False}

_SYSTEM: contextvars.ContextVar[bool] = contextvars.ContextVar("tx_system", default=False)
_ACTING: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("tx_acting", default=None)


class ScopeViolation(UserFacingError):
    """A write would put a row where its writer may not see it."""


@dataclass(frozen=True)
class Scope:
    """What one user may see. ``level`` names the binding; the id sets are derived."""

    level: str  # all | street | community | grid | unit | station | none
    street_ids: frozenset[int] = field(default_factory=frozenset)
    community_ids: frozenset[int] = field(default_factory=frozenset)
    grid_ids: frozenset[int] = field(default_factory=frozenset)
    unit_ids: frozenset[int] = field(default_factory=frozenset)
    station_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def unrestricted(self) -> bool:
        return self.level == "all"

    def describe(self) -> str:
        """Why rows are visible, in the user's language (e.g. 本社区记录)."""
        return {
            "all": _("All records (system administrator)"),
            "street": _("Records of your street"),
            "community": _("Records of your community"),
            "grid": _("Records of your grid"),
            "unit": _("Records of your unit"),
            "station": _("Records of the communities your station serves"),
        }.get(self.level, _("No records: your account is not bound to an organisation"))


ALL = Scope("all")
NOTHING = Scope("none")


@contextmanager
def system() -> Iterator[None]:
    """Run code with no scope at all, on purpose (CLI, demo data, migrations, set-up)."""
    token = _SYSTEM.set(True)
    try:
        yield
    finally:
        _SYSTEM.reset(token)


@contextmanager
def acting_as(scope: Scope) -> Iterator[None]:
    """Run code outside a request with a user's scope (a background export)."""
    token = _ACTING.set(scope)
    try:
        yield
    finally:
        _ACTING.reset(token)


def current_scope() -> Scope | None:
    """The scope in force now; ``None`` means unrestricted (system context)."""
    if _SYSTEM.get():
        return None
    acting = _ACTING.get()
    if acting is not None:
        return None if acting.unrestricted else acting
    if has_request_context():
        return g.get("tx_scope", NOTHING)
    return NOTHING


# --- resolving a user's scope -------------------------------------------------------------

def resolve(session: Session, user: Any, is_admin: bool) -> Scope:
    """The scope of ``user`` from its organisation binding (queries run unscoped)."""
    if is_admin:
        return ALL
    with system():
        if getattr(user, "partner_unit_id", None):
            unit = session.get(PartnerUnit, user.partner_unit_id)
            communities = [c for c in unit.communities] if unit else []
            return Scope("unit", frozenset(c.street_id for c in communities),
                         frozenset(c.id for c in communities), unit_ids=frozenset(
                             [user.partner_unit_id] if unit else []))
        if getattr(user, "station_id", None):
            station = session.get(SocialWorkStation, user.station_id)
            communities = list(station.communities) if station else []
            return Scope("station", frozenset(c.street_id for c in communities),
                         frozenset(c.id for c in communities),
                         station_ids=frozenset([user.station_id] if station else []))
        grids = list(getattr(user, "grids", None) or [])
        if grids:
            return Scope("grid", frozenset(gr.street_id for gr in grids),
                         frozenset(gr.community_id for gr in grids),
                         frozenset(gr.id for gr in grids))
        if getattr(user, "community_id", None):
            community = session.get(Community, user.community_id)
            if community is not None:
                return Scope("community", frozenset([community.street_id]),
                             frozenset([community.id]))
        if getattr(user, "street_id", None):
            return Scope("street", frozenset([user.street_id]))
    return NOTHING


# --- read criteria ------------------------------------------------------------------------

def criteria(scope: Scope) -> list[Any]:
    """The loader criteria of ``scope``: one per scope-key mixin and per org table.

    The id sets are bound as parameters (tuples), so SQLAlchemy caches one statement
    shape per scope level whatever the ids.
    """
    if scope.level == "none":
        return _deny_all()
    s, c = tuple(sorted(scope.street_ids)), tuple(sorted(scope.community_ids))
    gr, u = tuple(sorted(scope.grid_ids)), tuple(sorted(scope.unit_ids))
    opts = [
        with_loader_criteria(StreetKey, lambda cls: cls.street_id.in_(s), **_OPTS),
        with_loader_criteria(Street, lambda cls: cls.id.in_(s), **_OPTS),
    ]
    if scope.level != "street":
        opts += [
            with_loader_criteria(CommunityKey, lambda cls: cls.community_id.in_(c),
                                 **_OPTS),
            with_loader_criteria(Community, lambda cls: cls.id.in_(c), **_OPTS),
        ]
    if scope.level == "grid":
        opts += [
            with_loader_criteria(GridKey, lambda cls: cls.grid_id.in_(gr), **_OPTS),
            with_loader_criteria(Grid, lambda cls: cls.id.in_(gr), **_OPTS),
        ]
    if scope.level == "unit":
        opts.append(with_loader_criteria(PartnerUnit, lambda cls: cls.id.in_(u), **_OPTS))
        opts += [with_loader_criteria(model, _unit_rows(model, u, c), **_OPTS)
                 for model in _unit_keyed()]
        opts += [with_loader_criteria(model, lambda cls: false(), **_OPTS)
                 for model in _staff_only()]
    else:
        served = _served_units(scope)
        opts.append(with_loader_criteria(PartnerUnit, lambda cls: cls.id.in_(served),
                                         **_OPTS))
        # rows owned by a unit and placed nowhere else: those of the units serving here
        # (points held by a volunteer instead: those of the volunteers placed here)
        opts += [with_loader_criteria(model, _held_here(model, served, scope), **_OPTS)
                 for model in _unit_keyed() if not issubclass(model, CommunityKey)]
    if scope.level == "station":
        st = tuple(sorted(scope.station_ids))
        opts.append(with_loader_criteria(SocialWorkStation, lambda cls: cls.id.in_(st),
                                         **_OPTS))
    return opts


def own_units(model: type) -> tuple[int, ...]:
    """For a partner unit's account and a unit-keyed ``model``: the unit(s) whose own rows
    are the account's work — not the rows merely shared with it (a published demand open
    to claim). Empty for other accounts and models."""
    scope = current_scope()
    if scope is None or scope.level != "unit" or not issubclass(model, UnitKey):
        return ()
    return tuple(sorted(scope.unit_ids))


def held_by_unit(model: type) -> list[Any]:
    """Criteria keeping only :func:`own_units`' rows of ``model`` (nothing to add for
    other accounts): what a unit's figures count."""
    units = own_units(model)
    return [model.partner_unit_id.in_(units)] if units else []


def _staff_only() -> list[type]:
    """Every registered model that partner units never see (``__staff_only__``)."""
    import models

    return [m for m in models.registry() if m.__staff_only__]


def _unit_keyed() -> list[type]:
    """Every registered model with a partner-unit scope key."""
    import models

    return [m for m in models.registry() if issubclass(m, UnitKey)]


def _unit_rows(model: Any, units: tuple[int, ...], communities: tuple[int, ...]) -> Any:
    """A unit's rows of ``model``: its own, plus unclaimed rows shared with the units
    serving their community while in a shared state (e.g. a published demand)."""
    own = model.partner_unit_id.in_(units)
    shared = model.__shared_with_units__
    if not shared or not issubclass(model, CommunityKey):
        return own
    status = getattr(model, model.__workflow__.column)
    return or_(own, and_(model.partner_unit_id.is_(None), status.in_(tuple(shared)),
                         model.community_id.in_(communities)))


def _held_here(model: Any, served: Any, scope: Scope) -> Any:
    """Rows of a unit-keyed ``model`` whose holder — a unit serving here, or a volunteer
    placed here (points) — the non-unit ``scope`` covers."""
    own = model.partner_unit_id.in_(served)
    if "volunteer_id" not in model.__table__.c:
        return own
    from models.volunteers import Volunteer

    volunteer = Volunteer.__table__
    here = select(volunteer.c.id)
    if scope.level == "street":
        here = here.where(volunteer.c.street_id.in_(tuple(sorted(scope.street_ids))))
    elif scope.level == "grid":
        here = here.where(volunteer.c.grid_id.in_(tuple(sorted(scope.grid_ids))))
    else:
        here = here.where(volunteer.c.community_id.in_(tuple(sorted(scope.community_ids))))
    return or_(own, model.volunteer_id.in_(here))


def _served_units(scope: Scope) -> Any:
    """Ids of partner units serving a community the scope covers (a subquery)."""
    link, community = unit_community, Community.__table__
    stmt = select(link.c.partner_unit_id)
    if scope.level == "street":
        return stmt.join(community, community.c.id == link.c.community_id).where(
            community.c.street_id.in_(tuple(sorted(scope.street_ids))))
    return stmt.where(link.c.community_id.in_(tuple(sorted(scope.community_ids))))


def _deny_all() -> list[Any]:
    return [with_loader_criteria(cls, lambda c: false(), **_OPTS)
            for cls in (StreetKey, CommunityKey, GridKey, UnitKey, Street, Community, Grid,
                        PartnerUnit, SocialWorkStation)]


def is_scoped(model: type) -> bool:
    """Whether rows of ``model`` are filtered by scope."""
    return issubclass(model, (StreetKey, CommunityKey, GridKey, UnitKey, Street, Community,
                              Grid, PartnerUnit, SocialWorkStation))


@functools.lru_cache(maxsize=1024)
def _criteria_now(scope: Scope) -> tuple[Any, ...]:
    """:func:`criteria` of ``scope``, built once per process (a page runs several
    statements and every request of a user has the same scope; the options are
    immutable and depend on nothing but the scope and the registered models)."""
    return tuple(criteria(scope))


def _on_execute(state: ORMExecuteState) -> None:
    if not state.is_select or state.execution_options.get("tx_unscoped"):
        return
    scope = current_scope()
    if scope is None or scope.unrestricted:
        return
    state.statement = state.statement.options(*_criteria_now(scope))


# --- write check --------------------------------------------------------------------------

def _derive_keys(obj: Any) -> None:
    """Parent keys follow the children, through the relationships (so a changed or new
    parent counts): a row's grid decides its community, its community its street."""
    with system():
        parent_name = getattr(type(obj), "__scope_parent__", None)
        parent = getattr(obj, parent_name) if parent_name else None
        if parent is not None:
            for key in ("partner_unit", "grid", "community", "street"):
                if hasattr(type(obj), f"{key}_id") and hasattr(type(parent), key) \
                        and getattr(parent, key) is not None:
                    setattr(obj, key, getattr(parent, key))
        if isinstance(obj, GridKey) and isinstance(obj, CommunityKey) and obj.grid is not None:
            obj.community = obj.grid.community
        if isinstance(obj, CommunityKey) and isinstance(obj, StreetKey) and \
                obj.community is not None:
            obj.street = obj.community.street


def _fill_from_writer(obj: Any, scope: Scope) -> None:
    """New rows land in the writer's own place when the writer has exactly one."""
    def only(ids: frozenset[int]) -> int | None:
        return next(iter(ids)) if len(ids) == 1 else None

    if isinstance(obj, UnitKey) and scope.level == "unit":
        _fill(obj, "partner_unit", PartnerUnit, only(scope.unit_ids))
    if isinstance(obj, GridKey) and scope.level == "grid":
        _fill(obj, "grid", Grid, only(scope.grid_ids))
    if isinstance(obj, CommunityKey) and scope.level in ("community", "grid", "unit", "station"):
        _fill(obj, "community", Community, only(scope.community_ids))
    if isinstance(obj, StreetKey) and scope.level != "all":
        _fill(obj, "street", Street, only(scope.street_ids))
    if isinstance(obj, PartnerUnit) and not obj.communities and scope.level == "community":
        with system():
            community = object_session_get(obj, Community, only(scope.community_ids))
        if community is not None:
            obj.communities.append(community)


def _fill(obj: Any, key: str, model: type, pk: int | None) -> None:
    """Set the empty scope relation ``key`` of a new row to the row ``pk`` — the
    relation, not only its id column: a form that left the field empty has set the
    relation to None, which would win over the id at flush."""
    with system():
        if pk is None or getattr(obj, f"{key}_id") is not None or getattr(obj, key) is not None:
            return
        target = object_session_get(obj, model, pk)
    if target is not None:
        setattr(obj, key, target)


def object_session_get(obj: Any, model: type, pk: int | None) -> Any:
    session = inspect(obj).session
    return session.get(model, pk) if session is not None and pk is not None else None


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    scope = current_scope()
    for obj in list(session.new) + list(session.dirty):
        if not is_scoped(type(obj)):
            continue
        if scope is not None and not scope.unrestricted and obj in session.new:
            _fill_from_writer(obj, scope)
        _derive_keys(obj)


def _after_flush(session: Session, flush_context: Any) -> None:
    """Every row written must still be visible to its writer, or the flush fails."""
    scope = current_scope()
    if scope is None or scope.unrestricted:
        return
    for obj in list(session.new) + list(session.dirty):
        model = type(obj)
        if not is_scoped(model):
            continue
        mapper = inspect(model)
        # the ORM attribute, not the table column: criteria apply to ORM entities only
        pk_attr = getattr(model, mapper.get_property_by_column(mapper.primary_key[0]).key)
        pk = mapper.primary_key_from_instance(obj)[0]
        stmt = select(pk_attr).where(pk_attr == pk).options(*criteria(scope))
        if session.execute(stmt, execution_options={"tx_unscoped": True}).first() is None:
            raise ScopeViolation(
                _("You may only create or change records inside your own organisation."))


def install() -> None:
    """Attach the read criteria and the write check to every ORM session (once)."""
    for name, fn in (("do_orm_execute", _on_execute), ("before_flush", _before_flush),
                     ("after_flush", _after_flush)):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
