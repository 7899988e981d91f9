"""Firing a model's transitions: checked, atomic, recorded.

``fire`` is the one way a state changes. It checks the transition exists and starts from
the record's state, that the user may fire it, and that its required input is there; then
it moves the state with a compare-and-set UPDATE (``… WHERE id = ? AND status = ?``), so
of two users firing at the same moment exactly one wins; then it runs the transition's
effect and records who, when, from, to and why — all in one transaction.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from flask import current_app, g
from flask_babel import gettext as _
from sqlalchemy import inspect, update

from app import clock
from app.extensions import db
from app.integrity import UserFacingError
from models.workflow import NOTE_REQUIRED, StateChange, Transition, Workflow


class TransitionRefused(UserFacingError):
    """The transition may not happen now; nothing was changed."""


class TransitionLost(TransitionRefused):
    """Someone else changed the record first (e.g. another unit claimed it)."""


def workflow_of(model: type) -> Workflow | None:
    """The model's declared workflow, if any."""
    return getattr(model, "__workflow__", None)


def may_fire(transition: Transition, user: Any) -> bool:
    """Whether ``user``'s roles allow ``transition`` (the 系统管理员 always may)."""
    if user is None:
        return False
    sm = current_app.appbuilder.sm  # type: ignore[attr-defined]
    names = {role.name for role in getattr(user, "roles", [])}
    return sm.auth_role_admin in names or bool(names & set(transition.roles))


def buttons(item: Any, user: Any) -> list[Transition]:
    """The transitions ``user`` may fire on ``item`` now."""
    flow = workflow_of(type(item))
    if flow is None:
        return []
    state = getattr(item, flow.column)
    return [t for t in flow.available(state) if may_fire(t, user)]


def fire(item: Any, name: str, user: Any, note: str | None = None,
         rating: int | None = None) -> StateChange:
    """Fire transition ``name`` on ``item`` for ``user`` and commit; raise on refusal."""
    model = type(item)
    flow = workflow_of(model)
    transition = flow.get(name) if flow else None
    if flow is None or transition is None:
        raise TransitionRefused(_("There is no such action."))
    state = getattr(item, flow.column)
    if not may_fire(transition, user):
        raise TransitionRefused(_("You may not do “%(action)s”.", action=transition.label))
    if state not in transition.sources and transition.taken is not None \
            and state == transition.target:
        raise TransitionLost(str(transition.taken))
    if state not in transition.sources:
        raise TransitionRefused(_(
            "“%(action)s” is not possible while the record is “%(state)s”.",
            action=transition.label, state=flow.states.get(state, state)))
    note = (note or "").strip() or None
    if transition.note == NOTE_REQUIRED and not note:
        raise TransitionRefused(_("Please give a reason for “%(action)s”.",
                                  action=transition.label))
    if transition.rating and (rating is None or not 1 <= rating <= 5):
        raise TransitionRefused(_("Please rate from 1 to 5."))

    session = db.session
    mapper = inspect(model)
    pk_attr = getattr(model, mapper.get_property_by_column(mapper.primary_key[0]).key)
    status = getattr(model, flow.column)
    values: dict[str, Any] = {flow.column: transition.target}
    if hasattr(model, "version"):
        values["version"] = model.version + 1
    try:
        result = session.execute(
            update(model).where(pk_attr == mapper.primary_key_from_instance(item)[0],
                                status == state).values(**values),
            execution_options={"synchronize_session": False})
        if result.rowcount != 1:
            raise TransitionLost(str(transition.taken) if transition.taken else _(
                "The record was changed by someone else just now: please reload it."))
        session.refresh(item)
        if transition.effect is not None:
            module, _sep, function = transition.effect.partition(":")
            getattr(import_module(module), function)(item, user=user, note=note,
                                                     rating=rating)
        change = record(item, transition.name, state, transition.target, user, note=note,
                        rating=rating if transition.rating else None)
        session.commit()
    except Exception:
        session.rollback()
        raise
    g.pop("tx_todo_counts", None)
    return change


def record(item: Any, name: str, source: str, target: str, user: Any,
           note: str | None = None, rating: int | None = None) -> StateChange:
    """Add one entry to the record's timeline (in the caller's transaction), and stamp
    the day the record first reached ``target`` where its workflow declares a stamp."""
    model = type(item)
    flow = workflow_of(model)
    states = flow.states if flow else {}
    stamp = flow.stamps.get(target) if flow else None
    if stamp is not None and getattr(item, stamp) is None:
        setattr(item, stamp, clock.today())
    step = flow.get(name) if flow else None
    change = StateChange(
        resource=model.__resource__, record_id=inspect(model).primary_key_from_instance(item)[0],
        transition=name, transition_label=str(step.label if step else name),
        from_state=source, from_label=str(states.get(source, source)),
        to_state=target, to_label=str(states.get(target, target)), note=note, rating=rating,
        actor_id=getattr(user, "id", None), actor_name=_display_name(user))
    db.session.add(change)
    return change


def timeline(item: Any) -> list[StateChange]:
    """The record's transitions, oldest first."""
    model = type(item)
    pk = inspect(item).identity
    if pk is None:
        return []
    return list(db.session.query(StateChange).filter_by(
        resource=model.__resource__, record_id=pk[0]).order_by(StateChange.id))


def _display_name(user: Any) -> str:
    first, last = getattr(user, "first_name", ""), getattr(user, "last_name", "")
    name = f"{first} {last}".strip()
    return f"{name}（{user.username}）" if name else str(getattr(user, "username", ""))


def check_editable(item: Any) -> None:
    """Refuse a screen or API edit/delete of a record whose state is final."""
    flow = workflow_of(type(item))
    if flow is None:
        return
    state = getattr(item, flow.column)
    if not flow.may_edit(state):
        raise TransitionRefused(_("A record that is “%(state)s” can no longer be changed.",
                                  state=flow.states.get(state, state)))
