"""What the transitions of the community ledgers do besides changing a state.

Requests (群众诉求), micro-wishes, disputes, volunteer hours and meeting resolutions name
these functions as their transitions' ``effect``; each runs inside ``app.workflow.fire``'s
transaction, so a refusal here changes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.clock import today
from app.cobuild import writer_unit
from app.extensions import db
from app.workflow import TransitionRefused
from models.attachments import Attachment
from models.cobuild import Demand
from models.meetings import Resolution
from models.mixins import utcnow
from models.requests import ResidentRequest
from models.volunteers import Volunteer, VolunteerService
from models.wishes import MicroWish

# --- 群众诉求 -------------------------------------------------------------------------------

def check_assignee(request: ResidentRequest, **_ignored: Any) -> None:
    """派单 needs someone to send the request to."""
    if not (request.assignee or request.partner_unit_id or request.department):
        raise TransitionRefused(_(
            "Fill in the person in charge, the unit or the department on the edit page "
            "before dispatching."))


def resolve_request(request: ResidentRequest, note: str | None = None,
                    **_ignored: Any) -> None:
    """办结: the result is the note; the hours from intake to now are kept."""
    request.result = note
    request.resolved_at = utcnow()
    seconds = (request.resolved_at - request.received_at).total_seconds()
    request.hours_to_close = Decimal(str(round(max(seconds, 0) / 3600, 1)))


def reopen_request(request: ResidentRequest, **_ignored: Any) -> None:
    """重新办理: the request is no longer resolved (nor counted as such) until it is
    resolved again."""
    request.resolved_at = None
    request.hours_to_close = None


def revisit_request(request: ResidentRequest, note: str | None = None,
                    rating: int | None = None, **_ignored: Any) -> None:
    """回访: the resident's satisfaction (1–5) and what they said."""
    request.satisfaction = rating
    request.satisfaction_note = note
    request.closed_at = utcnow()


# --- 微心愿 ---------------------------------------------------------------------------------

def claim_wish(wish: MicroWish, user: Any, **_ignored: Any) -> None:
    """认领: the wish becomes the unit's."""
    wish.partner_unit_id = writer_unit(user)


def member_claim(wish: MicroWish, note: str | None = None, **_ignored: Any) -> None:
    """党员认领: staff record the party member who took the wish on."""
    wish.claimant = (note or "")[:80]


def fulfil_wish(wish: MicroWish, **_ignored: Any) -> None:
    """实现: only with a photo of the fulfilled wish attached."""
    photos = db.session.scalar(select(func.count()).select_from(Attachment).where(
        Attachment.resource == MicroWish.__resource__, Attachment.record_id == wish.id))
    if not photos:
        raise TransitionRefused(_("Please upload a photo of the fulfilled wish first."))
    wish.fulfilled_on = today()


def thank_wish(wish: MicroWish, note: str | None = None, **_ignored: Any) -> None:
    """致谢: the words of thanks, kept on the wish."""
    wish.thanks = note


# --- 矛盾纠纷 -------------------------------------------------------------------------------

def close_dispute(dispute: Any, note: str | None = None, **_ignored: Any) -> None:
    """调解成功 / 未成功: the result and the day it ended."""
    dispute.result = note
    dispute.closed_on = today()


# --- 志愿服务时长 ----------------------------------------------------------------------------

def check_hours(service: VolunteerService, **_ignored: Any) -> None:
    """Hours go to approval only for a volunteer who came, with hours filled in."""
    if not service.attended or not service.hours or service.hours <= 0:
        raise TransitionRefused(_(
            "Tick “Attended” and fill in the hours on the edit page first."))


def approve_hours(service: VolunteerService, **_ignored: Any) -> None:
    """认定: the volunteer's hours grow and the points rule credits the volunteer."""
    from app import points

    hours = service.hours or Decimal(0)
    db.session.execute(
        update(Volunteer).where(Volunteer.id == service.volunteer_id).values(
            total_hours=Volunteer.total_hours + hours, version=Volunteer.version + 1),
        execution_options={"synchronize_session": False})
    entry = points.credit_for_service(service)
    service.points = entry.points if entry is not None else 0
    service.approved_at = utcnow()


# --- 会议决议 -------------------------------------------------------------------------------

def resolution_to_demand(resolution: Resolution, **_ignored: Any) -> None:
    """一键转需求: a draft demand in the meeting's community, linked to the resolution."""
    meeting = resolution.meeting
    demand = Demand(
        title=resolution.content[:120], source="meeting",
        description=_("From the resolution of “%(meeting)s” (%(date)s): %(text)s",
                      meeting=meeting.title, date=meeting.held_on.isoformat(),
                      text=resolution.content),
        community_id=resolution.community_id, street_id=resolution.street_id,
        wanted_by=resolution.due_on)
    db.session.add(demand)
    resolution.demand = demand
