"""Demo community affairs of community1 / grid1: request and dispute dictionaries, resident
requests, micro-wishes, disputes, volunteers with their hours and points, meetings with
resolutions, and the ledgers (conventions, livelihood projects, trainings, hazard
inspections, the parking group's public fee ledger). The rows are in
``app.demo_affairs_data``.

Idempotent like the rest of the demo: rows are looked up by natural key (name or title and
place) and only created when missing. A record past its first state carries what the
transition would have set (result, times, satisfaction…); approved volunteer hours are
credited once, when their row is created. Dates are relative to today (portal time zone).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask_babel import to_utc
from sqlalchemy import select

from app.clock import today
from app.demo_affairs_data import (
    ACTIVITIES,
    CONVENTIONS,
    DICTS,
    DISPUTES,
    FEE_HANDLER,
    FEES,
    FUND,
    HAZARDS,
    LIVELIHOOD,
    MEETINGS,
    REQUESTS,
    TEAMS,
    TRAININGS,
    VOLUNTEER_RULE,
    VOLUNTEERS,
    WISHES,
)
from app.demo_residents import with_check_digit
from app.extensions import db
from app.points import credit_for_service
from models.cobuild import Demand
from models.dictionary import DictItem
from models.disputes import Dispute
from models.ledgers import Convention, FeeEntry, HazardInspection, LivelihoodProject, Training
from models.meetings import Meeting, Resolution
from models.mixins import utcnow
from models.org import Community, Grid, PartnerUnit
from models.points import PointsEntry, PointsRule
from models.requests import ResidentRequest
from models.volunteers import Volunteer, VolunteerActivity, VolunteerService, VolunteerTeam
from models.wishes import MicroWish


def _get_or_add(model: type, keys: dict[str, Any], values: dict[str, Any]) -> tuple[Any, bool]:
    row = db.session.scalars(select(model).filter_by(**keys)).first()
    if row is not None:
        return row, False
    row = model(**{**values, **keys})
    db.session.add(row)
    db.session.flush()
    return row, True


def _money(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


class _Affairs:
    """The demo's places and today's date; each ``load_*`` counts what it created."""

    def __init__(self, community: Community, grid: Grid, unit1: PartnerUnit,
                 unit2: PartnerUnit) -> None:
        self.community, self.grid = community, grid
        self.units = {"unit1": unit1, "unit2": unit2}
        self.today = today()
        self.place = {"community_id": community.id, "street_id": community.street_id}
        self.at_grid = {**self.place, "grid_id": grid.id}
        self.created: dict[str, int] = {}
        self.dicts: dict[tuple[str, str], DictItem] = {}

    def count(self, key: str, new: bool) -> None:
        self.created[key] = self.created.get(key, 0) + int(new)

    def day(self, offset: int | None) -> dt.date | None:
        return self.today + dt.timedelta(days=offset) if offset is not None else None

    def moment(self, offset: int, hour: int) -> dt.datetime:
        """UTC (naive) of ``hour`` o'clock local time, ``offset`` days from today."""
        return to_utc(dt.datetime.combine(self.today + dt.timedelta(days=offset),
                                           dt.time(hour)))

    def person(self, who: str | None) -> str | None:
        """grid1's worker for "grid", unit1's contact for "unit", else the name given."""
        if who == "grid":
            return self.grid.worker_name or "网格员"
        if who == "unit":
            return self.units["unit1"].contact_person or "联系人"
        return who

    # ----------------------------------------------------------------------- loaders

    def load_dicts(self) -> None:
        for kind, names in DICTS.items():
            for order, name in enumerate(names, 1):
                self.dicts[kind, name], new = _get_or_add(
                    DictItem, {"kind": kind, "name": name},
                    {"sort_order": order * 10, "active": True})
                self.count("affair_types", new)
        _, new = _get_or_add(PointsRule, {"name": VOLUNTEER_RULE["name"]},
                             {k: v for k, v in VOLUNTEER_RULE.items() if k != "name"})
        self.count("rules", new)

    def load_requests(self) -> None:
        for r in REQUESTS:
            received = self.moment(*r["received"])
            unit = self.units.get(r.get("unit", ""))
            values: dict[str, Any] = {
                **self.at_grid, "content": r["content"], "source": r["source"],
                "category": self.dicts["request_category", r["category"]],
                "requester": r.get("requester"), "requester_phone": r.get("phone"),
                "assignee": self.person(r.get("assignee")), "department": r.get("department"),
                "partner_unit_id": unit.id if unit else None, "received_at": received,
                "deadline": self.day(r["deadline"]) if "deadline" in r
                else received.date() + dt.timedelta(days=5),
                "status": r["state"], "created_on": received}
            if "hours" in r:  # resolved: what resolve_request sets
                resolved = received + dt.timedelta(hours=r["hours"])
                values.update(result=r["result"], resolved_at=resolved,
                              hours_to_close=Decimal(str(r["hours"])))
                if "revisit" in r:  # visited back: what revisit_request sets
                    values.update(satisfaction=r["satisfaction"], satisfaction_note=r["note"],
                                  closed_at=resolved + dt.timedelta(hours=r["revisit"]))
            _, new = _get_or_add(ResidentRequest,
                                 {"community_id": self.community.id, "subject": r["subject"]},
                                 values)
            self.count("requests", new)

    def load_wishes(self) -> None:
        for w in WISHES:
            unit = self.units.get(w.get("unit", ""))
            _, new = _get_or_add(MicroWish, {"community_id": self.community.id,
                                             "title": w["title"]}, {
                **self.at_grid, "story": w["story"], "wisher": w["wisher"],
                "wisher_phone": w["phone"], "value": _money(w["value"]),
                "wanted_by": self.day(w["wanted_by"]), "status": w["state"],
                "partner_unit_id": unit.id if unit else None, "claimant": w.get("claimant"),
                "fulfilled_on": self.day(w.get("fulfilled")), "thanks": w.get("thanks"),
                "created_on": self.moment(w["collected"], 10)})
            self.count("wishes", new)

    def load_disputes(self) -> None:
        for d in DISPUTES:
            _, new = _get_or_add(Dispute, {"community_id": self.community.id,
                                           "title": d["title"]}, {
                **self.at_grid, "kind": self.dicts["dispute_type", d["kind"]],
                "parties": d["parties"], "description": d["description"],
                "received_on": self.day(d["received"]), "mediator": self.person(d.get("mediator")),
                "with_judicial": d.get("judicial", False), "with_police": d.get("police", False),
                "result": d.get("result"), "closed_on": self.day(d.get("closed")),
                "status": d["state"], "created_on": self.moment(d["received"], 9)})
            self.count("disputes", new)

    def load_volunteers(self) -> None:
        teams = {}
        for name, (leader, founded, about) in TEAMS.items():
            teams[name], new = _get_or_add(VolunteerTeam, {"community_id": self.community.id,
                                                           "name": name}, {
                "street_id": self.community.street_id, "leader": leader,
                "founded_on": self.day(founded), "description": about})
            self.count("teams", new)
        people = {}
        for name, sex, phone, first17, team, skills, member, works, joined in VOLUNTEERS:
            people[name], new = _get_or_add(Volunteer, {"community_id": self.community.id,
                                                        "name": name}, {
                **self.at_grid, "gender": sex, "phone": phone,
                "id_number": with_check_digit(first17) if first17 else None,
                "team": teams[team], "skills": skills, "party_member": member,
                "employer": works, "joined_on": self.day(joined),
                "created_on": self.moment(joined, 10)})
            self.count("volunteers", new)
        for title, team, starts, where, needed, hours, wanted, about, signups in ACTIVITIES:
            activity, new = _get_or_add(VolunteerActivity, {"community_id": self.community.id,
                                                            "title": title}, {
                "street_id": self.community.street_id, "team": teams[team],
                "starts_at": self.moment(*starts), "place": where, "needed": needed,
                "hours": Decimal(hours), "skills_wanted": wanted, "description": about,
                "created_on": self.moment(starts[0] - 7, 10)})
            self.count("activities", new)
            for name, state, served in signups:
                self._service(activity, people[name], state, _money(served))

    def _service(self, activity: VolunteerActivity, volunteer: Volunteer, state: str,
                 hours: Decimal | None) -> None:
        """One sign-up; approved hours grow the volunteer's total and earn points, once."""
        service, new = _get_or_add(VolunteerService, {"activity_id": activity.id,
                                                      "volunteer_id": volunteer.id}, {
            **self.place, "activity": activity, "volunteer": volunteer, "status": state,
            "attended": state != "signed_up", "hours": hours,
            "created_on": min(activity.starts_at - dt.timedelta(days=2), utcnow())})
        self.count("services", new)
        if not new or state != "approved" or hours is None:
            return
        service.approved_at = activity.starts_at + dt.timedelta(days=1)
        volunteer.total_hours = Decimal(volunteer.total_hours or 0) + hours
        done = db.session.scalars(select(PointsEntry).filter_by(
            source=VolunteerService.__resource__, source_id=service.id)).first()
        entry = credit_for_service(service) if done is None else None
        service.points = entry.points if entry is not None else 0
        db.session.flush()

    def load_meetings(self) -> None:
        host = self.community.secretary or "社区党委书记"
        for m in MEETINGS:
            meeting, new = _get_or_add(Meeting, {"community_id": self.community.id,
                                                 "title": m["title"]}, {
                "street_id": self.community.street_id, "kind": m["kind"],
                "held_on": self.day(m["held"]), "place": m["place"], "host": host,
                "units": [self.units[u] for u in m.get("units", ())],
                "attendees": m["attendees"], "topics": m["topics"], "minutes": m["minutes"],
                "created_on": self.moment(m["held"], 17)})
            self.count("meetings", new)
            for content, who, due, state in m["resolutions"]:
                unit = self.units.get(who)
                responsible = (unit.contact_person if unit else who) or "联系人"
                demand = self._follow_up(meeting, content, due) if state == "following" \
                    else None
                _, new = _get_or_add(Resolution, {"meeting_id": meeting.id,
                                                  "content": content}, {
                    **self.place, "meeting": meeting, "responsible": responsible,
                    "partner_unit_id": unit.id if unit else None, "due_on": self.day(due),
                    "demand": demand, "status": state, "created_on": meeting.created_on})
                self.count("resolutions", new)

    def _follow_up(self, meeting: Meeting, content: str, due: int) -> Demand:
        """The draft demand resolution_to_demand would have made."""
        demand, new = _get_or_add(Demand, {"community_id": self.community.id,
                                           "title": content[:120]}, {
            "street_id": self.community.street_id, "source": "meeting", "status": "draft",
            "wanted_by": self.day(due),
            "description": f"来自“{meeting.title}”（{meeting.held_on.isoformat()}）的决议："
                           f"{content}"})
        self.count("demands", new)
        return demand

    def load_ledgers(self) -> None:
        key = {"community_id": self.community.id}
        for title, adopted, votes, text in CONVENTIONS:
            _, new = _get_or_add(Convention, {**key, "title": title}, {
                "street_id": self.community.street_id, "adopted_on": self.day(adopted),
                "votes_for": votes, "in_force": True, "content": text,
                "created_on": self.moment(adopted, 10)})
            self.count("conventions", new)
        for (name, budget, funds, by, start, end, stage, progress, people,
             about) in LIVELIHOOD:
            started = self.today + dt.timedelta(days=start)
            _, new = _get_or_add(LivelihoodProject, {**key, "name": name}, {
                "street_id": self.community.street_id, "year": started.year,
                "budget": Decimal(budget), "funding": funds, "undertaker": by,
                "start_date": started, "end_date": self.day(end), "stage": stage,
                "progress": progress, "beneficiaries": people, "description": about,
                "created_on": self.moment(start - 30, 10)})
            self.count("livelihood", new)
        for title, held, hours, trainer, count, who, content in TRAININGS:
            _, new = _get_or_add(Training, {**key, "title": title}, {
                "street_id": self.community.street_id, "held_on": self.day(held),
                "hours": Decimal(hours), "trainer": trainer, "attendee_count": count,
                "attendees": who, "content": content, "created_on": self.moment(held, 17)})
            self.count("trainings", new)
        inspector = self.person("grid")
        for address, seen, kind, state, finding, measures, fix_by, fixed in HAZARDS:
            _, new = _get_or_add(HazardInspection, {"grid_id": self.grid.id,
                                                    "address": address}, {
                **self.place, "inspected_on": self.day(seen), "inspector": inspector,
                "kind": kind, "state": state, "finding": finding, "measures": measures,
                "fix_by": self.day(fix_by), "fixed_on": self.day(fixed),
                "created_on": self.moment(seen, 17)})
            self.count("inspections", new)
        for when, kind, item, amount, note in FEES:
            _, new = _get_or_add(FeeEntry, {**key, "fund": FUND, "item": item}, {
                "street_id": self.community.street_id, "occurred_on": self.day(when),
                "kind": kind, "amount": Decimal(amount), "handler": FEE_HANDLER,
                "published": True, "note": note, "created_on": self.moment(when, 17)})
            self.count("fees", new)


def load_affairs(community: Community, grid: Grid, unit1: PartnerUnit,
                 unit2: PartnerUnit) -> dict[str, int]:
    """Create the missing community-affairs demo rows; return counts created by kind."""
    affairs = _Affairs(community, grid, unit1, unit2)
    affairs.load_dicts()
    affairs.load_requests()
    affairs.load_wishes()
    affairs.load_disputes()
    affairs.load_volunteers()
    affairs.load_meetings()
    affairs.load_ledgers()
    db.session.flush()
    return affairs.created
