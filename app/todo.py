"""我的待办: what waits for the signed-in user, counted inside the user's scope.

The kinds of to-do are declared once, in :data:`KINDS`: a model, the rows it counts (a
state of the model's workflow, plus optional extra criteria), who has it (those who may
fire the transition that acts on those rows, or who hold a permission) and where the rows
are listed. Every count and row goes through the ORM session, so the user's row scope
(``app.scoping``) applies as on every other page; nothing here filters by organisation.

Pages: ``/todo/`` (every kind with its count and first rows) and ``/todo/<key>/`` (all rows
of one kind). The home page shows the same list on top (``app.ui``), the navbar a badge
with the total (``appbuilder/navbar_menu.html``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, abort, current_app, g, jsonify, request
from flask_appbuilder import AppBuilder, BaseView, expose, has_access
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_babel import LazyString, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import exists, func, inspect, or_, select
from sqlalchemy.exc import SQLAlchemyError

from app import clock
from app.extensions import db
from app.workflow import may_fire, workflow_of
from models.cobuild import Demand, DemandOffer, Project, WorkLog
from models.ledgers import HazardInspection
from models.meetings import Resolution
from models.meta import PortalModel
from models.requests import ResidentRequest
from models.residents import Household, Visit
from models.volunteers import VolunteerService
from models.wishes import MicroWish
from views.list_links import filtered_list_url
from views.permissions import ADD, EDIT, READ

log = logging.getLogger(__name__)

#: Permission view name of the pages and the menu entry's name (both granted to every
#: built-in role through ``app.policy.SELF_SERVICE``).
PERMISSION_VIEW = "todo"
MENU_NAME = "MyTodo"
#: ``flask.g`` key of this request's counts (``app.workflow.fire`` drops it).
CACHE_KEY = "tx_todo_counts"
#: Rows shown per kind on the to-do page, and per page of one kind's full list.
FIRST_ROWS = 5
PAGE_ROWS = 50


def _unclaimed() -> list[Any]:
    return [Demand.partner_unit_id.is_(None)]


def _without_log_this_month() -> list[Any]:
    """Running projects (started, not ended before this month) with no log dated this
    month, in any review state."""
    today = clock.today()
    first = today.replace(day=1)
    logged = exists().where(WorkLog.project_id == Project.id, WorkLog.work_date >= first)
    return [~logged,
            or_(Project.start_date.is_(None), Project.start_date <= today),
            or_(Project.end_date.is_(None), Project.end_date >= first)]


@dataclass(frozen=True)
class TodoKind:
    """One kind of to-do: rows of ``model`` waiting for someone."""

    key: str  # in URLs: /todo/<key>/
    label: LazyString
    model: type[PortalModel]
    #: the rows: the model's workflow column equals ``state`` …
    state: str | None = None
    #: … and these criteria hold (a function, evaluated per request: "this month")
    where: Callable[[], list[Any]] | None = None
    #: who has it: users who may fire this transition of the model's workflow …
    transition: str | None = None
    #: … or users holding this (permission, view) pair
    permission: tuple[str, str] | None = None
    #: column shown beside each row's title, and the rows' order (oldest first)
    date: str = "created_on"
    #: the list page shows the rows through FAB's search filter on the state; ``False``
    #: for kinds FAB's search cannot express (they get a list of their own, /todo/<key>/)
    fab_list: bool = True

    def criteria(self) -> list[Any]:
        out: list[Any] = []
        if self.state is not None:
            flow = workflow_of(self.model)
            out.append(getattr(self.model, flow.column if flow else "status") == self.state)
        if self.where is not None:
            out += self.where()
        return out


#: Every kind of to-do, in page order. Staff review and publish; units claim, resubmit
#: and log. A published demand is unclaimed by definition (claiming moves it on and
#: sets its unit in one transaction), so "unclaimed" narrows nothing the state list shows.
KINDS: Sequence[TodoKind] = (
    TodoKind("review_logs", _l("Work logs to review"), WorkLog, state="pending",
             transition="approve", date="work_date"),
    TodoKind("publish_demands", _l("Demands to publish"), Demand, state="draft",
             transition="publish", date="created_on"),
    TodoKind("decide_offers", _l("Offers to serve awaiting your choice"), DemandOffer,
             state="offered", transition="accept", date="created_on"),
    TodoKind("claim_demands", _l("Demands open to claim"), Demand, state="published",
             where=_unclaimed, transition="claim", date="wanted_by"),
    TodoKind("returned_logs", _l("Returned work logs"), WorkLog, state="returned",
             transition="resubmit", date="work_date"),
    TodoKind("projects_without_log", _l("Projects without a work log this month"), Project,
             where=_without_log_this_month, permission=(f"can_{ADD}", WorkLog.__resource__),
             date="start_date", fab_list=False),
    TodoKind("overdue_visits", _l("Households overdue for a visit"), Household,
             where=lambda: [Household.next_visit_due < clock.today()],
             permission=(f"can_{ADD}", Visit.__resource__), date="next_visit_due",
             fab_list=False),
    TodoKind("dispatch_requests", _l("Resident requests to dispatch"), ResidentRequest,
             state="received", transition="assign", date="received_at"),
    TodoKind("handle_requests", _l("Dispatched requests to take on"), ResidentRequest,
             state="assigned", transition="accept", date="received_at"),
    TodoKind("revisit_requests", _l("Resolved requests to visit back"), ResidentRequest,
             state="resolved", transition="revisit", date="resolved_at"),
    TodoKind("publish_wishes", _l("Micro-wishes to publish"), MicroWish, state="collected",
             transition="publish", date="created_on"),
    TodoKind("claim_wishes", _l("Micro-wishes open to claim"), MicroWish, state="published",
             transition="claim", date="wanted_by"),
    TodoKind("approve_hours", _l("Volunteer hours to approve"), VolunteerService,
             state="pending", transition="approve", date="created_on"),
    TodoKind("overdue_hazards", _l("Hazards not fixed by their date"), HazardInspection,
             where=lambda: [HazardInspection.state == "pending",
                            HazardInspection.fix_by < clock.today()],
             permission=(f"can_{EDIT}", HazardInspection.__resource__), date="fix_by",
             fab_list=False),
    TodoKind("open_resolutions", _l("Meeting resolutions to carry out"), Resolution,
             where=lambda: [Resolution.status.in_(("open", "following"))],
             transition="finish", date="due_on", fab_list=False),
)


@dataclass
class Row:
    title: str
    date: str
    url: str


@dataclass
class Entry:
    """One kind as the user sees it: its count, its list URL and its first rows."""

    kind: TodoKind
    count: int
    url: str
    date_label: str
    rows: list[Row] = field(default_factory=list)

    @property
    def more(self) -> int:
        return max(self.count - len(self.rows), 0)


@dataclass
class Summary:
    entries: list[Entry]

    @property
    def total(self) -> int:
        return sum(e.count for e in self.entries)

    @property
    def waiting(self) -> list[Entry]:
        return [e for e in self.entries if e.count]


# --- who has which kind ------------------------------------------------------------------

def acting_user() -> Any:
    """The user whose to-do it is: the one an admin views the portal as, else the user."""
    return g.get("tx_view_as") or current_user


def _has_permission(user: Any, permission: str, view: str) -> bool:
    sm = current_app.appbuilder.sm  # type: ignore[attr-defined]
    return bool(sm._has_view_access(user, permission, view))


def applies(kind: TodoKind, user: Any) -> bool:
    """Whether ``user`` has to-dos of ``kind``: it may read the rows and act on them."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not _has_permission(user, f"can_{READ}", kind.model.__resource__ or ""):
        return False
    if kind.transition is not None:
        flow = workflow_of(kind.model)
        step = flow.get(kind.transition) if flow else None
        if step is None or not may_fire(step, user):
            return False
    if kind.permission is not None and not _has_permission(user, *kind.permission):
        return False
    return True


def kinds_of(user: Any) -> list[TodoKind]:
    return [k for k in KINDS if applies(k, user)]


# --- counting and listing (all through the scoped session) --------------------------------

def count(kind: TodoKind) -> int:
    """One COUNT query, inside the current scope."""
    stmt = select(func.count()).select_from(kind.model).where(*kind.criteria())
    return int(db.session.scalar(stmt) or 0)


def counts() -> dict[str, int]:
    """key → count of every kind the acting user has; computed once per request."""
    cached = g.get(CACHE_KEY)
    if cached is None:
        cached = {k.key: count(k) for k in kinds_of(acting_user())}
        setattr(g, CACHE_KEY, cached)
    return cached


def rows(kind: TodoKind, limit: int, offset: int = 0) -> list[Any]:
    """Rows of ``kind``, longest waiting first."""
    mapper: Any = inspect(kind.model)
    pk = getattr(kind.model, mapper.get_property_by_column(mapper.primary_key[0]).key)
    date = getattr(kind.model, kind.date)
    stmt: Any = (select(kind.model).where(*kind.criteria())
            .order_by(date.asc().nulls_last(), pk).offset(offset).limit(limit))
    return list(db.session.scalars(stmt))


def list_url(kind: TodoKind) -> str:
    """Where all rows of ``kind`` are listed: FAB's list filtered on the state (the same
    ``_flt_<n>_<column>`` arguments its search form sends), else ``/todo/<key>/``."""
    if kind.fab_list and kind.state is not None:
        flow = workflow_of(kind.model)
        column = flow.column if flow else "status"
        url = filtered_list_url(kind.model, [(column, FilterEqual, kind.state)])
        if url is not None:
            return url
    return f"/todo/{kind.key}/"


def _row(item: Any, kind: TodoKind) -> Row:
    value = getattr(item, kind.date)
    pk = inspect(item).identity[0]
    return Row(title=str(item), date=format_date(value, "yyyy-MM-dd") if value else "",
               url=f"/{kind.model.__resource__}/show/{pk}")


def _date_label(kind: TodoKind) -> str:
    column: Any = inspect(kind.model).columns.get(kind.date)
    label = column.info.get("label") if column is not None else None
    return str(label) if label else ""


def summary(first_rows: int = FIRST_ROWS) -> Summary:
    """Every kind the acting user has, with its count and first rows."""
    by_key = {k.key: k for k in KINDS}
    entries = []
    for key, n in counts().items():
        kind = by_key[key]
        entry = Entry(kind, n, list_url(kind), _date_label(kind))
        if n and first_rows:
            entry.rows = [_row(item, kind) for item in rows(kind, first_rows)]
        entries.append(entry)
    return Summary(entries)


def badge(menu_name: str) -> int | str | None:
    """The navbar badge of menu entry ``menu_name``: the total to-do count when this
    request has counted already (the to-do and home pages), else ``"later"``: the page's
    script asks ``/todo/count`` once the page is shown, so no page waits for the
    counts of every kind; ``None`` for other entries or nothing to do."""
    if menu_name != MENU_NAME or not current_user.is_authenticated:
        return None
    if g.get(CACHE_KEY) is None:
        return "later"
    total = sum(counts().values())
    return total or None


# --- pages --------------------------------------------------------------------------------

class TodoView(BaseView):
    """``/todo/``: what waits for the user; ``/todo/<key>/``: all rows of one kind."""

    route_base = "/todo"
    default_view = "index"
    class_permission_name = PERMISSION_VIEW
    method_permission_name = {"index": READ, "kind": READ, "count": READ}

    @expose("/")
    @has_access
    def index(self) -> Any:
        return self.render_template("tongxin/todo.html", todo=summary(), home=False,
                                    title=_("My to-do"))

    @expose("/count")
    @has_access
    def count(self) -> Any:
        """The navbar badge as JSON: ``{"count": n, "title": "…"}``."""
        try:
            total = sum(counts().values())
        except SQLAlchemyError:
            log.exception("to-do counts failed")
            total = 0
        response = jsonify(count=total,
                           title=_("%(count)s items waiting for you", count=total))
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/<key>/")
    @has_access
    def kind(self, key: str) -> Any:
        kind = next((k for k in kinds_of(acting_user()) if k.key == key), None)
        if kind is None:
            abort(404)
        try:
            page = max(int(request.args.get("page", 1)), 1)
        except ValueError:
            page = 1
        total = counts()[kind.key]
        found = [_row(item, kind) for item in rows(kind, PAGE_ROWS, (page - 1) * PAGE_ROWS)]
        return self.render_template(
            "tongxin/todo.html", kind=kind, found=found, total=total, page=page,
            pages=max((total + PAGE_ROWS - 1) // PAGE_ROWS, 1), date_label=_date_label(kind),
            title=str(kind.label))


def register_todo(app: Flask, appbuilder: AppBuilder) -> None:
    """The pages, the menu entry 我的待办 and the template helper of its badge."""
    from app.security_views import VIEW_LABELS

    appbuilder.add_view(TodoView(), MENU_NAME, icon="fa-inbox", label=_l("My to-do"))
    app.jinja_env.globals["tx_todo_badge"] = badge
    # the role screens name the permission and the menu entry 我的待办 too
    VIEW_LABELS.setdefault(PERMISSION_VIEW, _l("My to-do"))
    VIEW_LABELS.setdefault(MENU_NAME, _l("My to-do"))
