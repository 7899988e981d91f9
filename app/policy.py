"""The built-in roles and what each may do, declared once.

``tongxin init`` creates a role with these permissions when the role does not exist yet;
a 系统管理员 may adjust them afterwards on the role screen.
"""

from __future__ import annotations

from typing import Any

from views.permissions import ADD, DELETE, EDIT, READ

ADMIN = "系统管理员"
STREET = "街道管理员"
COMMUNITY = "社区工作者"
GRID = "网格员"
UNIT = "共建单位"
SOCIAL = "社工"

_LETTERS = {"r": READ, "a": ADD, "e": EDIT, "d": DELETE}

#: role → resource → letters (r read, a add, e edit, d delete). The admin role gets all.
ROLES: dict[str, dict[str, str]] = {
    STREET: {"street": "r", "community": "rae", "grid": "raed", "partnerunit": "raed",
             "socialworkstation": "rae", "dictitem": "r"},
    COMMUNITY: {"street": "r", "community": "re", "grid": "rae", "partnerunit": "rae",
                "socialworkstation": "r", "dictitem": "r"},
    GRID: {"street": "r", "community": "r", "grid": "r", "partnerunit": "r", "dictitem": "r"},
    UNIT: {"community": "r", "partnerunit": "re", "dictitem": "r"},
    SOCIAL: {"street": "r", "community": "r", "grid": "r", "partnerunit": "r",
             "socialworkstation": "re", "dictitem": "r"},
}

#: What every signed-in role needs besides its records: its own profile and password.
SELF_SERVICE = [
    ("can_userinfo", "UserDBModelView"),
    ("resetmypassword", "UserDBModelView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    ("can_this_form_get", "UserInfoEditView"),
    ("can_this_form_post", "UserInfoEditView"),
]


def role_permissions(role: str, menu_names: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
    """(permission, view) pairs of ``role``; ``menu_names`` maps resource → (menu, group)."""
    pairs = list(SELF_SERVICE)
    for resource, letters in ROLES[role].items():
        pairs += [(f"can_{_LETTERS[ch]}", resource) for ch in letters]
        if resource in menu_names:
            menu, group = menu_names[resource]
            pairs += [("menu_access", menu), ("menu_access", group)]
    return pairs


def sync_roles(sm: Any, menu_names: dict[str, tuple[str, str]]) -> list[str]:
    """Create the built-in roles that are missing; return the names created."""
    created = []
    for role in ROLES:
        if sm.find_role(role) is not None:
            continue
        perms = [sm.add_permission_view_menu(p, v) for p, v in role_permissions(role, menu_names)]
        sm.add_role(role, [p for p in perms if p is not None])
        created.append(role)
    return created
