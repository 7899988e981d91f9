"""The built-in roles and what each may do, declared once.

``tongxin init`` creates a role with these permissions when the role does not exist yet;
a 系统管理员 may adjust them afterwards on the role screen.
"""

from __future__ import annotations

from typing import Any

from models.roles import ADMIN, COMMUNITY, GRID, SOCIAL, STREET, UNIT  # noqa: F401
from views.permissions import ADD, DELETE, EDIT, READ

_LETTERS = {"r": READ, "a": ADD, "e": EDIT, "d": DELETE}

#: role → resource → letters (r read, a add, e edit, d delete). The admin role gets all.
ROLES: dict[str, dict[str, str]] = {
    STREET: {"household": "r", "member": "r", "visit": "r", "householdtag": "raed",
             "street": "r", "community": "rae", "grid": "raed", "partnerunit": "raed",
             "socialworkstation": "rae", "dictitem": "r", "demand": "raed", "resource": "r",
             "demandoffer": "r", "project": "raed", "worklog": "r", "review": "r",
             "pointsentry": "r", "pointsaccount": "r", "pointsrule": "raed", "shopitem": "raed",
             "redemption": "r",
             "residentrequest": "r", "microwish": "r", "dispute": "r", "meeting": "raed",
             "resolution": "raed", "volunteerteam": "r", "volunteer": "r",
             "volunteeractivity": "r", "volunteerservice": "r", "convention": "r",
             "livelihoodproject": "raed", "training": "raed", "hazardinspection": "r",
             "feeentry": "r", "auditentry": "r", "recycleitem": "r"},
    COMMUNITY: {"household": "raed", "member": "raed", "visit": "rae", "householdtag": "r",
                "street": "r", "community": "re", "grid": "rae", "partnerunit": "rae",
                "socialworkstation": "r", "dictitem": "r", "demand": "raed", "resource": "r",
                "demandoffer": "r", "project": "rae", "worklog": "r", "review": "r",
                "pointsentry": "r", "pointsaccount": "r", "pointsrule": "r", "shopitem": "r",
                "redemption": "ra",  # for volunteers, at the points shop
                "residentrequest": "raed", "microwish": "raed", "dispute": "raed",
                "meeting": "raed", "resolution": "raed", "volunteerteam": "raed",
                "volunteer": "raed", "volunteeractivity": "raed", "volunteerservice": "raed",
                "convention": "raed", "livelihoodproject": "raed", "training": "raed",
                "hazardinspection": "raed", "feeentry": "raed", "auditentry": "r",
                "recycleitem": "r"},
    GRID: {"household": "raed", "member": "raed", "visit": "rae", "householdtag": "r",
           "street": "r", "community": "r", "grid": "r", "partnerunit": "r", "dictitem": "r",
           "demand": "rae", "resource": "r", "project": "r", "worklog": "r", "review": "r",
           "pointsentry": "r", "pointsaccount": "r", "shopitem": "r",
           "residentrequest": "rae", "microwish": "rae", "dispute": "rae", "meeting": "r",
           "resolution": "r", "volunteerteam": "r", "volunteer": "rae",
           "volunteeractivity": "r", "volunteerservice": "rae", "convention": "r",
           "livelihoodproject": "r", "training": "r", "hazardinspection": "rae",
           "feeentry": "r", "recycleitem": "r"},  # households and members they delete
    # partner units: requests dispatched to them, wishes open to claim and their own,
    # meetings and ledgers of the communities they serve — never households or volunteers
    UNIT: {"community": "r", "partnerunit": "re", "dictitem": "r", "demand": "r",
           "demandoffer": "rae",
           "resource": "raed", "project": "re", "worklog": "raed", "review": "r",
           "pointsentry": "r", "pointsaccount": "r", "shopitem": "r", "redemption": "ra",
           "residentrequest": "r", "microwish": "r", "meeting": "r", "resolution": "r",
           "volunteeractivity": "r", "convention": "r", "livelihoodproject": "r",
           "training": "r", "feeentry": "r"},
    SOCIAL: {"household": "r", "member": "r", "visit": "rae", "householdtag": "r",
             "street": "r", "community": "r", "grid": "r", "partnerunit": "r",
             "socialworkstation": "re", "dictitem": "r", "demand": "r", "resource": "r",
             "project": "r", "worklog": "r", "review": "r", "pointsentry": "r",
             "pointsaccount": "r", "shopitem": "r", "redemption": "r",
             "residentrequest": "r", "microwish": "r", "dispute": "rae", "meeting": "r",
             "resolution": "r", "volunteerteam": "rae", "volunteer": "rae",
             "volunteeractivity": "rae", "volunteerservice": "rae", "convention": "r",
             "livelihoodproject": "r", "training": "rae", "hazardinspection": "r",
             "feeentry": "r"},
}

#: 查看完整个人信息: the staff roles that may reveal personal data (never partner units)
PERSONAL_DATA = ("can_reveal", "PersonalDataView")
MAY_REVEAL = (STREET, COMMUNITY, GRID)

#: What every signed-in role needs besides its records: its own profile and password.
SELF_SERVICE = [
    ("can_userinfo", "UserDBModelView"),
    ("resetmypassword", "UserDBModelView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    ("can_this_form_get", "UserInfoEditView"),
    ("can_this_form_post", "UserInfoEditView"),
    ("can_read", "todo"), ("menu_access", "MyTodo"),  # 我的待办 (app.todo)
    ("can_read", "dashboard"), ("menu_access", "Dashboard"),  # 首页看板 (views.dashboard)
    ("can_index", "RankingView"), ("menu_access", "PointsRanking"),  # 积分排行
    ("menu_access", "points"),
    ("menu_access", "PublicFees"), ("menu_access", "ledgers"),  # 居民公示页 (views.public)
    ("can_read", "excel"),  # the progress page of one's own large export (views.excel)
]


def role_permissions(role: str, menu_names: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
    """(permission, view) pairs of ``role``; ``menu_names`` maps resource → (menu, group)."""
    pairs = list(SELF_SERVICE) + ([PERSONAL_DATA] if role in MAY_REVEAL else [])
    for resource, letters in ROLES[role].items():
        pairs += [(f"can_{_LETTERS[ch]}", resource) for ch in letters]
        if resource in menu_names:
            menu, group = menu_names[resource]
            pairs += [("menu_access", menu), ("menu_access", group)]
    return pairs


def sync_roles(sm: Any, menu_names: dict[str, tuple[str, str]],
               new_views: set[str] | None = None) -> list[str]:
    """Create the built-in roles that are missing; return the names created.

    A role that exists keeps what an administrator made of it, except that it receives
    its declared permissions on ``new_views`` (views this upgrade brought): a new record
    type works for its users without anyone clicking permissions together.
    """
    created = []
    for role in ROLES:
        pairs = role_permissions(role, menu_names)
        found = sm.find_role(role)
        if found is None:
            perms = [sm.add_permission_view_menu(p, v) for p, v in pairs]
            sm.add_role(role, [p for p in perms if p is not None])
            created.append(role)
            continue
        for perm, view in pairs:
            if view in (new_views or set()):
                pv = sm.add_permission_view_menu(perm, view)
                if pv is not None and pv not in found.permissions:
                    sm.add_permission_role(found, pv)
    return created
