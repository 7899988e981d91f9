"""State machines declared on models, and the timeline of every transition.

A model opts in with ``__workflow__ = Workflow(...)``: its states (each with a label),
the initial state and the transitions — who may fire each, from which states, and what
input it needs. ``app.workflow`` fires them; the generator turns them into buttons and
``POST /api/v1/<resource>/<pk>/<transition>`` endpoints. Nothing else names a state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.meta import PortalModel, col
from models.mixins import utcnow

NOTE_NONE, NOTE_OPTIONAL, NOTE_REQUIRED = "none", "optional", "required"


@dataclass(frozen=True)
class Transition:
    """One move between states."""

    name: str  # URL and API name, e.g. ``claim``
    label: LazyString  # button text, e.g. 认领
    sources: Sequence[str]  # states it may start from
    target: str
    roles: Sequence[str]  # role names that may fire it (系统管理员 always may)
    note: str = NOTE_NONE  # none | optional | required (e.g. a reason for 退回)
    rating: bool = False  # asks for a 1–5 rating
    confirm: LazyString | None = None  # a question to confirm before firing
    #: ``"module:function"`` called as ``effect(item, user=…, note=…, rating=…)`` inside
    #: the same transaction (a name, so models need not import the code that acts)
    effect: str | None = None
    style: str = "primary"  # Bootstrap button style
    #: what a user is told when someone else got there first (e.g. 该需求已被认领)
    taken: LazyString | None = None


@dataclass(frozen=True)
class Workflow:
    """The states of a model and the transitions between them."""

    states: dict[str, LazyString]
    initial: str
    transitions: Sequence[Transition] = field(default_factory=tuple)
    column: str = "status"
    #: states in which the record may still be edited or deleted on its screens and API
    #: (None: always); e.g. an approved work log is final
    editable: Sequence[str] | None = None
    #: state → date column set to the day a record first reaches that state (e.g.
    #: ``{"published": "published_on"}``): what the monthly figures count by
    stamps: Mapping[str, str] = field(default_factory=dict)

    def get(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)

    def may_edit(self, state: str) -> bool:
        """Whether a record in ``state`` may still be edited or deleted."""
        return self.editable is None or state in self.editable

    def available(self, state: str) -> list[Transition]:
        """Transitions that may start from ``state``."""
        return [t for t in self.transitions if state in t.sources]


class StateChange(PortalModel):
    """One fired transition: who, when, from, to, note. Append-only."""

    __tablename__ = "state_change"
    __label__ = _l("Transition record")
    __resource__ = "statechange"
    __menu_group__ = "settings"
    __icon__ = "fa-history"
    __menu_order__ = 900
    __title_column__ = "transition"
    __readonly__ = True
    __audited__ = False
    __list_columns__ = ("resource", "record_id", "transition_label", "from_label",
                        "to_label", "actor_name", "at")
    __search_columns__ = ("resource", "record_id", "transition")
    __order__ = ("id", "desc")

    id: Mapped[int] = mapped_column(primary_key=True)
    resource: Mapped[str] = mapped_column(String(40), index=True, info=col(_l("Record type")))
    record_id: Mapped[int] = mapped_column(Integer, index=True, info=col(_l("Record number")))
    transition: Mapped[str] = mapped_column(String(40), info=col(_l("Action")))
    transition_label: Mapped[str] = mapped_column(String(40), info=col(_l("Action")))
    from_state: Mapped[str | None] = mapped_column(String(40), info=col(_l("From state")))
    from_label: Mapped[str | None] = mapped_column(String(40), info=col(_l("From")))
    to_state: Mapped[str] = mapped_column(String(40), info=col(_l("To state")))
    to_label: Mapped[str] = mapped_column(String(40), info=col(_l("To")))
    note: Mapped[str | None] = mapped_column(Text, info=col(_l("Note")))
    rating: Mapped[int | None] = mapped_column(Integer, info=col(_l("Rating")))
    actor_id: Mapped[int | None] = mapped_column(Integer, info=col(_l("Operator id")))
    actor_name: Mapped[str | None] = mapped_column(String(128), info=col(_l("Operator")))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True,
                                            info=col(_l("Time")))
