"""Workflow buttons, pages and API endpoints, for every model that declares a workflow.

The generator adds :class:`WorkflowViewMixin` and :class:`WorkflowApiMixin` to such a
model's view and API. Both only call ``app.workflow.fire``; the rules live there.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose as expose_page
from flask_appbuilder import has_access
from flask_appbuilder.actions import ActionItem
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, TextAreaField
from wtforms.validators import NumberRange, Optional

from app.workflow import TransitionLost, TransitionRefused, fire, workflow_of
from models.workflow import NOTE_NONE


class TransitionForm(FlaskForm):
    """The input a transition may need: a note (reason) and a 1–5 rating."""

    note = TextAreaField(_l("Note"), validators=[Optional()])
    rating = IntegerField(_l("Rating (1–5)"), validators=[Optional(), NumberRange(1, 5)])


def _user() -> Any:
    return g.get("tx_view_as") or current_user


class WorkflowViewMixin:
    """``/<resource>/transition/<pk>/<name>``: a small form, then the state changes; and
    the transitions that need no input as bulk actions on the list page."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[call-arg]
        flow = workflow_of(self.datamodel.obj)  # type: ignore[attr-defined]
        for step in flow.transitions if flow else ():
            if step.note == NOTE_NONE and not step.rating:
                self.actions[step.name] = ActionItem(  # type: ignore[attr-defined]
                    step.name, step.label, step.confirm, "fa-play", True, False,
                    self._bulk(step.name))

    def _bulk(self, name: str) -> Any:
        def transition_action(items: list[Any]) -> Any:
            """Fire the transition on every chosen row; say how many worked and why not."""
            done, refused = 0, []
            for item in items:
                try:
                    fire(item, name, current_user)
                    done += 1
                except TransitionRefused as err:
                    refused.append(f"{item}：{err}")
            if done:
                flash(_("%(n)s record(s) done.", n=done), "success")
            for message in refused:
                flash(message, "warning")
            return redirect(self.get_redirect())  # type: ignore[attr-defined]

        return transition_action

    @expose_page("/transition/<pk>/<name>", methods=["GET", "POST"])
    @has_access
    def transition(self, pk: Any, name: str) -> Any:
        item = self.datamodel.get(pk)  # type: ignore[attr-defined]
        flow = workflow_of(self.datamodel.obj)  # type: ignore[attr-defined]
        step = flow.get(name) if flow else None
        if item is None or step is None:
            abort(404)
        form = TransitionForm()
        show_url = url_for(f"{type(self).__name__}.show", pk=pk)
        needs_input = step.note != NOTE_NONE or step.rating
        if request.method == "POST" and form.validate():
            try:
                fire(item, name, current_user, note=form.note.data, rating=form.rating.data)
            except TransitionRefused as err:
                flash(str(err), "danger")
                if isinstance(err, TransitionLost) or not needs_input:
                    return redirect(show_url)
            else:
                flash(_("Done: %(action)s.", action=step.label), "success")
                return redirect(show_url)
        return self.render_template(  # type: ignore[attr-defined]
            "tongxin/transition.html", form=form, step=step, item=item, show_url=show_url,
            title=_("%(action)s: %(record)s", action=step.label, record=item))


class WorkflowApiMixin:
    """``POST /api/v1/<resource>/<pk>/<transition>`` with ``{"note": …, "rating": …}``."""

    @expose("/<int:pk>/<name>", methods=["POST"])
    @protect()
    @safe
    @permission_name("transition")
    def transition(self, pk: int, name: str) -> Any:
        """Fire a transition of the record.
        ---
        post:
          parameters:
          - in: path
            name: pk
            schema:
              type: integer
          - in: path
            name: name
            schema:
              type: string
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    note:
                      type: string
                    rating:
                      type: integer
          responses:
            200:
              description: the new state
            404:
              description: no such record or action
            409:
              description: someone else changed the record first
            422:
              description: the action is not possible now
        """
        item = self.datamodel.get(pk)  # type: ignore[attr-defined]
        flow = workflow_of(self.datamodel.obj)  # type: ignore[attr-defined]
        if item is None or flow is None or flow.get(name) is None:
            return self.response_404()  # type: ignore[attr-defined]
        body = request.get_json(silent=True) or {}
        rating = body.get("rating")
        if rating is not None and not isinstance(rating, int):
            return self.response_422(message={"rating": [_("Please rate from 1 to 5.")]})  # type: ignore[attr-defined]  # noqa: E501
        try:
            change = fire(item, name, _user(), note=body.get("note"), rating=rating)
        except TransitionLost as err:
            return self.response(409, message=str(err))  # type: ignore[attr-defined]
        except TransitionRefused as err:
            return self.response_422(message=str(err))  # type: ignore[attr-defined]
        return self.response(200, id=pk, state=change.to_state,  # type: ignore[attr-defined]
                             state_label=change.to_label, message=_("Done: %(action)s.",
                                                                    action=change.transition_label))


def fireable(actions: dict[str, Any]) -> dict[str, Any]:
    """The list actions without the workflow transitions the user may never fire."""
    from flask import current_app

    from app.workflow import may_fire

    view = next((v for v in current_app.appbuilder.baseviews  # type: ignore[attr-defined]
                 if type(v).__name__ == (request.endpoint or "").split(".")[0]), None)
    flow = workflow_of(view.datamodel.obj) if isinstance(view, WorkflowViewMixin) else None
    if flow is None:
        return actions
    return {name: action for name, action in actions.items()
            if flow.get(name) is None or may_fire(flow.get(name), _user())}


def page_context() -> dict[str, Any] | None:
    """State, buttons and timeline of the record on the current detail page."""
    from flask import current_app

    from app.workflow import buttons, timeline

    pk = (request.view_args or {}).get("pk")
    view_name = (request.endpoint or "").split(".")[0]
    view = next((v for v in current_app.appbuilder.baseviews  # type: ignore[attr-defined]
                 if type(v).__name__ == view_name and isinstance(v, WorkflowViewMixin)), None)
    if view is None or pk is None:
        return None
    item = view.datamodel.get(pk)  # type: ignore[attr-defined]
    flow = workflow_of(type(item)) if item is not None else None
    if flow is None:
        return None
    state = getattr(item, flow.column)
    return {"state": flow.states.get(state, state), "buttons": buttons(item, _user()),
            "endpoint": f"{view_name}.transition", "timeline": timeline(item)}
