"""Start-up checks of model metadata, in the style of Django's checks framework.

Each finding has a stable id (``tongxin.E001``…) and one clear message. ``tongxin check``
prints them; ``create_app`` refuses to start while any error remains.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import inspect

from models.meta import MENU_GROUPS, PortalModel

CheckFn = Callable[[type[PortalModel]], Iterable["Finding"]]
CHECKS: list[CheckFn] = []


@dataclass(frozen=True)
class Finding:
    """One problem found in a model's metadata."""

    id: str
    obj: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        hint = f"\n    提示 / HINT: {self.hint}" if self.hint else ""
        return f"{self.id} {self.obj}: {self.message}{hint}"


class ChecksFailed(RuntimeError):
    """The models' metadata has errors; the message lists every finding."""


def check(fn: CheckFn) -> CheckFn:
    """Register a check function."""
    CHECKS.append(fn)
    return fn


def _names(model: type[PortalModel]) -> set[str]:
    mapper = inspect(model)
    return {p.key for p in mapper.attrs}


@check
def _model_label(model: type[PortalModel]) -> Iterable[Finding]:
    if not model.__label__:
        yield Finding("tongxin.E001", model.__name__, "model has no label (__label__)",
                      "add __label__ = lazy_gettext('…')")


@check
def _column_labels(model: type[PortalModel]) -> Iterable[Finding]:
    mapper = inspect(model)
    for column in mapper.columns:
        if column.primary_key or column.foreign_keys and _has_labelled_relation(model, column):
            continue
        if "label" not in column.info:
            yield Finding("tongxin.E002", f"{model.__name__}.{column.key}",
                          "column has no label", "info=col(lazy_gettext('…'))")
    for rel in mapper.relationships:
        if "label" not in rel.info:
            yield Finding("tongxin.E002", f"{model.__name__}.{rel.key}",
                          "relationship has no label", "info=col(lazy_gettext('…'))")


def _has_labelled_relation(model: type[PortalModel], column: object) -> bool:
    return any(column in rel.local_columns and "label" in rel.info
               for rel in inspect(model).relationships)


@check
def _listed_columns(model: type[PortalModel]) -> Iterable[Finding]:
    names = _names(model)
    for option in ("__list_columns__", "__search_columns__", "__form_columns__"):
        for name in getattr(model, option):
            if name not in names:
                yield Finding("tongxin.E003", f"{model.__name__}.{option}",
                              f"'{name}' is not a column or relationship of the model")
    if model.__order__[0] not in names:
        yield Finding("tongxin.E003", f"{model.__name__}.__order__",
                      f"'{model.__order__[0]}' is not a column of the model")


@check
def _scope_keys(model: type[PortalModel]) -> Iterable[Finding]:
    table = model.__table__  # type: ignore[attr-defined]
    indexed = {c.name for ix in table.indexes for c in ix.columns}
    for key in model.__scope_keys__:
        if key not in table.c:
            yield Finding("tongxin.E004", f"{model.__name__}.{key}",
                          "scoped model has no such scope key column",
                          "inherit the key's mixin (StreetKey, CommunityKey, GridKey, UnitKey)")
        elif key not in indexed:
            yield Finding("tongxin.E005", f"{model.__name__}.{key}", "scope key is not indexed")
    scope_cols = {c.name for c in table.columns if c.info.get("scope")}
    for col in sorted(scope_cols - set(model.__scope_keys__)):
        yield Finding("tongxin.E004", f"{model.__name__}.{col}",
                      "scope key column is not declared in __scope_keys__")


@check
def _menu_and_resource(model: type[PortalModel]) -> Iterable[Finding]:
    if model.__menu_group__ not in MENU_GROUPS:
        yield Finding("tongxin.E006", model.__name__,
                      f"unknown menu group '{model.__menu_group__}'",
                      f"one of: {', '.join(MENU_GROUPS)}")
    resource = model.__resource__ or ""
    if not resource or not resource.isidentifier() or resource != resource.lower():
        yield Finding("tongxin.E007", model.__name__,
                      f"resource name '{resource}' must be a lower-case identifier")


@check
def _stats(model: type[PortalModel]) -> Iterable[Finding]:
    """Declared figures name real columns, and the list can filter on each of them (so
    every number on the dashboard links to the rows it counts)."""
    from sqlalchemy import Date, DateTime

    from models.stats import CURRENT

    mapper = inspect(model)
    columns, relations = mapper.columns, mapper.relationships
    keys = [stat.key for stat in model.__stats__]
    searchable = set(model.__search_columns__)
    for stat in model.__stats__:
        where = f"{model.__name__}.__stats__[{stat.key}]"
        wrong = []
        if stat.when != CURRENT and (stat.date not in columns or not isinstance(
                columns[stat.date].type, Date | DateTime)):
            wrong.append(f"date '{stat.date}' is not a date column")
        if stat.measure is not None and stat.measure not in columns:
            wrong.append(f"measure '{stat.measure}' is not a column")
        wrong += [f"criterion '{c}' is not a column" for c in stat.where if c not in columns]
        if stat.by is not None and stat.by not in relations:
            wrong.append(f"by '{stat.by}' is not a relation")
        elif stat.by is not None and "name" not in relations[stat.by].mapper.columns:
            wrong.append(f"the rows of by '{stat.by}' have no name to show")
        elif stat.sensitive is not None and (stat.by is None or stat.sensitive not in
                                             relations[stat.by].mapper.columns):
            wrong.append(f"sensitive '{stat.sensitive}' is not a column of the by rows")
        if stat.rate_of is not None and stat.rate_of not in keys:
            wrong.append(f"rate_of '{stat.rate_of}' is not a figure of the model")
        elif stat.rate_of is not None and CURRENT in (stat.when, next(
                s.when for s in model.__stats__ if s.key == stat.rate_of)):
            wrong.append("a share (rate_of) needs two figures with dates")
        if keys.count(stat.key) > 1:
            wrong.append("its key is used twice")
        for message in wrong:
            yield Finding("tongxin.E009", where, message)
        filtered = [stat.date] if stat.when != CURRENT else []
        filtered += [*stat.where, *([stat.by] if stat.by else [])]
        filtered += [key for key in ("community", "partner_unit") if key in relations]
        for name in filtered:
            if name not in searchable:
                yield Finding("tongxin.E010", where,
                              f"'{name}' is not in __search_columns__: the number could "
                              "not link to the list of its rows",
                              f"add '{name}' to __search_columns__")


def run_checks(models: Iterable[type[PortalModel]] | None = None) -> list[Finding]:
    """Every finding for ``models`` (default: all registered models)."""
    if models is None:
        import models as registry_module

        models = registry_module.registry()
    models = list(models)
    findings = [f for model in models for fn in CHECKS for f in fn(model)]
    seen: dict[str, str] = {}
    for model in models:
        resource = model.__resource__ or ""
        if resource in seen:
            findings.append(Finding("tongxin.E008", model.__name__,
                                    f"resource name '{resource}' is used by {seen[resource]} too"))
        seen[resource] = model.__name__
    return findings


def raise_on_errors() -> None:
    """Refuse to start while the models' metadata has errors."""
    findings = run_checks()
    if findings:
        raise ChecksFailed("模型元数据有误 / model metadata errors:\n"
                           + "\n".join(str(f) for f in findings))
