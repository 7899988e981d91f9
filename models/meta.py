"""Model metadata: the options a model declares so that its screens can be generated.

Every record type subclasses :class:`PortalModel` and declares these class attributes.
Column labels and flags live in each column's ``info`` dict, built with :func:`col`.
The generator (``views.generator``) and the start-up checks (``app.checks``) read them;
nothing else in the code base repeats them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from flask_appbuilder import Model
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

#: Menu groups, in menu order: key → label.
MENU_GROUPS: dict[str, LazyString] = {
    "cobuild": _l("Co-building"),
    "affairs": _l("Community affairs"),
    "residents": _l("Residents"),
    "volunteers": _l("Volunteering"),
    "ledgers": _l("Community ledgers"),
    "points": _l("Points"),
    "org": _l("Organisation"),
    "settings": _l("Settings"),
}


def col(label: LazyString, *, sensitive: str | None = None, **extra: Any) -> dict[str, Any]:
    """Build a column's ``info`` dict: its label and flags. ``sensitive`` names the kind of
    personal data ("phone", "id_number"): validated everywhere, masked unless revealed.
    ``fulltext=True``: the search "contains" goes through a trigram index (``views.search``;
    the index itself is made by a migration)."""
    info: dict[str, Any] = {"label": label, "sensitive": sensitive}
    info.update(extra)
    return info


class PortalOptions:
    """The declarations a record type makes; :class:`PortalModel` carries them."""

    #: Label of the record type (e.g. 社区), a lazy string.
    __label__: ClassVar[LazyString | None] = None
    #: Resource name in URLs and permissions: ``/api/v1/<resource>/``.
    __resource__: ClassVar[str | None] = None
    #: Key of :data:`MENU_GROUPS` the menu entry goes under.
    __menu_group__: ClassVar[str] = "org"
    #: Font Awesome icon of the menu entry.
    __icon__: ClassVar[str] = "fa-table"
    #: Columns shown on the list page, in order.
    __list_columns__: ClassVar[Sequence[str]] = ()
    #: Columns the search form offers.
    __search_columns__: ClassVar[Sequence[str]] = ()
    #: Columns of the add and edit forms; empty means every labelled column.
    __form_columns__: ClassVar[Sequence[str]] = ()
    #: Default order of the list: (column, "asc" | "desc").
    __order__: ClassVar[tuple[str, str]] = ("id", "desc")
    #: Scope keys: the columns that place a row in the organisation tree.
    __scope_keys__: ClassVar[Sequence[str]] = ()
    #: Column shown when another record refers to this one (e.g. in a select).
    __title_column__: ClassVar[str] = "name"
    #: Menu position inside its group (smaller first).
    __menu_order__: ClassVar[int] = 100
    #: The model's state machine (``models.workflow.Workflow``), if it has one.
    __workflow__: ClassVar[Any] = None
    #: Rows are written by the system only: screens and API offer no add, edit or delete.
    __readonly__: ClassVar[bool] = False
    #: States in which an unclaimed row (no partner unit yet) is readable by the partner
    #: units serving its community, e.g. a published demand.
    __shared_with_units__: ClassVar[Sequence[str]] = ()
    #: Rows are never updated or deleted once written (a ledger); corrections are new rows.
    __append_only__: ClassVar[bool] = False
    #: (resource, relation): the detail page lists rows of that resource sharing this
    #: row's relation, e.g. a demand's fitting resources ``("resource", "category")``.
    __matches__: ClassVar[tuple[str, str] | None] = None
    #: Relationship whose row lends this row its scope keys (a work log → its project).
    __scope_parent__: ClassVar[str | None] = None
    #: Rows carry attached files (photos, scans, PDFs): thumbnails and an upload form on
    #: the detail page, ``/attachments/<resource>/<pk>``; see ``views.attachments``.
    __attachments__: ClassVar[bool] = False
    #: Columns that identify an existing row when a sheet is imported without 编号 (e.g.
    #: a household's address, a unit's name): such a row is updated, not added again.
    __natural_key__: ClassVar[Sequence[str]] = ()
    #: Residents' own records (households, volunteers, disputes…): never visible to a
    #: partner-unit account, whatever permissions a role is given (``app.scoping``).
    __staff_only__: ClassVar[bool] = False
    #: Creates, changes and deletes of rows are written to the audit log (``app.audit``);
    #: logs themselves say False.
    __audited__: ClassVar[bool] = True
    #: Figures the record type contributes to the dashboard and the monthly report
    #: (``models.stats.Stat``): counts and sums by month, state and category.
    __stats__: ClassVar[Sequence[Any]] = ()

    def __str__(self) -> str:
        return str(getattr(self, self.__title_column__, None) or f"#{getattr(self, 'id', '')}")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {getattr(self, 'id', None)}>"


class PortalModel(PortalOptions, Model):
    """Base of every record type that gets generated screens and an API."""

    __abstract__ = True


def registry() -> list[type[PortalModel]]:
    """Every concrete record type, in menu order."""
    seen: list[type[PortalModel]] = []
    stack = list(PortalModel.__subclasses__())
    while stack:
        cls = stack.pop(0)
        stack.extend(cls.__subclasses__())
        if not cls.__dict__.get("__abstract__", False) and cls not in seen:
            seen.append(cls)
    groups = list(MENU_GROUPS)
    return sorted(
        seen,
        key=lambda m: (
            groups.index(m.__menu_group__) if m.__menu_group__ in groups else len(groups),
            m.__menu_order__,
            m.__name__,
        ),
    )
